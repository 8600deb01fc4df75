package io.fjord.clients.common.errors;

/** The replication factor asked for is not valid (for example larger than the number of live brokers). */
public class InvalidReplicationFactorException extends FjordException {
    public InvalidReplicationFactorException(String message) {
        super(message);
    }

    public InvalidReplicationFactorException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.fjord.clients.common.errors;

/** The broker rejected a batch as malformed; nothing of it was written. */
public class InvalidRecordException extends FjordException {
    public InvalidRecordException(String message) {
        super(message);
    }

    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}

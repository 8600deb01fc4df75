package io.fjord.clients.common.errors;

/** A topic config name or value was rejected by the broker. */
public class InvalidConfigurationException extends FjordException {
    public InvalidConfigurationException(String message) {
        super(message);
    }

    public InvalidConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}

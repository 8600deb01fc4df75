package io.fjord.clients.common.errors;

/** A client config is unknown, missing or has a bad value; the message names the key. */
public class ConfigException extends FjordException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

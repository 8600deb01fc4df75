package io.fjord.storage;

/** A topic or log configuration value that is unknown or out of range; the message names key, value and what is allowed. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}

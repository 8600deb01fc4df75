package io.fjord.metadata.common;

/** A setting (controller config or topic config) that is unknown or has an invalid value; the message names it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}

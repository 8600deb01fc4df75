package io.fjord.clients.common.errors;

/** A key or value could not be serialized or deserialized. */
public class SerializationException extends FjordException {
    public SerializationException(String message) {
        super(message);
    }

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}

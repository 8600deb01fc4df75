package io.fjord.clients.common.errors;

/** Base of every exception the Fjord clients throw or complete a future with. */
public class FjordException extends RuntimeException {
    public FjordException(String message) {
        super(message);
    }

    public FjordException(String message, Throwable cause) {
        super(message, cause);
    }
}

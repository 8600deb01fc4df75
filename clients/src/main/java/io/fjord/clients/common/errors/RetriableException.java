package io.fjord.clients.common.errors;

/** A failure that may go away if the same operation is tried again (the clients do so within their timeouts). */
public class RetriableException extends FjordException {
    public RetriableException(String message) {
        super(message);
    }

    public RetriableException(String message, Throwable cause) {
        super(message, cause);
    }
}

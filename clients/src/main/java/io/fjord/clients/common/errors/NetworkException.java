package io.fjord.clients.common.errors;

/** A broker could not be reached, or the connection broke while a request was outstanding. */
public class NetworkException extends RetriableException {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.fjord.clients.common.errors;

/** The topic name is not valid, or the operation is not allowed on this topic. */
public class InvalidTopicException extends FjordException {
    public InvalidTopicException(String message) {
        super(message);
    }

    public InvalidTopicException(String message, Throwable cause) {
        super(message, cause);
    }
}

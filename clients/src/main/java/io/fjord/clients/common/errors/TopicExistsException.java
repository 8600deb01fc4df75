package io.fjord.clients.common.errors;

/** A topic with this name already exists. */
public class TopicExistsException extends FjordException {
    public TopicExistsException(String message) {
        super(message);
    }

    public TopicExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}

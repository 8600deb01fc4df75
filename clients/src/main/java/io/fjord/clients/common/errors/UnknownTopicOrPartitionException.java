package io.fjord.clients.common.errors;

/** The topic or partition does not exist, or the broker has not learned about it yet. */
public class UnknownTopicOrPartitionException extends InvalidMetadataException {
    public UnknownTopicOrPartitionException(String message) {
        super(message);
    }

    public UnknownTopicOrPartitionException(String message, Throwable cause) {
        super(message, cause);
    }
}

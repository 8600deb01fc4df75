package io.fjord.clients.common.errors;

/** The broker asked is not the leader (nor a follower) of the partition: leadership moved. */
public class NotLeaderOrFollowerException extends InvalidMetadataException {
    public NotLeaderOrFollowerException(String message) {
        super(message);
    }

    public NotLeaderOrFollowerException(String message, Throwable cause) {
        super(message, cause);
    }
}

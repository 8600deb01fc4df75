package io.fjord.clients.common.errors;

/** The partition has no leader at the moment, typically while a leader election is in progress. */
public class LeaderNotAvailableException extends InvalidMetadataException {
    public LeaderNotAvailableException(String message) {
        super(message);
    }

    public LeaderNotAvailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

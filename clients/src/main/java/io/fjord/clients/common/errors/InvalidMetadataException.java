package io.fjord.clients.common.errors;

/** The client's view of the cluster is out of date; the clients refresh metadata and retry. */
public class InvalidMetadataException extends RetriableException {
    public InvalidMetadataException(String message) {
        super(message);
    }

    public InvalidMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}

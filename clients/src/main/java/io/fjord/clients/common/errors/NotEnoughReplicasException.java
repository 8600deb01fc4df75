package io.fjord.clients.common.errors;

/** Fewer replicas are in sync than the topic's min.insync.replicas, so an acks=all write was refused. */
public class NotEnoughReplicasException extends RetriableException {
    public NotEnoughReplicasException(String message) {
        super(message);
    }

    public NotEnoughReplicasException(String message, Throwable cause) {
        super(message, cause);
    }
}

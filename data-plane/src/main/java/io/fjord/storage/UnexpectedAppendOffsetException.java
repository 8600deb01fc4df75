package io.fjord.storage;

/**
 * A follower append whose first offset lies below the log end offset: the batches overlap data the log
 * already holds, so the follower must truncate (or start over) before appending. Kafka's
 * UnexpectedAppendOffsetException.
 */
public class UnexpectedAppendOffsetException extends RuntimeException {
    private final long firstOffset;
    private final long logEndOffset;

    public UnexpectedAppendOffsetException(String partition, long firstOffset, long logEndOffset) {
        super("Follower append to " + partition + " starts at offset " + firstOffset
                + ", below the log end offset " + logEndOffset + "; truncate the log first");
        this.firstOffset = firstOffset;
        this.logEndOffset = logEndOffset;
    }

    public long firstOffset() { return firstOffset; }
    public long logEndOffset() { return logEndOffset; }
}

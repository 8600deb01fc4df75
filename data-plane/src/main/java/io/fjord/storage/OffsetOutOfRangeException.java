package io.fjord.storage;

/** A read or lookup for an offset outside [logStartOffset, logEndOffset]; Kafka's OFFSET_OUT_OF_RANGE. */
public class OffsetOutOfRangeException extends RuntimeException {
    private final long requestedOffset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(String partition, long requestedOffset, long logStartOffset, long logEndOffset) {
        super("Offset " + requestedOffset + " is out of range for " + partition + ": the log holds offsets from "
                + logStartOffset + " (log start offset) up to " + logEndOffset + " (log end offset, exclusive)");
        this.requestedOffset = requestedOffset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long requestedOffset() { return requestedOffset; }
    public long logStartOffset() { return logStartOffset; }
    public long logEndOffset() { return logEndOffset; }
}

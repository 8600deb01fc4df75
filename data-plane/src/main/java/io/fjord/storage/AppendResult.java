package io.fjord.storage;

/**
 * What an append wrote.
 *
 * @param firstOffset base offset of the first batch
 * @param lastOffset last offset of the last batch
 * @param logAppendTimeMs the broker time stamped into the batches with LogAppendTime, else -1
 * @param maxTimestamp the largest batch max timestamp appended (after LogAppendTime rewriting)
 * @param sizeInBytes bytes written to the log
 * @param duplicate the batch was a retry of an idempotent producer's batch already in the log: nothing was
 *     written (size 0, logAppendTimeMs -1) and the offsets and max timestamp are the original batch's
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTimeMs, long maxTimestamp, int sizeInBytes,
                           boolean duplicate) {
    /** A result of an append that wrote its batches. */
    public AppendResult(long firstOffset, long lastOffset, long logAppendTimeMs, long maxTimestamp, int sizeInBytes) {
        this(firstOffset, lastOffset, logAppendTimeMs, maxTimestamp, sizeInBytes, false);
    }
}

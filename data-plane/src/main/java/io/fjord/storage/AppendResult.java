package io.fjord.storage;

/**
 * What an append wrote.
 *
 * @param firstOffset base offset of the first batch
 * @param lastOffset last offset of the last batch
 * @param logAppendTimeMs the broker time stamped into the batches with LogAppendTime, else -1
 * @param maxTimestamp the largest batch max timestamp appended (after LogAppendTime rewriting)
 * @param sizeInBytes bytes written to the log
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTimeMs, long maxTimestamp, int sizeInBytes) {}

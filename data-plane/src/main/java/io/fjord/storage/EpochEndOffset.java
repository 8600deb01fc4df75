package io.fjord.storage;

/**
 * For a requested leader epoch: the largest epoch in the log not above it, and the offset where that
 * epoch ends (the start offset of the next higher epoch, or the log end offset for the latest epoch).
 * A follower truncates to this offset when its own log diverges (Kafka's OffsetsForLeaderEpoch).
 */
public record EpochEndOffset(int epoch, long endOffset) {}

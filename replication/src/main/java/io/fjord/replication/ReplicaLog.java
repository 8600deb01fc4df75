package io.fjord.replication;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * What replication needs from a partition's storage. data-plane adapts its segmented
 * {@code PartitionLog} to this; {@link io.fjord.replication.inmemory.InMemoryReplicaLog} is the
 * in-memory twin for tests and simulations.
 *
 * <p>Format: batches are Kafka v2 record batches ({@link io.fjord.wire.RecordBatchHeader}), stored and
 * returned byte for byte; every batch carries the partition leader epoch it was written in, and the
 * log keeps a leader-epoch history (epoch → first offset) alongside.
 *
 * <p>Threading: implementations say their own; this module calls a given log from one thread at a
 * time (the fetcher that follows it, or the caller that serialises a leader partition).
 */
public interface ReplicaLog extends EpochView {
    /** The offset below which consumers may read; never above {@link #logEndOffset()}. */
    long highWatermark();

    /** Sets the high watermark, clamped to [log start, log end]. May move backwards only on a follower. */
    void updateHighWatermark(long highWatermark);

    /**
     * Records that {@code leaderEpoch} starts at {@code startOffset}: a new leader calls it before its
     * first append, so followers asking about older epochs learn where those ended.
     */
    void assignEpochStartOffset(int leaderEpoch, long startOffset);

    /**
     * Appends batches copied from the leader, keeping their offsets and epochs, and extends the
     * leader-epoch history from the batches' partition leader epochs.
     *
     * @return the last offset appended, or {@code logEndOffset() - 1} for an empty buffer
     * @throws RuntimeException when a batch is malformed or starts below the log end offset; nothing
     *     from that batch on is appended
     */
    long appendAsFollower(ByteBuffer batches);

    /**
     * Removes everything at and after {@code offset}; a batch straddling it is removed whole. It must
     * also drop leader-epoch entries starting at or after the new log end <b>even when nothing is
     * removed</b> (offset at or past the log end): a replica that became leader and wrote nothing
     * still holds an entry for that epoch, and until it is gone the replica keeps announcing an epoch
     * no leader has (Kafka's {@code UnifiedLog.truncateTo} does the same). Below the log start
     * offset it empties the log and starts it at {@code offset}. The high watermark is clamped.
     */
    void truncateTo(long offset);

    /** Empties the log and starts it at {@code offset}, clearing the leader-epoch history. */
    void truncateFullyAndStartAt(long offset);

    /**
     * Moves the log start offset forward to follow the leader's retention (never past the high
     * watermark). Storage may do it at batch or segment granularity, keeping data it cannot drop.
     */
    void maybeIncrementLogStartOffset(long offset);

    /**
     * Whole batches from the one containing {@code offset} up to the log end offset, at most
     * {@code maxBytes} except that the first batch is returned even when larger. Empty at the log end.
     */
    ByteBuffer read(long offset, int maxBytes);

    /**
     * As {@link #read(long, int)}, into a buffer from {@code buffers} (called with the size needed) where
     * the log reads into a buffer of its own; the caller owns what {@code buffers} hands out.
     */
    default ByteBuffer read(long offset, int maxBytes, IntFunction<ByteBuffer> buffers) {
        return read(offset, maxBytes);
    }
}

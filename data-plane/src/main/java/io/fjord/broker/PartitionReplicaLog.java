package io.fjord.broker;

import io.fjord.replication.EpochEndOffset;
import io.fjord.replication.ReplicaLog;
import io.fjord.storage.PartitionLog;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;

/**
 * A partition's segmented log as the replication protocol sees it, plus the replica's high
 * watermark, which lives here so that consumers, followers and acks=all all read the same value.
 *
 * <p>Threading: storage calls are thread-safe; the high watermark is volatile, written by the one
 * caller that owns the partition's protocol state at a time (the leader lock or the fetcher thread).
 */
final class PartitionReplicaLog implements ReplicaLog {
    private final PartitionLog log;
    private volatile long highWatermark;

    PartitionReplicaLog(PartitionLog log) {
        this.log = log;
        // After a restart nothing is known to be committed beyond what is on disk; the leader's
        // answers (or, for a leader, the followers' fetches) move it from here.
        this.highWatermark = Math.min(log.logStartOffset(), log.logEndOffset());
    }

    PartitionLog storage() {
        return log;
    }

    @Override public long logStartOffset() { return log.logStartOffset(); }
    @Override public long logEndOffset() { return log.logEndOffset(); }
    @Override public OptionalInt latestEpoch() { return log.latestEpoch(); }

    @Override
    public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
        return log.endOffsetForEpoch(epoch).map(e -> new EpochEndOffset(e.epoch(), e.endOffset()));
    }

    @Override public long highWatermark() { return highWatermark; }

    @Override
    public void updateHighWatermark(long hw) {
        highWatermark = Math.max(log.logStartOffset(), Math.min(hw, log.logEndOffset()));
    }

    /** For a replica that is the only one (standalone broker, or RF 1): everything on disk is committed. */
    void setHighWatermarkToLogEnd() {
        highWatermark = log.logEndOffset();
    }

    @Override
    public void assignEpochStartOffset(int leaderEpoch, long startOffset) {
        log.maybeAssignEpochStartOffset(leaderEpoch, startOffset);
    }

    @Override
    public long appendAsFollower(ByteBuffer batches) {
        if (!batches.hasRemaining()) {
            return log.logEndOffset() - 1;
        }
        return log.appendAsFollower(batches).lastOffset();
    }

    @Override
    public void truncateTo(long offset) {
        log.truncateTo(offset);
        updateHighWatermark(highWatermark);
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        log.truncateFullyAndStartAt(offset);
        highWatermark = offset;
    }

    @Override
    public void maybeIncrementLogStartOffset(long offset) {
        // Segment-granular retention on followers runs on their own schedule; a follower never
        // deletes data past its high watermark. Kafka's per-batch log-start bump is not needed for
        // correctness here: reads below the leader's log start are refused by the leader.
    }

    @Override
    public ByteBuffer read(long offset, int maxBytes) {
        return read(offset, maxBytes, ByteBuffer::allocate);
    }

    @Override
    public ByteBuffer read(long offset, int maxBytes, IntFunction<ByteBuffer> buffers) {
        return log.read(offset, maxBytes, Long.MAX_VALUE, true, buffers).records();
    }
}

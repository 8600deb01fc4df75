package io.fjord.replication.follower;

import io.fjord.proto.ErrorCode;
import io.fjord.replication.ReplicaLog;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.TruncationPoint;

import java.nio.ByteBuffer;

/**
 * What a fetch response asks the follower to do, in order, per partition (STYLE 5: the fetcher
 * decides, the caller persists). {@link #applyTo} carries it out on the partition's log; the
 * informational ones do nothing there but tell the caller what the fetcher decided.
 */
public sealed interface FetcherAction {
    TopicPartition partition();

    /** Carries the action out on the partition's log; a no-op for informational actions. */
    void applyTo(ReplicaLog log);

    /** Truncate where the log diverges from the leader's (a diverging epoch in the response). */
    record Truncate(TopicPartition partition, TruncationPoint point) implements FetcherAction {
        @Override public void applyTo(ReplicaLog log) { log.truncateTo(point.offset()); }
    }

    /** The log is behind the leader's log start (OFFSET_OUT_OF_RANGE): start over there. */
    record TruncateFullyAndStartAt(TopicPartition partition, long offset) implements FetcherAction {
        @Override public void applyTo(ReplicaLog log) { log.truncateFullyAndStartAt(offset); }
    }

    /** Append the leader's batches verbatim, offsets and epochs included. */
    record Append(TopicPartition partition, ByteBuffer records) implements FetcherAction {
        @Override public void applyTo(ReplicaLog log) { log.appendAsFollower(records.duplicate()); }
    }

    /**
     * Take the leader's high watermark, capped at what this replica holds, and follow its log start
     * offset up to that high watermark.
     */
    record UpdateHighWatermark(TopicPartition partition, long leaderHighWatermark, long leaderLogStartOffset)
            implements FetcherAction {
        @Override
        public void applyTo(ReplicaLog log) {
            long hw = Math.min(leaderHighWatermark, log.logEndOffset());
            log.updateHighWatermark(hw);
            if (leaderLogStartOffset > log.logStartOffset()) {
                log.maybeIncrementLogStartOffset(Math.min(leaderLogStartOffset, log.highWatermark()));
            }
        }
    }

    /** Informational: the partition sits out until {@code retryAtMs} after {@code error}. */
    record Backoff(TopicPartition partition, ErrorCode error, long retryAtMs) implements FetcherAction {
        @Override public void applyTo(ReplicaLog log) {}
    }

    /** Informational: fenced or not the leader; the partition waits for metadata (refresh it). */
    record AwaitMetadata(TopicPartition partition, ErrorCode error) implements FetcherAction {
        @Override public void applyTo(ReplicaLog log) {}
    }
}

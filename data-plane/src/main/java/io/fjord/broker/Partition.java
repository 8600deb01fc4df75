package io.fjord.broker;

import io.fjord.storage.AppendResult;
import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;

import java.nio.ByteBuffer;

/**
 * One partition replica on this broker: its log, leader epoch and high watermark.
 *
 * <p>On a standalone broker this replica is the only one, so it leads and its high watermark is its
 * log end offset. The replication module replaces that rule with min-LEO-over-ISR.
 *
 * <p>Threading: appends are serialized by the log; the high watermark is volatile and only grows.
 */
public final class Partition {
    private final TopicPartitionKey key;
    private final PartitionLog log;
    private volatile int leaderEpoch;
    private volatile long highWatermark;

    Partition(TopicPartitionKey key, PartitionLog log, int leaderEpoch) {
        this.key = key;
        this.log = log;
        this.leaderEpoch = leaderEpoch;
        this.highWatermark = log.logEndOffset();
    }

    public TopicPartitionKey key() { return key; }
    public PartitionLog log() { return log; }
    public int leaderEpoch() { return leaderEpoch; }
    public long highWatermark() { return highWatermark; }
    public LogConfig config() { return log.config(); }

    /** Appends batches already validated by the caller; offsets are assigned in place. */
    public AppendResult appendAsLeader(ByteBuffer batches) {
        AppendResult r = log.appendAsLeader(batches, leaderEpoch);
        // A single replica is the whole ISR, so everything appended is committed at once.
        highWatermark = log.logEndOffset();
        return r;
    }
}

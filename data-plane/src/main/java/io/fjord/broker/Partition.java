package io.fjord.broker;

import io.fjord.storage.AppendResult;
import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * One partition replica on this broker: its log, and the role the metadata gives it (leader or
 * follower, leader epoch, replicas and ISR).
 *
 * <p>High watermark: replication (followers fetching from leaders) is not built yet, so a leader
 * counts everything it appended as committed: its high watermark is its log end offset. The
 * replication module replaces that rule with min-LEO-over-ISR.
 *
 * <p>Threading: appends are serialized by the log; role fields are replaced together under this
 * object's lock by the metadata thread and read through one volatile reference.
 */
public final class Partition {

    /** What the metadata says about this replica, replaced as a whole. */
    public record State(boolean leader, int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> replicas,
                        List<Integer> isr, Map<String, String> topicOverrides) {
        public State {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
            topicOverrides = Map.copyOf(topicOverrides);
        }
    }

    private final TopicPartitionKey key;
    private final PartitionLog log;
    private volatile State state;
    private volatile long highWatermark;

    Partition(TopicPartitionKey key, PartitionLog log, State state) {
        this.key = key;
        this.log = log;
        this.state = state;
        this.highWatermark = log.logEndOffset();
    }

    public TopicPartitionKey key() { return key; }
    public PartitionLog log() { return log; }
    public State state() { return state; }
    public boolean isLeader() { return state.leader(); }
    public int leaderEpoch() { return state.leaderEpoch(); }
    public long highWatermark() { return highWatermark; }
    public LogConfig config() { return log.config(); }

    synchronized void setState(State next) {
        if (next.leader() && next.leaderEpoch() > state.leaderEpoch()) {
            // Record where the new epoch starts even before its first append, so epoch lookups answer right.
            log.maybeAssignEpochStartOffset(next.leaderEpoch(), log.logEndOffset());
        }
        state = next;
        highWatermark = log.logEndOffset();
    }

    /** Appends batches already validated by the caller; offsets are assigned in place. */
    public AppendResult appendAsLeader(ByteBuffer batches) {
        AppendResult r = log.appendAsLeader(batches, state.leaderEpoch());
        highWatermark = log.logEndOffset();
        return r;
    }
}

package io.fjord.broker;

import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.leader.PartitionRole;
import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;

import java.util.List;
import java.util.Map;

/**
 * One partition replica on this broker: its log (with the high watermark), what the metadata says
 * about it ({@link State}), and its replication role: {@link PartitionRole.Leader} holding the
 * leader-side protocol state, {@link PartitionRole.Follower}, or {@link PartitionRole.Offline}.
 *
 * <p>Threading: the leader-side protocol state is single-caller; every use of it (produce, follower
 * fetches, ISR checks, AlterPartition answers, role changes) holds this object's monitor. Readers of
 * the role, state and high watermark use the volatile fields without locking.
 */
public final class Partition {

    /** What the metadata says about this replica, replaced as a whole. */
    public record State(int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr,
                        Map<String, String> topicOverrides) {
        public State {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
            topicOverrides = Map.copyOf(topicOverrides);
        }
    }

    private final TopicPartitionKey key;
    private final PartitionReplicaLog replicaLog;
    private volatile State state;
    private volatile PartitionRole role;

    Partition(TopicPartitionKey key, PartitionLog log, State state) {
        this.key = key;
        this.replicaLog = new PartitionReplicaLog(log);
        this.state = state;
        this.role = new PartitionRole.Offline(state.leaderEpoch());
    }

    public TopicPartitionKey key() { return key; }
    public PartitionLog log() { return replicaLog.storage(); }
    PartitionReplicaLog replicaLog() { return replicaLog; }
    public State state() { return state; }
    public PartitionRole role() { return role; }
    public boolean isLeader() { return role instanceof PartitionRole.Leader; }
    public int leaderEpoch() { return role.leaderEpoch(); }
    public long highWatermark() { return replicaLog.highWatermark(); }
    public LogConfig config() { return log().config(); }

    /** The leader-side protocol state, or null when this replica does not lead. Hold the monitor to use it. */
    PartitionLeaderState leaderState() {
        return role instanceof PartitionRole.Leader l ? l.state() : null;
    }

    void setState(State next) {
        state = next;
    }

    void setRole(PartitionRole next) {
        role = next;
    }
}

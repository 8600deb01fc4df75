package io.fjord.metadata.image;

import io.fjord.proto.metadata.PartitionChangeRecord;
import io.fjord.proto.metadata.PartitionRecord;

import java.util.List;

/**
 * One partition's assignment and leadership as committed in the metadata log.
 *
 * @param replicas the assigned replicas in preference order (the first is the preferred leader)
 * @param isr the in-sync replicas; never empty
 * @param leader the leader's broker id, or {@link #NO_LEADER} when offline
 * @param leaderEpoch bumped whenever the leader changes
 * @param partitionEpoch bumped on every change; guards AlterPartition
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                    int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public static PartitionRegistration fromRecord(PartitionRecord r) {
        return new PartitionRegistration(r.getReplicasList(), r.getIsrList(), r.getLeader(), r.getLeaderEpoch(),
                r.getPartitionEpoch());
    }

    /** This registration with the change applied: unset fields keep their value; epochs bump as Kafka does. */
    public PartitionRegistration merge(PartitionChangeRecord r) {
        List<Integer> newReplicas = r.getReplicasSet() ? r.getReplicasList() : replicas;
        List<Integer> newIsr = r.getIsrSet() ? r.getIsrList() : isr;
        int newLeader = r.hasLeader() ? r.getLeader() : leader;
        int newLeaderEpoch = newLeader != leader ? leaderEpoch + 1 : leaderEpoch;
        return new PartitionRegistration(newReplicas, newIsr, newLeader, newLeaderEpoch, partitionEpoch + 1);
    }

    public PartitionRecord toRecord(String topicId, int partition) {
        return PartitionRecord.newBuilder().setTopicId(topicId).setPartition(partition)
                .addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).build();
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}

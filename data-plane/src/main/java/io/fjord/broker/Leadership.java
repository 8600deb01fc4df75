package io.fjord.broker;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.LeaderHint;

import java.util.Optional;

/**
 * Decides whether this broker may serve a partition as its leader, and if not, what to tell the
 * client: UNKNOWN_TOPIC_OR_PARTITION when the metadata has no such partition, else
 * NOT_LEADER_OR_FOLLOWER with the current leader, so the client can retry there at once.
 */
final class Leadership {
    private final ReplicaManager replicas;
    private final ClusterMetadata metadata;

    Leadership(ReplicaManager replicas, ClusterMetadata metadata) {
        this.replicas = replicas;
        this.metadata = metadata;
    }

    /** The partition when this broker leads it, else a refusal. */
    record Check(Partition leader, ErrorCode error, String message, LeaderHint hint) {
        boolean ok() { return leader != null; }
    }

    Check leaderFor(TopicPartitionKey tp) {
        Partition p = replicas.get(tp);
        if (p != null && p.isLeader()) {
            return new Check(p, ErrorCode.NONE, "", null);
        }
        Optional<ClusterMetadata.PartitionView> view = metadata.topic(tp.topic())
                .map(t -> t.partitions().get(tp.partition()));
        if (view.isEmpty()) {
            return new Check(null, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "this cluster has no partition " + tp, null);
        }
        LeaderHint hint = hint(view.get());
        String where = view.get().leader() < 0 ? "it has no leader now (offline or an election is running)"
                : "its leader is broker " + view.get().leader() + " at leader epoch " + view.get().leaderEpoch();
        return new Check(null, ErrorCode.NOT_LEADER_OR_FOLLOWER, "this broker does not lead " + tp + "; " + where, hint);
    }

    LeaderHint hint(ClusterMetadata.PartitionView v) {
        LeaderHint.Builder b = LeaderHint.newBuilder().setLeaderId(v.leader()).setLeaderEpoch(v.leaderEpoch());
        if (v.leader() >= 0) {
            metadata.broker(v.leader()).ifPresent(b::setEndpoint);
        }
        return b.build();
    }
}

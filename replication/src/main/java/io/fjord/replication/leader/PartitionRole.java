package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.LeaderHint;

import java.util.Objects;

/**
 * What this broker is for one partition (STYLE 7), derived from the metadata image: the broker is
 * never told "become leader", it sees that it is one. Holds the leader state only on the leader, so
 * "am I the leader" and "with which state" are one question.
 */
public sealed interface PartitionRole permits PartitionRole.Leader, PartitionRole.Follower, PartitionRole.Offline {

    /** The leader epoch this replica knows for the partition. */
    int leaderEpoch();

    /** The leader as this replica knows it, -1 when none. */
    int leaderId();

    /**
     * The check for produce and fetch requests addressed to a leader: first the epoch
     * ({@link LeaderEpochs#validate}), then leadership (NOT_LEADER_OR_FOLLOWER), as Kafka orders them,
     * so a sender that is behind learns it is fenced rather than being sent elsewhere.
     */
    default ErrorCode validateLeaderRequest(int requestLeaderEpoch) {
        ErrorCode e = LeaderEpochs.validate(requestLeaderEpoch, leaderEpoch());
        if (e != ErrorCode.NONE) {
            return e;
        }
        return this instanceof Leader ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    }

    /** For error responses: where the client should go instead (endpoint left for data-plane to fill). */
    default LeaderHint leaderHint() {
        return LeaderHint.newBuilder().setLeaderId(leaderId()).setLeaderEpoch(leaderEpoch()).build();
    }

    record Leader(PartitionLeaderState state) implements PartitionRole {
        public Leader {
            Objects.requireNonNull(state, "state");
        }

        @Override public int leaderEpoch() { return state.leaderEpoch(); }

        @Override public int leaderId() { return state.localBrokerId(); }
    }

    record Follower(int leaderId, int leaderEpoch) implements PartitionRole {}

    /** A replica with no leader to follow (leader -1 in the metadata) or whose log is unavailable. */
    record Offline(int leaderEpoch) implements PartitionRole {
        @Override public int leaderId() { return -1; }
    }
}

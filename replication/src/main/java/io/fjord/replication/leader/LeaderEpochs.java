package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;

/** The epoch check every partition request goes through before anything else (KIP-320). */
public final class LeaderEpochs {
    /** What a request sends to skip the check (consumers of old clients, tools). */
    public static final int NO_EPOCH = -1;

    private LeaderEpochs() {}

    /**
     * NONE when the request's epoch is {@link #NO_EPOCH} or equals the replica's; FENCED_LEADER_EPOCH
     * when the sender is behind (it must refresh metadata and stop using this leader);
     * UNKNOWN_LEADER_EPOCH when the sender is ahead (this replica has not seen the change yet: retry).
     */
    public static ErrorCode validate(int requestLeaderEpoch, int localLeaderEpoch) {
        if (requestLeaderEpoch == NO_EPOCH || requestLeaderEpoch == localLeaderEpoch) {
            return ErrorCode.NONE;
        }
        return requestLeaderEpoch < localLeaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
    }
}

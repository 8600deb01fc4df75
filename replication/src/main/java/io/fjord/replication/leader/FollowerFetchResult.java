package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.EpochEndOffset;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a follower's fetch did on the leader.
 *
 * @param error NONE, NOT_LEADER_OR_FOLLOWER (not an assigned replica) or OFFSET_OUT_OF_RANGE
 * @param divergingEpoch set when the follower's log diverges: return it instead of records; the
 *     follower's position was not recorded
 * @param newHighWatermark set when the high watermark advanced: complete delayed produces
 * @param isrProposal set when the follower caught up and is proposed into the ISR: send it
 */
public record FollowerFetchResult(ErrorCode error, Optional<EpochEndOffset> divergingEpoch,
                                  OptionalLong newHighWatermark, Optional<AlterPartitionProposal> isrProposal) {

    static FollowerFetchResult error(ErrorCode error) {
        return new FollowerFetchResult(error, Optional.empty(), OptionalLong.empty(), Optional.empty());
    }

    static FollowerFetchResult diverging(EpochEndOffset at) {
        return new FollowerFetchResult(ErrorCode.NONE, Optional.of(at), OptionalLong.empty(), Optional.empty());
    }
}

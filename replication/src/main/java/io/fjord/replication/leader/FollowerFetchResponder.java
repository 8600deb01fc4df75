package io.fjord.replication.leader;

import com.google.protobuf.UnsafeByteOperations;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.ReplicaLog;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;

/**
 * Answers one partition of a follower's fetch (replica_id >= 0): the epoch and leadership checks, the
 * divergence check, the read, and the leader-state update, in Kafka's order. data-plane calls it per
 * partition and owns the long poll: when no partition returned records, errors or a diverging epoch,
 * it may hold the request up to max_wait_ms and call this again when data arrives or time is up.
 *
 * <p>Consumers (replica_id -1) do not come here: they read below {@link PartitionLeaderState#highWatermark()}.
 *
 * <p>Threading: as {@link PartitionLeaderState}; call under the partition's lock.
 */
public final class FollowerFetchResponder {
    private FollowerFetchResponder() {}

    /**
     * @param data the partition's part of the response
     * @param newHighWatermark set when the fetch advanced the HW: hand it to the delayed-produce tracker
     * @param isrProposal set when the follower is proposed into the ISR: send it to the controller
     */
    public record Outcome(FetchPartitionData data, OptionalLong newHighWatermark, Optional<AlterPartitionProposal> isrProposal) {
        /** True when there is something to tell the follower now, so a long poll should not wait. */
        public boolean isActionable() {
            return data.getErrorCode() != ErrorCode.NONE || data.hasDivergingEpoch() || !data.getRecords().isEmpty();
        }
    }

    /**
     * @param maxBytes what is left of the response's max_bytes; the partition's own limit also applies,
     *     and the first batch is returned even when larger
     */
    public static Outcome respond(PartitionRole role, int replicaId, FetchPartition request, int maxBytes, long nowMs) {
        return respond(role, replicaId, request, maxBytes, nowMs, ByteBuffer::allocate);
    }

    /**
     * As {@link #respond(PartitionRole, int, FetchPartition, int, long)}, reading the records into buffers
     * from {@code buffers}: the answer's records are a view of them until the caller releases them.
     */
    public static Outcome respond(PartitionRole role, int replicaId, FetchPartition request, int maxBytes, long nowMs,
                                  IntFunction<ByteBuffer> buffers) {
        FetchPartitionData.Builder data = FetchPartitionData.newBuilder()
                .setPartition(request.getPartition())
                .setHighWatermark(-1L).setLastStableOffset(-1L).setLogStartOffset(-1L).setLogEndOffset(-1L);
        ErrorCode check = role.validateLeaderRequest(request.getCurrentLeaderEpoch());
        if (check != ErrorCode.NONE) {
            data.setErrorCode(check).setCurrentLeader(role.leaderHint());
            return new Outcome(data.build(), OptionalLong.empty(), Optional.empty());
        }
        PartitionLeaderState leader = ((PartitionRole.Leader) role).state();
        ReplicaLog log = leader.log();
        FollowerFetchResult r = leader.onFollowerFetch(replicaId, request.getFetchOffset(), request.getLastFetchedEpoch(), nowMs);
        data.setErrorCode(r.error())
                .setHighWatermark(log.highWatermark())
                .setLastStableOffset(log.highWatermark())
                .setLogStartOffset(log.logStartOffset())
                .setLogEndOffset(log.logEndOffset());
        if (r.divergingEpoch().isPresent()) {
            data.setDivergingEpoch(r.divergingEpoch().get().toProto());
        } else if (r.error() == ErrorCode.NONE) {
            int limit = request.getPartitionMaxBytes() > 0 ? Math.min(request.getPartitionMaxBytes(), maxBytes) : maxBytes;
            ByteBuffer records = log.read(request.getFetchOffset(), Math.max(limit, 0), buffers);
            // The buffer does not change while the answer is read, so wrapping saves a copy.
            data.setRecords(UnsafeByteOperations.unsafeWrap(records));
        } else if (r.error() == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
            data.setErrorMessage("broker " + replicaId + " is not a replica of " + leader.partition());
        } else if (r.error() == ErrorCode.OFFSET_OUT_OF_RANGE) {
            data.setErrorMessage("fetch offset " + request.getFetchOffset() + " is outside [" + log.logStartOffset()
                    + ", " + log.logEndOffset() + "] of " + leader.partition());
        }
        return new Outcome(data.build(), r.newHighWatermark(), r.isrProposal());
    }
}

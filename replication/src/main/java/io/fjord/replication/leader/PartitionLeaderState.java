package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.EpochEndOffset;
import io.fjord.replication.ReplicaLog;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader side of one partition for one leader epoch: each follower's position, the high
 * watermark, and ISR changes (Kafka's {@code Partition} on the leader). Created when the metadata
 * makes this broker the leader; thrown away when the leader epoch changes.
 *
 * <p>Rules, as in Kafka:
 * <ul>
 *   <li>HW = min log end offset over the {@linkplain IsrState#maximal() maximal ISR}; it only grows, and
 *       does not grow while the committed ISR is smaller than min.insync.replicas.
 *   <li>A follower in the ISR that has not caught up for replica.lag.time.max.ms is proposed out; one
 *       outside that reaches the HW and the start of this leader epoch is proposed in. One proposal at
 *       a time, guarded by the partition epoch; the state changes only when the controller commits.
 *   <li>A follower's fetch whose last fetched epoch does not match this log returns a diverging epoch
 *       and is not counted as progress.
 * </ul>
 *
 * <p>How a broker drives it: {@link #onFollowerFetch} for each follower fetch (or
 * {@link FollowerFetchResponder}), {@link #onLeaderAppend} after each produce append,
 * {@link #maybeShrinkIsr} on a timer, {@link #onAlterPartitionResponse} for the controller's answers
 * and {@link #onAlterPartitionCommitted} for metadata updates within the same leader epoch. Every
 * {@code OptionalLong} returned is a new high watermark to hand to the {@link DelayedProduceTracker};
 * every proposal returned goes to the controller, and {@link #pendingProposal()} is what to resend if
 * the answer is lost.
 *
 * <p>Threading: not thread-safe; one caller at a time (data-plane holds a per-partition lock, like
 * Kafka's {@code leaderIsrUpdateLock}). Time is an argument: nothing here reads a clock.
 */
public final class PartitionLeaderState {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLeaderState.class);

    private final TopicPartition partition;
    private final int localBrokerId;
    private final int leaderEpoch;
    private final long leaderEpochStartOffset;
    private final List<Integer> replicas;
    private final ReplicaLog log;
    private final ReplicationConfig config;
    private final Map<Integer, ReplicaState> followers = new TreeMap<>();
    private IsrState isr;
    private int minInsyncReplicas;
    /** Set after a rejected proposal: do not propose again before this time. */
    private long proposalsBlockedUntilMs = Long.MIN_VALUE;
    /** Set when the controller says our epochs are stale: only newer metadata can unblock us. */
    private boolean awaitingMetadata;

    private PartitionLeaderState(TopicPartition partition, int localBrokerId, int leaderEpoch, int partitionEpoch,
                                 List<Integer> replicas, List<Integer> isr, int minInsyncReplicas, ReplicaLog log,
                                 ReplicationConfig config, long nowMs) {
        this.partition = partition;
        this.localBrokerId = localBrokerId;
        this.leaderEpoch = leaderEpoch;
        this.replicas = List.copyOf(replicas);
        this.log = log;
        this.config = config;
        this.isr = new IsrState.Committed(isr, partitionEpoch);
        this.minInsyncReplicas = minInsyncReplicas;
        this.leaderEpochStartOffset = log.logEndOffset();
        for (int r : this.replicas) {
            if (r != localBrokerId) {
                followers.put(r, ReplicaState.initial(r, isr.contains(r), nowMs));
            }
        }
    }

    /**
     * Takes over leadership at {@code leaderEpoch}: records the epoch's start offset in the log (so
     * followers can find where older epochs ended) and starts every follower at an unknown offset,
     * with ISR members counted as caught up now so that they are not dropped before their first fetch.
     *
     * @throws IllegalArgumentException when this broker is not in {@code replicas} and {@code isr}
     */
    public static PartitionLeaderState becomeLeader(TopicPartition partition, int localBrokerId, int leaderEpoch,
                                                    int partitionEpoch, List<Integer> replicas, List<Integer> isr,
                                                    int minInsyncReplicas, ReplicaLog log, ReplicationConfig config,
                                                    long nowMs) {
        if (!replicas.contains(localBrokerId) || !isr.contains(localBrokerId)) {
            throw new IllegalArgumentException("broker " + localBrokerId + " cannot lead " + partition
                    + " at epoch " + leaderEpoch + ": replicas " + replicas + ", isr " + isr);
        }
        log.assignEpochStartOffset(leaderEpoch, log.logEndOffset());
        PartitionLeaderState s = new PartitionLeaderState(partition, localBrokerId, leaderEpoch, partitionEpoch,
                replicas, isr, minInsyncReplicas, log, config, nowMs);
        s.maybeAdvanceHighWatermark();
        LOG.info("{}: leader at epoch {} from offset {}, isr {}, high watermark {}", partition, leaderEpoch,
                s.leaderEpochStartOffset, isr, log.highWatermark());
        return s;
    }

    // ---------------------------------------------------------------- follower fetches

    /** See {@link LeaderEpochs#validate}; the leadership itself is already established. */
    public ErrorCode validateFetchEpoch(int currentLeaderEpoch) {
        return LeaderEpochs.validate(currentLeaderEpoch, leaderEpoch);
    }

    /**
     * A fetch from follower {@code replicaId} at {@code fetchOffset} (its log end offset), whose last
     * batch has {@code lastFetchedEpoch} (-1 if none). Checks the follower's log against this one
     * (KIP-320): if this log's epoch at or below {@code lastFetchedEpoch} differs or ends before
     * {@code fetchOffset}, the follower diverged and gets that epoch and end offset back. Otherwise
     * records the follower's position, advances the HW if it can, and proposes the follower into the
     * ISR if it caught up.
     */
    public FollowerFetchResult onFollowerFetch(int replicaId, long fetchOffset, int lastFetchedEpoch, long nowMs) {
        ReplicaState state = followers.get(replicaId);
        if (state == null) {
            return FollowerFetchResult.error(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
        long logEnd = log.logEndOffset();
        if (lastFetchedEpoch >= 0) {
            EpochEndOffset ours = endOffsetForEpoch(lastFetchedEpoch);
            if (ours.epoch() != lastFetchedEpoch || ours.endOffset() < fetchOffset) {
                return FollowerFetchResult.diverging(ours);
            }
        }
        if (fetchOffset < log.logStartOffset() || fetchOffset > logEnd) {
            return FollowerFetchResult.error(ErrorCode.OFFSET_OUT_OF_RANGE);
        }
        followers.put(replicaId, state.onFetch(fetchOffset, logEnd, nowMs));
        OptionalLong hw = maybeAdvanceHighWatermark();
        Optional<AlterPartitionProposal> proposal = maybeExpandIsr(replicaId, nowMs);
        return new FollowerFetchResult(ErrorCode.NONE, Optional.empty(), hw, proposal);
    }

    /** This log's answer for {@code epoch}, never empty: the latest epoch when asked about a later one. */
    private EpochEndOffset endOffsetForEpoch(int epoch) {
        Optional<EpochEndOffset> e = log.endOffsetForEpoch(epoch);
        if (e.isPresent()) {
            return e.get();
        }
        OptionalInt latest = log.latestEpoch();
        if (latest.isPresent() && latest.getAsInt() < epoch) {
            return new EpochEndOffset(latest.getAsInt(), log.logEndOffset());
        }
        return EpochEndOffset.UNDEFINED;
    }

    /** After a produce appended to this log: with no follower in the ISR, that alone can move the HW. */
    public OptionalLong onLeaderAppend() {
        return maybeAdvanceHighWatermark();
    }

    // ---------------------------------------------------------------- produce

    /**
     * Whether a produce may be appended: acks=all needs a committed ISR of at least
     * min.insync.replicas (NOT_ENOUGH_REPLICAS, checked before anything is appended, as Kafka does);
     * acks other than -1, 0, 1 are INVALID_REQUIRED_ACKS.
     */
    public ErrorCode checkProduce(int acks) {
        if (acks != -1 && acks != 0 && acks != 1) {
            return ErrorCode.INVALID_REQUIRED_ACKS;
        }
        if (acks == -1 && isr.committedIsr().size() < minInsyncReplicas) {
            return ErrorCode.NOT_ENOUGH_REPLICAS;
        }
        return ErrorCode.NONE;
    }

    /** min.insync.replicas of the topic changed; a lower value may release the HW. */
    public OptionalLong updateMinInsyncReplicas(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be >= 1, got " + value);
        }
        this.minInsyncReplicas = value;
        return maybeAdvanceHighWatermark();
    }

    // ---------------------------------------------------------------- ISR changes

    /** {@link #maybeShrinkIsr(long, long)} with replica.lag.time.max.ms from the config. */
    public Optional<AlterPartitionProposal> maybeShrinkIsr(long nowMs) {
        return maybeShrinkIsr(nowMs, config.replicaLagTimeMaxMs());
    }

    /**
     * Proposes out every ISR follower not caught up for {@code replicaLagTimeMaxMs} (one whose log end
     * equals the leader's counts as caught up however long ago it fetched). Nothing while another
     * change is pending. The HW keeps waiting for the removed followers until the controller commits.
     */
    public Optional<AlterPartitionProposal> maybeShrinkIsr(long nowMs, long replicaLagTimeMaxMs) {
        if (isr.isPending() || !canPropose(nowMs)) {
            return Optional.empty();
        }
        long logEnd = log.logEndOffset();
        Set<Integer> out = new TreeSet<>();
        for (int id : isr.committedIsr()) {
            if (id == localBrokerId) {
                continue;
            }
            ReplicaState s = followers.get(id);
            if (s == null || !s.isCaughtUp(logEnd, nowMs, replicaLagTimeMaxMs)) {
                out.add(id);
            }
        }
        if (out.isEmpty()) {
            return Optional.empty();
        }
        List<Integer> newIsr = new ArrayList<>(isr.committedIsr());
        newIsr.removeAll(out);
        AlterPartitionProposal p = new AlterPartitionProposal(partition, leaderEpoch, isr.partitionEpoch(), newIsr);
        LOG.info("{}: proposing to shrink the isr from {} to {}: {} not caught up for {} ms", partition,
                isr.committedIsr(), newIsr, out, replicaLagTimeMaxMs);
        isr = new IsrState.PendingShrink(isr.lastCommitted(), out, p);
        return Optional.of(p);
    }

    private Optional<AlterPartitionProposal> maybeExpandIsr(int replicaId, long nowMs) {
        if (isr.isPending() || !canPropose(nowMs) || isr.committedIsr().contains(replicaId)) {
            return Optional.empty();
        }
        long followerEnd = followers.get(replicaId).logEndOffset();
        // Reaching the start of this epoch proves the follower already truncated to this leader's log.
        if (followerEnd < log.highWatermark() || followerEnd < leaderEpochStartOffset) {
            return Optional.empty();
        }
        List<Integer> newIsr = new ArrayList<>(isr.committedIsr());
        newIsr.add(replicaId);
        AlterPartitionProposal p = new AlterPartitionProposal(partition, leaderEpoch, isr.partitionEpoch(), newIsr);
        LOG.info("{}: proposing to expand the isr from {} to {}: {} caught up at offset {}", partition,
                isr.committedIsr(), newIsr, replicaId, followerEnd);
        isr = new IsrState.PendingExpand(isr.lastCommitted(), replicaId, p);
        return Optional.of(p);
    }

    private boolean canPropose(long nowMs) {
        return !awaitingMetadata && nowMs >= proposalsBlockedUntilMs;
    }

    /** The proposal to send (again) to the controller; empty when none is pending or resending is pointless. */
    public Optional<AlterPartitionProposal> pendingProposal() {
        return awaitingMetadata ? Optional.empty() : Optional.ofNullable(inFlightProposal());
    }

    private AlterPartitionProposal inFlightProposal() {
        if (isr instanceof IsrState.PendingExpand e) {
            return e.proposal();
        }
        if (isr instanceof IsrState.PendingShrink s) {
            return s.proposal();
        }
        return null;
    }

    /**
     * A committed ISR for this leader epoch, from an AlterPartition answer or a metadata update.
     * Ignored unless its partition epoch is newer than ours, so replays and late answers are harmless.
     */
    public OptionalLong onAlterPartitionCommitted(Collection<Integer> newIsr, int partitionEpoch) {
        if (partitionEpoch <= isr.partitionEpoch()) {
            return OptionalLong.empty();
        }
        LOG.info("{}: isr {} committed at partition epoch {} (was {} at {})", partition, newIsr, partitionEpoch,
                isr.committedIsr(), isr.partitionEpoch());
        isr = new IsrState.Committed(List.copyOf(newIsr), partitionEpoch);
        awaitingMetadata = false;
        return maybeAdvanceHighWatermark();
    }

    /**
     * The controller's answer to {@code sent}. A newer committed state of this leadership is adopted
     * whatever the error code: success, or a rejection for a stale partition epoch, which the
     * controller answers with the current state (our first attempt may have been applied and its
     * answer lost). Otherwise only an answer to the proposal still pending counts (a late answer to a
     * duplicate or superseded one says nothing about the current state) and goes to
     * {@link #onAlterPartitionFailed}.
     */
    public OptionalLong onAlterPartitionResponse(AlterPartitionProposal sent, AlterPartitionResult result, long nowMs) {
        boolean ourLeadership = result.getLeaderEpoch() == leaderEpoch && result.getLeader() == localBrokerId;
        if (ourLeadership && result.getPartitionEpoch() > isr.partitionEpoch() && result.getIsrCount() > 0) {
            return onAlterPartitionCommitted(result.getIsrList(), result.getPartitionEpoch());
        }
        if (result.getErrorCode() == ErrorCode.NONE || !sent.equals(inFlightProposal())) {
            return OptionalLong.empty();
        }
        return onAlterPartitionFailed(result.getErrorCode(), nowMs);
    }

    /**
     * The pending proposal was rejected with {@code error} (an answer without a newer state). Reverting to the last committed ISR is safe only when the controller says
     * it did not apply the proposal at the current partition epoch (INELIGIBLE_REPLICA,
     * INVALID_REQUEST): then no retry or late duplicate can apply it either. Epoch errors mean this
     * leader is stale: keep the maximal set and wait for metadata. Other errors are transient: keep
     * the proposal pending and resend it.
     */
    public OptionalLong onAlterPartitionFailed(ErrorCode error, long nowMs) {
        switch (error) {
            case INELIGIBLE_REPLICA, INVALID_REQUEST, INVALID_REPLICA_ASSIGNMENT -> {
                if (!isr.isPending()) {
                    return OptionalLong.empty();
                }
                LOG.info("{}: isr change to {} rejected with {}; back to {}", partition, pendingProposal()
                        .map(AlterPartitionProposal::newIsr).orElse(List.of()), error, isr.committedIsr());
                isr = isr.lastCommitted();
                proposalsBlockedUntilMs = nowMs + config.replicaFetchBackoffMs();
                return maybeAdvanceHighWatermark();
            }
            case FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION -> {
                LOG.info("{}: isr change rejected with {}; waiting for metadata", partition, error);
                awaitingMetadata = true;
                return OptionalLong.empty();
            }
            default -> {
                return OptionalLong.empty();
            }
        }
    }

    // ---------------------------------------------------------------- high watermark

    private OptionalLong maybeAdvanceHighWatermark() {
        if (isr.committedIsr().size() < minInsyncReplicas) {
            return OptionalLong.empty();
        }
        long candidate = log.logEndOffset();
        for (int id : isr.maximal()) {
            if (id != localBrokerId) {
                ReplicaState s = followers.get(id);
                candidate = Math.min(candidate, s == null ? -1L : s.logEndOffset());
            }
        }
        long current = log.highWatermark();
        if (candidate <= current) {
            return OptionalLong.empty();
        }
        log.updateHighWatermark(candidate);
        return OptionalLong.of(log.highWatermark());
    }

    // ---------------------------------------------------------------- accessors

    public TopicPartition partition() { return partition; }

    public int localBrokerId() { return localBrokerId; }

    public int leaderEpoch() { return leaderEpoch; }

    /** The log end offset when this leadership began: where this epoch's data starts. */
    public long leaderEpochStartOffset() { return leaderEpochStartOffset; }

    public int partitionEpoch() { return isr.partitionEpoch(); }

    public IsrState isrState() { return isr; }

    public List<Integer> replicas() { return replicas; }

    /** Consumers read below this, never at or above it. */
    public long highWatermark() { return log.highWatermark(); }

    public int minInsyncReplicas() { return minInsyncReplicas; }

    public ReplicaLog log() { return log; }

    public Optional<ReplicaState> follower(int brokerId) { return Optional.ofNullable(followers.get(brokerId)); }

    @Override
    public String toString() {
        return "PartitionLeaderState(" + partition + ", leader " + localBrokerId + " epoch " + leaderEpoch + ", " + isr
                + ", hw " + log.highWatermark() + ", leo " + log.logEndOffset() + ")";
    }
}

package io.fjord.broker;

import io.fjord.metadata.broker.ControllerClient;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.AlterPartitionRequests;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.leader.DelayedProduceTracker;
import io.fjord.replication.leader.FollowerFetchResponder;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.leader.PartitionRole;
import io.fjord.storage.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The broker's side of replication: gives each partition its role from the metadata, runs the
 * leader-side protocol (follower fetches, high watermark, ISR changes sent to the controller as
 * AlterPartition, acks=all waits) and owns the follower fetchers ({@link ReplicaFetchers}).
 * The protocol itself lives in the replication module; this class carries its actions out.
 *
 * <p>Threading: leader state is used under the partition's monitor; the delayed-produce tracker
 * under its own monitor; completions and wake-ups run outside both.
 */
final class ReplicationManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationManager.class);
    private static final long ALTER_PARTITION_RETRY_MS = 200;

    /** What an acks=all produce waits with: how to answer it once every partition is settled. */
    interface PendingProduce {
        void complete(Map<TopicPartition, ErrorCode> errors);
    }

    private final int nodeId;
    private final ReplicationConfig config;
    private final Time time;
    private final ControllerClient controller;
    private final LongSupplier brokerEpoch;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService alterPartitionSender;
    private final ReplicaFetchers fetchers;
    private final Consumer<TopicPartitionKey> onHighWatermarkAdvanced;
    private final DelayedProduceTracker<PendingProduce> tracker = new DelayedProduceTracker<>();
    private final Map<TopicPartitionKey, Partition> led = new ConcurrentHashMap<>();
    private final Set<TopicPartitionKey> alterInFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param controller null for a standalone broker (its ISR is itself and never changes)
     * @param onHighWatermarkAdvanced wakes consumer fetches waiting on the partition
     */
    ReplicationManager(int nodeId, ReplicationConfig config, Time time, ControllerClient controller, LongSupplier brokerEpoch,
                       ScheduledExecutorService scheduler, ExecutorService alterPartitionSender, ReplicaFetchers fetchers,
                       Consumer<TopicPartitionKey> onHighWatermarkAdvanced) {
        this.nodeId = nodeId;
        this.config = config;
        this.time = time;
        this.controller = controller;
        this.brokerEpoch = brokerEpoch;
        this.scheduler = scheduler;
        this.alterPartitionSender = alterPartitionSender;
        this.fetchers = fetchers;
        this.onHighWatermarkAdvanced = onHighWatermarkAdvanced;
        long checkMs = Math.max(10, Math.min(config.replicaLagTimeMaxMs() / 2, 1_000));
        scheduler.scheduleWithFixedDelay(this::periodic, checkMs, checkMs, TimeUnit.MILLISECONDS);
    }

    static TopicPartition tp(TopicPartitionKey k) {
        return new TopicPartition(k.topic(), k.partition());
    }

    // ---------------------------------------------------------------- roles

    /** Makes this replica the leader at the metadata's epoch (or updates the ISR at the same epoch). */
    void becomeLeader(Partition p) {
        Partition.State s = p.state();
        OptionalLong hw = OptionalLong.empty();
        synchronized (p) {
            PartitionLeaderState current = p.leaderState();
            if (current != null && current.leaderEpoch() == s.leaderEpoch()) {
                if (s.partitionEpoch() > current.partitionEpoch()) {
                    hw = current.onAlterPartitionCommitted(s.isr(), s.partitionEpoch());
                }
                OptionalLong byMinIsr = current.updateMinInsyncReplicas(p.config().minInsyncReplicas());
                hw = hw.isPresent() ? hw : byMinIsr;
            } else {
                PartitionLeaderState state = PartitionLeaderState.becomeLeader(tp(p.key()), nodeId, s.leaderEpoch(),
                        s.partitionEpoch(), s.replicas(), s.isr(), p.config().minInsyncReplicas(), p.replicaLog(), config,
                        time.milliseconds());
                p.setRole(new PartitionRole.Leader(state));
                hw = OptionalLong.of(p.highWatermark());
            }
        }
        led.put(p.key(), p);
        fetchers.stopFollowing(p.key());
        hw.ifPresent(h -> onHighWatermark(p.key(), h));
    }

    /** Makes this replica follow the metadata's leader (or go offline when there is none). */
    void becomeFollower(Partition p) {
        Partition.State s = p.state();
        synchronized (p) {
            p.setRole(s.leaderId() < 0 ? new PartitionRole.Offline(s.leaderEpoch()) : new PartitionRole.Follower(s.leaderId(), s.leaderEpoch()));
        }
        if (led.remove(p.key()) != null) {
            completeAll(trackerCall(t -> t.onLeadershipLost(tp(p.key()))));
        }
        if (s.leaderId() >= 0) {
            fetchers.follow(p, s.leaderId(), s.leaderEpoch());
        } else {
            fetchers.stopFollowing(p.key());
        }
    }

    void removed(TopicPartitionKey key) {
        if (led.remove(key) != null) {
            completeAll(trackerCall(t -> t.onLeadershipLost(tp(key))));
        }
        fetchers.stopFollowing(key);
    }

    // ---------------------------------------------------------------- produce

    /** Called under the partition's monitor right after a leader append. */
    OptionalLong afterLeaderAppendLocked(Partition p) {
        PartitionLeaderState s = p.leaderState();
        return s == null ? OptionalLong.empty() : s.onLeaderAppend();
    }

    /** Registers an acks=all produce; completes at once when the high watermarks are already there. */
    void awaitHighWatermarks(PendingProduce request, Map<TopicPartition, Long> requiredOffsets, long timeoutMs) {
        long deadline = time.milliseconds() + timeoutMs;
        Optional<DelayedProduceTracker.Completion<PendingProduce>> now;
        synchronized (tracker) {
            now = tracker.add(request, requiredOffsets, deadline, t -> highWatermarkOf(new TopicPartitionKey(t.topic(), t.partition())));
        }
        if (now.isPresent()) {
            completeAll(List.of(now.get()));
        } else {
            scheduler.schedule(this::expireProduces, Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        }
    }

    private long highWatermarkOf(TopicPartitionKey k) {
        Partition p = led.get(k);
        return p == null ? -1 : p.highWatermark();
    }

    void onHighWatermark(TopicPartitionKey key, long hw) {
        completeAll(trackerCall(t -> t.onHighWatermark(tp(key), hw)));
        onHighWatermarkAdvanced.accept(key);
    }

    private void expireProduces() {
        completeAll(trackerCall(t -> t.expire(time.milliseconds())));
    }

    private List<DelayedProduceTracker.Completion<PendingProduce>> trackerCall(
            java.util.function.Function<DelayedProduceTracker<PendingProduce>, List<DelayedProduceTracker.Completion<PendingProduce>>> f) {
        synchronized (tracker) {
            return f.apply(tracker);
        }
    }

    private static void completeAll(List<DelayedProduceTracker.Completion<PendingProduce>> done) {
        for (DelayedProduceTracker.Completion<PendingProduce> c : done) {
            try {
                c.request().complete(c.errors());
            } catch (RuntimeException e) {
                log.warn("Answering a produce failed", e);
            }
        }
    }

    // ---------------------------------------------------------------- follower fetches at the leader

    /**
     * One partition of a follower's fetch; records the follower's progress and answers it, with the
     * records read into buffers from {@code buffers}.
     */
    FollowerFetchResponder.Outcome onFollowerFetch(Partition p, int replicaId, FetchPartition request, int bytesLeft,
                                                   IntFunction<ByteBuffer> buffers) {
        FollowerFetchResponder.Outcome o;
        synchronized (p) {
            o = FollowerFetchResponder.respond(p.role(), replicaId, request, bytesLeft, time.milliseconds(), buffers);
        }
        o.newHighWatermark().ifPresent(hw -> onHighWatermark(p.key(), hw));
        o.isrProposal().ifPresent(proposal -> sendAlterPartition(p, proposal));
        return o;
    }

    // ---------------------------------------------------------------- ISR changes

    private void periodic() {
        try {
            long now = time.milliseconds();
            for (Partition p : led.values()) {
                Optional<AlterPartitionProposal> shrink;
                synchronized (p) {
                    PartitionLeaderState s = p.leaderState();
                    shrink = s == null ? Optional.empty() : s.maybeShrinkIsr(now);
                }
                shrink.ifPresent(proposal -> sendAlterPartition(p, proposal));
            }
            expireProduces();
        } catch (RuntimeException e) {
            log.error("Replication housekeeping failed", e);
        }
    }

    private void sendAlterPartition(Partition p, AlterPartitionProposal proposal) {
        if (controller == null || !alterInFlight.add(p.key())) {
            return; // one in flight per partition; a newer proposal goes out when this one is answered
        }
        alterPartitionSender.execute(() -> {
            try {
                log.info("{}: proposing ISR {} at leader epoch {}, partition epoch {}", p.key(), proposal.newIsr(),
                        proposal.leaderEpoch(), proposal.partitionEpoch());
                AlterPartitionResponse resp = controller.alterPartition(AlterPartitionRequests.build(nodeId, brokerEpoch.getAsLong(),
                        List.of(proposal)));
                AlterPartitionResult result = AlterPartitionRequests.results(resp).get(proposal.partition());
                OptionalLong hw = OptionalLong.empty();
                Optional<AlterPartitionProposal> next = Optional.empty();
                synchronized (p) {
                    PartitionLeaderState s = p.leaderState();
                    if (s != null && result != null) {
                        hw = s.onAlterPartitionResponse(proposal, result, time.milliseconds());
                    } else if (s != null) {
                        hw = s.onAlterPartitionFailed(resp.getErrorCode(), time.milliseconds());
                    }
                    next = s == null ? Optional.empty() : s.pendingProposal();
                }
                alterInFlight.remove(p.key());
                hw.ifPresent(h -> onHighWatermark(p.key(), h));
                // A proposal made while this one was in flight was held back (one in flight per
                // partition), and the leader state will not make it again while it is pending: send it
                // now. The same proposal still pending means a transient refusal: resend it later.
                next.ifPresent(n -> {
                    if (!n.equals(proposal)) {
                        sendAlterPartition(p, n);
                    } else {
                        scheduler.schedule(() -> resendPending(p), ALTER_PARTITION_RETRY_MS, TimeUnit.MILLISECONDS);
                    }
                });
            } catch (RuntimeException e) {
                log.warn("{}: AlterPartition failed ({}); retrying", p.key(), e.getMessage());
                alterInFlight.remove(p.key());
                scheduler.schedule(() -> resendPending(p), ALTER_PARTITION_RETRY_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void resendPending(Partition p) {
        Optional<AlterPartitionProposal> again;
        synchronized (p) {
            PartitionLeaderState s = p.leaderState();
            again = s == null ? Optional.empty() : s.pendingProposal();
        }
        again.ifPresent(a -> sendAlterPartition(p, a));
    }

    @Override
    public void close() {
        for (TopicPartitionKey k : led.keySet()) {
            completeAll(trackerCall(t -> t.onLeadershipLost(tp(k))));
        }
        fetchers.close();
    }
}

package io.fjord.replication.sim;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TestFetchHandler;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.follower.FetcherDriver;
import io.fjord.replication.follower.FetcherManager;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import io.fjord.replication.leader.DelayedProduceTracker;
import io.fjord.replication.leader.FollowerFetchResponder;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.leader.PartitionRole;
import io.fjord.replication.sim.SimController.Registration;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A broker as data-plane would wire the replication module: roles derived from metadata, a fetcher
 * manager for the partitions it follows, leader state and a delayed-produce tracker for those it
 * leads, a long poll for follower fetches, and AlterPartition proposals sent (and resent) to the
 * controller. Everything runs on the simulation's one thread and clock.
 */
final class SimBroker {
    /** A produce this broker accepted with acks=all, waiting for the HW. */
    record Produce(int broker, TopicPartition partition, long baseOffset, long lastOffset) {}

    private record Parked(int id, FetchRequest request, Consumer<FetchResponse> reply) {}

    final int id;
    private final Sim sim;
    private final ReplicationConfig config;
    private final int minInsyncReplicas;
    final Map<TopicPartition, InMemoryReplicaLog> logs = new TreeMap<>();
    final Map<TopicPartition, PartitionRole> roles = new TreeMap<>();
    private final Map<TopicPartition, Registration> applied = new TreeMap<>();
    private final FetcherManager fetchers;
    private final DelayedProduceTracker<Produce> tracker = new DelayedProduceTracker<>();
    private final List<Parked> parked = new ArrayList<>();
    private final Map<TopicPartition, Long> alterSentAtMs = new TreeMap<>();
    private int nextParkedId;
    private long nextPollAtMs = Long.MAX_VALUE;

    SimBroker(int id, Sim sim, ReplicationConfig config, int minInsyncReplicas) {
        this.id = id;
        this.sim = sim;
        this.config = config;
        this.minInsyncReplicas = minInsyncReplicas;
        this.fetchers = new FetcherManager(id, 1L, config, source -> request -> sim.sendFetch(id, source, request),
                new FetcherDriver.Listener() {
                    @Override
                    public void onApplyFailed(io.fjord.replication.follower.FetcherAction action, RuntimeException error) {
                        throw new AssertionError("broker " + id + " could not apply " + action + ": " + error, error);
                    }
                });
    }

    InMemoryReplicaLog log(TopicPartition tp) {
        return logs.computeIfAbsent(tp, k -> new InMemoryReplicaLog());
    }

    Optional<PartitionLeaderState> leaderState(TopicPartition tp) {
        return roles.get(tp) instanceof PartitionRole.Leader l ? Optional.of(l.state()) : Optional.empty();
    }

    // ---------------------------------------------------------------- metadata

    /** A committed registration reached this broker: derive the role change from it. */
    void applyMetadata(TopicPartition tp, Registration reg) {
        Registration old = applied.get(tp);
        if (old != null && (reg.leaderEpoch() < old.leaderEpoch()
                || (reg.leaderEpoch() == old.leaderEpoch() && reg.partitionEpoch() <= old.partitionEpoch()))) {
            return;
        }
        applied.put(tp, reg);
        long now = sim.now();
        if (old == null || reg.leaderEpoch() > old.leaderEpoch()) {
            if (roles.get(tp) instanceof PartitionRole.Leader) {
                sim.onProduceCompletions(tracker.onLeadershipLost(tp));
            }
            if (reg.leader() == id) {
                fetchers.removePartitions(List.of(tp));
                PartitionLeaderState s = PartitionLeaderState.becomeLeader(tp, id, reg.leaderEpoch(), reg.partitionEpoch(),
                        reg.replicas(), reg.isr(), minInsyncReplicas, log(tp), config, now);
                roles.put(tp, new PartitionRole.Leader(s));
                alterSentAtMs.remove(tp);
                sim.checker().onBecameLeader(this, tp);
            } else {
                roles.put(tp, new PartitionRole.Follower(reg.leader(), reg.leaderEpoch()));
                fetchers.addPartitions(Map.of(tp, new FetcherManager.FollowTarget(reg.leader(), reg.leaderEpoch(), log(tp))));
                wakeFetchers();
            }
            completeParked();
        } else if (roles.get(tp) instanceof PartitionRole.Leader l) {
            onHighWatermark(tp, l.state().onAlterPartitionCommitted(reg.isr(), reg.partitionEpoch()));
        }
    }

    // ---------------------------------------------------------------- leader side

    /** A follower's fetch arrived: answer now, or hold it (long poll) until data or max_wait_ms. */
    void handleFetch(FetchRequest request, Consumer<FetchResponse> reply) {
        FetchResponse resp = answer(request);
        if (TestFetchHandler.isActionable(resp) || request.getMaxWaitMs() == 0) {
            reply.accept(resp);
            return;
        }
        Parked p = new Parked(nextParkedId++, request, reply);
        parked.add(p);
        sim.scheduler().after(request.getMaxWaitMs(), "b" + id + " long poll expires", () -> {
            if (parked.remove(p)) {
                p.reply.accept(answer(p.request));
            }
        });
    }

    private FetchResponse answer(FetchRequest request) {
        return TestFetchHandler.handle(request, roles::get, sim.now(), this::onFetchOutcome);
    }

    private void onFetchOutcome(TopicPartition tp, FollowerFetchResponder.Outcome o) {
        onHighWatermark(tp, o.newHighWatermark());
        o.isrProposal().ifPresent(p -> sendAlter(tp, p));
    }

    private void completeParked() {
        List<Parked> all = new ArrayList<>(parked);
        parked.clear();
        for (Parked p : all) {
            p.reply.accept(answer(p.request));
        }
    }

    /** A producer's request: the produce path of a leader, minus validation. */
    void produce(TopicPartition tp, int acks, ByteBuffer batch, long timeoutMs) {
        if (!(roles.get(tp) instanceof PartitionRole.Leader l)) {
            return; // NOT_LEADER_OR_FOLLOWER: the producer retries elsewhere
        }
        PartitionLeaderState s = l.state();
        if (s.checkProduce(acks) != ErrorCode.NONE) {
            return; // NOT_ENOUGH_REPLICAS, before anything is appended
        }
        InMemoryReplicaLog.AppendInfo info = log(tp).appendAsLeader(batch, s.leaderEpoch());
        onHighWatermark(tp, s.onLeaderAppend());
        if (acks == -1) {
            Produce p = new Produce(id, tp, info.firstOffset(), info.lastOffset());
            tracker.add(p, Map.of(tp, info.lastOffset() + 1), sim.now() + timeoutMs, k -> log(k).highWatermark())
                    .ifPresent(c -> sim.onProduceCompletions(List.of(c)));
        }
        completeParked();
    }

    private void onHighWatermark(TopicPartition tp, OptionalLong hw) {
        if (hw.isPresent()) {
            sim.onProduceCompletions(tracker.onHighWatermark(tp, hw.getAsLong()));
        }
    }

    private void sendAlter(TopicPartition tp, AlterPartitionProposal p) {
        alterSentAtMs.put(tp, sim.now());
        sim.sendAlterPartition(id, p);
    }

    void onAlterPartitionResponse(AlterPartitionProposal sent, AlterPartitionResult result) {
        TopicPartition tp = sent.partition();
        Optional<PartitionLeaderState> s = leaderState(tp);
        if (s.isEmpty() || s.get().leaderEpoch() != sent.leaderEpoch()) {
            return; // an answer for a leadership this broker no longer holds
        }
        alterSentAtMs.remove(tp);
        onHighWatermark(tp, s.get().onAlterPartitionResponse(sent, result, sim.now()));
    }

    /** Periodic work: ISR shrink checks, resending unanswered proposals, expiring produces. */
    void tick() {
        long now = sim.now();
        for (TopicPartition tp : roles.keySet()) {
            Optional<PartitionLeaderState> s = leaderState(tp);
            if (s.isEmpty()) {
                continue;
            }
            s.get().maybeShrinkIsr(now).ifPresent(p -> sendAlter(tp, p));
            Long sentAt = alterSentAtMs.get(tp);
            Optional<AlterPartitionProposal> pending = s.get().pendingProposal();
            if (pending.isPresent() && (sentAt == null || now - sentAt >= Sim.ALTER_RESEND_MS)) {
                sendAlter(tp, pending.get());
            }
        }
        sim.onProduceCompletions(tracker.expire(now));
    }

    // ---------------------------------------------------------------- follower side

    /** Something may have changed for the fetchers (a response arrived, partitions moved): poll them. */
    void wakeFetchers() {
        sim.scheduler().after(0, "b" + id + " poll fetchers", this::pollFetchers);
    }

    private void pollFetchers() {
        long now = sim.now();
        long delay = fetchers.pollAll(now);
        if (delay != Long.MAX_VALUE) {
            long at = now + Math.max(delay, 1);
            if (at < nextPollAtMs || nextPollAtMs <= now) {
                nextPollAtMs = at;
                sim.scheduler().at(at, "b" + id + " poll fetchers (timer)", this::pollFetchers);
            }
        }
    }

    FetcherManager fetchers() { return fetchers; }

    DelayedProduceTracker<Produce> tracker() { return tracker; }
}

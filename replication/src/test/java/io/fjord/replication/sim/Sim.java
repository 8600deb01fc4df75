package io.fjord.replication.sim;

import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.leader.DelayedProduceTracker;
import io.fjord.replication.sim.SimController.Registration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * One simulated cluster: three brokers, a controller, and the network between them. Broker-to-broker
 * and broker-to-controller messages are delayed by a seeded random amount and dropped with a seeded
 * probability; an isolated broker reaches nobody (but producers still reach it, so a deposed leader
 * can take acks=1 writes nobody copies). Metadata is delayed but reliable and in order, held while a
 * broker is isolated, as a reconnecting metadata stream would deliver it.
 */
final class Sim {
    static final long ALTER_RESEND_MS = 300;
    /** A fetch's call deadline beyond its max wait, as a gRPC deadline would be. */
    static final long FETCH_TIMEOUT_MS = 400;
    static final long TICK_MS = 50;
    static final List<Integer> BROKERS = List.of(1, 2, 3);

    private final Random rnd;
    private final Scheduler scheduler = new Scheduler();
    private final SimController controller;
    private final Map<Integer, SimBroker> brokers = new TreeMap<>();
    private final Invariants checker;
    private final Set<Integer> isolated = new TreeSet<>();
    /** Broker pairs (smaller id first) that cannot reach each other; the controller still reaches both. */
    private final Set<List<Integer>> cutLinks = new java.util.HashSet<>();
    private final Map<Integer, Long> lastMetadataAtMs = new HashMap<>();
    private final Map<Integer, List<Runnable>> heldMetadata = new TreeMap<>();
    private double dropProbability;
    private final int maxDelayMs;
    private final int minInsyncReplicas;

    Sim(Random rnd, ReplicationConfig config, int minInsyncReplicas, double dropProbability, int maxDelayMs) {
        this.rnd = rnd;
        this.dropProbability = dropProbability;
        this.maxDelayMs = maxDelayMs;
        this.minInsyncReplicas = minInsyncReplicas;
        for (int b : BROKERS) {
            brokers.put(b, new SimBroker(b, this, config, minInsyncReplicas));
            heldMetadata.put(b, new ArrayList<>());
        }
        this.checker = new Invariants(this);
        this.controller = new SimController(this::publish);
    }

    long now() { return scheduler.now(); }

    Scheduler scheduler() { return scheduler; }

    SimController controller() { return controller; }

    Map<Integer, SimBroker> brokers() { return brokers; }

    Invariants checker() { return checker; }

    Random rnd() { return rnd; }

    int minInsyncReplicas() { return minInsyncReplicas; }

    /** Starts the brokers' periodic work. */
    void start() {
        for (SimBroker b : brokers.values()) {
            scheduler.after(rnd.nextInt((int) TICK_MS), "b" + b.id + " tick", () -> tickLoop(b));
        }
    }

    private void tickLoop(SimBroker b) {
        b.tick();
        scheduler.after(TICK_MS, "b" + b.id + " tick", () -> tickLoop(b));
    }

    void runUntil(long endMs) {
        scheduler.runUntil(endMs, checker::check);
    }

    // ---------------------------------------------------------------- faults

    boolean isIsolated(int broker) { return isolated.contains(broker); }

    boolean anyIsolated() { return !isolated.isEmpty(); }

    void isolate(int broker) {
        isolated.add(broker);
    }

    void heal(int broker) {
        if (!isolated.remove(broker)) {
            return;
        }
        List<Runnable> held = new ArrayList<>(heldMetadata.get(broker));
        heldMetadata.get(broker).clear();
        held.forEach(Runnable::run);
    }

    void cutLink(int a, int b) { cutLinks.add(List.of(Math.min(a, b), Math.max(a, b))); }

    void restoreLink(int a, int b) { cutLinks.remove(List.of(Math.min(a, b), Math.max(a, b))); }

    /** Ends the chaos: no more drops, everyone reachable. */
    void quiesce() {
        dropProbability = 0;
        cutLinks.clear();
        new ArrayList<>(isolated).forEach(this::heal);
    }

    private boolean delivers(int from, int to) {
        return reachable(from, to) && rnd.nextDouble() >= dropProbability;
    }

    /** 0 is the controller. */
    private boolean reachable(int from, int to) {
        return !isolated.contains(from) && !isolated.contains(to)
                && !cutLinks.contains(List.of(Math.min(from, to), Math.max(from, to)));
    }

    private long delay() {
        return 1 + rnd.nextInt(maxDelayMs);
    }

    // ---------------------------------------------------------------- channels

    /** A follower's fetch: answered, or failed at its deadline when a message is lost. */
    CompletableFuture<FetchResponse> sendFetch(int from, int to, FetchRequest request) {
        CompletableFuture<FetchResponse> f = new CompletableFuture<>();
        scheduler.after(request.getMaxWaitMs() + FETCH_TIMEOUT_MS, "b" + from + " fetch deadline", () -> {
            if (f.completeExceptionally(new TimeoutException("fetch from " + to + " timed out"))) {
                brokers.get(from).wakeFetchers();
            }
        });
        if (!delivers(from, to)) {
            return f;
        }
        scheduler.after(delay(), "b" + from + "->b" + to + " fetch", () -> {
            if (!reachable(from, to)) {
                return;
            }
            brokers.get(to).handleFetch(request, resp -> {
                if (!delivers(to, from)) {
                    return;
                }
                scheduler.after(delay(), "b" + to + "->b" + from + " fetch response", () -> {
                    if (f.complete(resp)) {
                        brokers.get(from).wakeFetchers();
                    }
                });
            });
        });
        return f;
    }

    void sendAlterPartition(int from, AlterPartitionProposal p) {
        if (!delivers(from, 0)) {
            return;
        }
        scheduler.after(delay(), "b" + from + " AlterPartition " + p.partition() + " " + p.newIsr(), () -> {
            if (isolated.contains(from)) {
                return;
            }
            AlterPartitionResult r = controller.alterPartition(from, p.partition(), p.toData());
            if (delivers(0, from)) {
                scheduler.after(delay(), "b" + from + " AlterPartition answer " + r.getErrorCode(),
                        () -> brokers.get(from).onAlterPartitionResponse(p, r));
            }
        });
    }

    private void publish(TopicPartition tp, Registration reg) {
        scheduler.remember(now() + " controller commits " + tp + " " + reg);
        for (int b : BROKERS) {
            deliverMetadata(b, tp, reg);
        }
    }

    private void deliverMetadata(int broker, TopicPartition tp, Registration reg) {
        long at = Math.max(lastMetadataAtMs.getOrDefault(broker, 0L), now() + delay());
        lastMetadataAtMs.put(broker, at);
        scheduler.at(at, "b" + broker + " metadata " + tp + " " + reg, () -> {
            if (isolated.contains(broker)) {
                heldMetadata.get(broker).add(() -> deliverMetadata(broker, tp, reg));
            } else {
                brokers.get(broker).applyMetadata(tp, reg);
            }
        });
    }

    /** The cluster's state, for failure messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        controller.all().forEach((tp, reg) -> sb.append("controller ").append(tp).append(": ").append(reg).append('\n'));
        for (SimBroker b : brokers.values()) {
            sb.append("b").append(b.id).append(isolated.contains(b.id) ? " (isolated)" : "").append('\n');
            for (TopicPartition tp : b.roles.keySet()) {
                sb.append("  ").append(tp).append(' ').append(b.roles.get(tp)).append(' ').append(b.log(tp)).append('\n');
            }
            b.fetchers().drivers().forEach((src, d) -> {
                sb.append("  fetcher from b").append(src).append(d.fetcher().isInFlight() ? " (in flight)" : "");
                d.fetcher().partitions().forEach(tp -> sb.append(' ').append(tp).append('=').append(d.fetcher().state(tp).orElseThrow()));
                sb.append('\n');
            });
        }
        return sb.toString();
    }

    void onProduceCompletions(List<DelayedProduceTracker.Completion<SimBroker.Produce>> completions) {
        for (DelayedProduceTracker.Completion<SimBroker.Produce> c : completions) {
            checker.onProduceCompleted(c);
        }
    }
}

package io.fjord.replication.follower;

import io.fjord.replication.ReplicaLog;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * One {@link FetcherDriver} per source broker, holding the partitions this broker follows from it
 * (Kafka's {@code ReplicaFetcherManager}, without threads). data-plane feeds it the follower part of
 * each metadata delta ({@code localChanges}): {@link #addPartitions} for partitions followed (new, or
 * with a new leader or epoch), {@link #removePartitions} for partitions this broker now leads or no
 * longer hosts. The returned source ids tell it which fetcher threads to wake, and
 * {@link #removeIdleFetchers} which to stop.
 *
 * <p>Threading: not thread-safe; one caller at a time. When each fetcher runs on its own thread,
 * data-plane serialises these calls with that thread's polls (a lock per driver, or a task queue).
 */
public final class FetcherManager {

    /** Follow {@code leaderId} at {@code leaderEpoch}, writing to {@code log}. */
    public record FollowTarget(int leaderId, int leaderEpoch, ReplicaLog log) {
        public FollowTarget {
            Objects.requireNonNull(log, "log");
        }
    }

    private final int localBrokerId;
    private final ReplicationConfig config;
    private final IntFunction<LeaderClient> clients;
    private final FetcherDriver.Listener listener;
    private long brokerEpoch;
    private final Map<Integer, FetcherDriver> drivers = new TreeMap<>();
    private final Map<TopicPartition, FollowTarget> targets = new HashMap<>();

    /** @param clients the client for a source broker id, asked once per fetcher created */
    public FetcherManager(int localBrokerId, long brokerEpoch, ReplicationConfig config, IntFunction<LeaderClient> clients,
                          FetcherDriver.Listener listener) {
        this.localBrokerId = localBrokerId;
        this.brokerEpoch = brokerEpoch;
        this.config = config;
        this.clients = clients;
        this.listener = listener;
    }

    /**
     * Starts following each partition from its leader, moving it off the fetcher of its previous
     * leader. A target with an older leader epoch than the one already followed is ignored.
     *
     * @return the source broker ids whose fetchers gained partitions (wake them)
     */
    public Set<Integer> addPartitions(Map<TopicPartition, FollowTarget> newTargets) {
        Set<Integer> touched = new TreeSet<>();
        for (Map.Entry<TopicPartition, FollowTarget> e : newTargets.entrySet()) {
            TopicPartition tp = e.getKey();
            FollowTarget t = e.getValue();
            if (t.leaderId() == localBrokerId) {
                throw new IllegalArgumentException(tp + ": broker " + localBrokerId + " cannot follow itself");
            }
            FollowTarget old = targets.get(tp);
            if (old != null && old.leaderEpoch() > t.leaderEpoch()) {
                continue;
            }
            if (old != null && old.leaderId() != t.leaderId()) {
                FetcherDriver previous = drivers.get(old.leaderId());
                if (previous != null) {
                    previous.fetcher().removePartition(tp);
                }
            }
            FetcherDriver d = drivers.computeIfAbsent(t.leaderId(), id -> new FetcherDriver(
                    new ReplicaFetcher(localBrokerId, brokerEpoch, id, config), clients.apply(id), listener));
            if (d.fetcher().addPartition(tp, t.leaderEpoch(), t.log())) {
                targets.put(tp, t);
                touched.add(t.leaderId());
            }
        }
        return touched;
    }

    /** Stops following these partitions; returns the source ids whose fetchers lost some. */
    public Set<Integer> removePartitions(Collection<TopicPartition> partitions) {
        Set<Integer> touched = new TreeSet<>();
        for (TopicPartition tp : partitions) {
            FollowTarget t = targets.remove(tp);
            if (t != null) {
                FetcherDriver d = drivers.get(t.leaderId());
                if (d != null && d.fetcher().removePartition(tp)) {
                    touched.add(t.leaderId());
                }
            }
        }
        return touched;
    }

    /** Drops fetchers left without partitions and returns their source ids (stop their threads). */
    public List<Integer> removeIdleFetchers() {
        List<Integer> removed = new ArrayList<>();
        drivers.entrySet().removeIf(e -> {
            boolean idle = e.getValue().fetcher().isEmpty();
            if (idle) {
                removed.add(e.getKey());
            }
            return idle;
        });
        return removed;
    }

    /** The broker re-registered; every fetcher sends the new epoch from now on. */
    public void setBrokerEpoch(long brokerEpoch) {
        this.brokerEpoch = brokerEpoch;
        drivers.values().forEach(d -> d.fetcher().setBrokerEpoch(brokerEpoch));
    }

    /**
     * Polls every fetcher once, for a single-threaded caller (a simulation, or a broker that runs all
     * fetchers on one thread); returns the smallest delay they asked for.
     */
    public long pollAll(long nowMs) {
        long delay = Long.MAX_VALUE;
        for (FetcherDriver d : drivers.values()) {
            delay = Math.min(delay, d.poll(nowMs));
        }
        return delay;
    }

    public Optional<FetcherDriver> driver(int sourceBrokerId) { return Optional.ofNullable(drivers.get(sourceBrokerId)); }

    public Map<Integer, FetcherDriver> drivers() { return Collections.unmodifiableMap(drivers); }

    /** Which broker a partition is followed from, if it is. */
    public Optional<Integer> sourceOf(TopicPartition partition) {
        FollowTarget t = targets.get(partition);
        return t == null ? Optional.empty() : Optional.of(t.leaderId());
    }
}

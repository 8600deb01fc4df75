package io.fjord.replication.sim;

import io.fjord.proto.ErrorCode;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import io.fjord.replication.inmemory.InMemoryReplicaLog.Batch;
import io.fjord.replication.leader.DelayedProduceTracker;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.sim.SimController.Registration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Safety properties checked after every simulation event, incrementally so that hundreds of seeds
 * stay fast:
 * <ul>
 *   <li>a leader's high watermark never decreases within its epoch, and a leader never truncates;
 *   <li>at most one broker leads a partition in a given epoch;
 *   <li>"committed" = every batch that was ever below some leader's high watermark: no offset is
 *       committed with two different batches, and every committed batch is, byte for byte, on every
 *       replica in the controller's ISR (the ones it may elect);
 *   <li>every acks=all-acknowledged batch is committed, and was on at least min.insync.replicas
 *       replicas when acknowledged.
 * </ul>
 */
final class Invariants {
    private record LeaderKey(int broker, TopicPartition tp, int epoch) {}

    private static final class Cursor {
        long truncationsSeen = -1;
        int verified;
    }

    private final Sim sim;
    private final Map<LeaderKey, Long> leaderHighWatermark = new HashMap<>();
    private final Map<LeaderKey, Long> leaderTruncations = new HashMap<>();
    private final Map<LeaderKey, Integer> leaderScanned = new HashMap<>();
    private final Map<TopicPartition, Map<Integer, Integer>> leaderOfEpoch = new TreeMap<>();
    private final Map<TopicPartition, List<Batch>> committed = new TreeMap<>();
    private final Map<String, Cursor> cursors = new HashMap<>();
    private final List<Batch> ackedToCheck = new ArrayList<>();
    private final List<TopicPartition> ackedPartitions = new ArrayList<>();
    long acked;
    long timedOut;
    long notLeader;

    Invariants(Sim sim) {
        this.sim = sim;
    }

    void onBecameLeader(SimBroker b, TopicPartition tp) {
        PartitionLeaderState s = b.leaderState(tp).orElseThrow();
        LeaderKey key = new LeaderKey(b.id, tp, s.leaderEpoch());
        leaderTruncations.put(key, b.log(tp).truncations());
        Integer other = leaderOfEpoch.computeIfAbsent(tp, k -> new HashMap<>()).putIfAbsent(s.leaderEpoch(), b.id);
        check(other == null || other == b.id, "brokers " + other + " and " + b.id + " both led " + tp + " in epoch " + s.leaderEpoch());
    }

    void onProduceCompleted(DelayedProduceTracker.Completion<SimBroker.Produce> c) {
        SimBroker.Produce p = c.request();
        ErrorCode e = c.errors().get(p.partition());
        switch (e) {
            case NONE -> {
                acked++;
                Optional<Batch> b = sim.brokers().get(p.broker()).log(p.partition()).batchAt(p.baseOffset());
                check(b.isPresent(), "acked batch at " + p.baseOffset() + " of " + p.partition() + " is not on its leader " + p.broker());
                long copies = sim.brokers().values().stream()
                        .filter(r -> r.log(p.partition()).batchAt(p.baseOffset()).equals(b)).count();
                check(copies >= sim.minInsyncReplicas(), "acks=all batch " + b.get() + " of " + p.partition()
                        + " acknowledged with " + copies + " copies, below min.insync.replicas " + sim.minInsyncReplicas());
                ackedToCheck.add(b.get());
                ackedPartitions.add(p.partition());
            }
            case REQUEST_TIMED_OUT -> timedOut++;
            case NOT_LEADER_OR_FOLLOWER -> notLeader++;
            default -> throw new AssertionError("unexpected produce outcome " + e);
        }
    }

    /** After every event. */
    void check() {
        for (SimBroker b : sim.brokers().values()) {
            for (TopicPartition tp : b.roles.keySet()) {
                b.leaderState(tp).ifPresent(s -> checkLeader(b, tp, s));
            }
        }
        for (int i = 0; i < ackedToCheck.size(); i++) {
            Batch a = ackedToCheck.get(i);
            List<Batch> c = committed.getOrDefault(ackedPartitions.get(i), List.of());
            Batch at = find(c, a.baseOffset());
            check(a.equals(at), "acks=all batch " + a + " of " + ackedPartitions.get(i) + " is not committed (found " + at + ")");
        }
        ackedToCheck.clear();
        ackedPartitions.clear();
        for (Map.Entry<TopicPartition, Registration> e : sim.controller().all().entrySet()) {
            for (int replica : e.getValue().isr()) {
                checkReplicaHasCommitted(replica, e.getKey());
            }
        }
    }

    private void checkLeader(SimBroker b, TopicPartition tp, PartitionLeaderState s) {
        LeaderKey key = new LeaderKey(b.id, tp, s.leaderEpoch());
        InMemoryReplicaLog log = b.log(tp);
        long hw = s.highWatermark();
        Long before = leaderHighWatermark.put(key, hw);
        check(before == null || hw >= before, "the high watermark of leader " + key + " went back from " + before + " to " + hw);
        check(log.truncations() == leaderTruncations.get(key), "leader " + key + " truncated its log");
        // Batches wholly below the HW are committed: record the new ones.
        List<Batch> c = committed.computeIfAbsent(tp, k -> new ArrayList<>());
        int i = leaderScanned.getOrDefault(key, 0);
        for (; i < log.batchCount() && log.batch(i).lastOffset() < hw; i++) {
            Batch batch = log.batch(i);
            long committedEnd = c.isEmpty() ? 0 : c.get(c.size() - 1).lastOffset() + 1;
            if (batch.baseOffset() >= committedEnd) {
                check(batch.baseOffset() == committedEnd, "a gap in committed data of " + tp + " at " + committedEnd);
                c.add(batch);
            } else {
                Batch existing = find(c, batch.baseOffset());
                check(batch.equals(existing), "offset " + batch.baseOffset() + " of " + tp + " was committed as "
                        + existing + " and again as " + batch + " by leader " + key);
            }
        }
        leaderScanned.put(key, i);
    }

    private void checkReplicaHasCommitted(int replica, TopicPartition tp) {
        List<Batch> c = committed.getOrDefault(tp, List.of());
        InMemoryReplicaLog log = sim.brokers().get(replica).log(tp);
        Cursor cur = cursors.computeIfAbsent(replica + "/" + tp, k -> new Cursor());
        // Appends never remove a verified batch; only a truncation can, so it restarts the check.
        if (cur.truncationsSeen != log.truncations()) {
            cur.truncationsSeen = log.truncations();
            cur.verified = 0;
        }
        for (; cur.verified < c.size(); cur.verified++) {
            Batch want = c.get(cur.verified);
            Optional<Batch> have = log.batchAt(want.baseOffset());
            check(have.isPresent() && have.get().equals(want), "committed " + want + " of " + tp
                    + " is missing on ISR member " + replica + " (has " + have + "; isr "
                    + sim.controller().get(tp).isr() + ")");
        }
    }

    long committedBatches() {
        return committed.values().stream().mapToLong(List::size).sum();
    }

    private static Batch find(List<Batch> c, long baseOffset) {
        int lo = 0;
        int hi = c.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long b = c.get(mid).baseOffset();
            if (b == baseOffset) {
                return c.get(mid);
            }
            if (b < baseOffset) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}

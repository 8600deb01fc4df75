package io.fjord.replication.sim;

import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TestBatches;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.leader.PartitionRole;
import io.fjord.replication.sim.SimController.Registration;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic simulation of partition replication (in the style of Kafka's
 * RaftEventSimulationTest): three brokers running the real leader, fetcher and tracker objects over
 * in-memory logs, a simulated controller, and a seeded network that delays and drops messages and
 * isolates brokers. A producer writes acks=all and acks=1 batches, sometimes to a deposed leader
 * that has not heard yet; the controller moves leaders and fences isolated brokers. Invariants are
 * checked after every event ({@link Invariants}); after the chaos stops, the cluster must converge:
 * full ISR, identical logs, high watermark at the log end everywhere.
 *
 * <p>Replay one seed with {@code -Dsim.seed=N}; run more with {@code -Dsim.seeds=N}.
 */
class ReplicationSimulationTest {
    static final List<TopicPartition> PARTITIONS = List.of(new TopicPartition("t", 0), new TopicPartition("t", 1));
    static final long CHAOS_MS = 6_000;
    static final long SETTLE_MS = 5_000;
    static final ReplicationConfig CONFIG = new ReplicationConfig(1_000L, 100, 1, 4_096, 16_384, 50L);

    record Stats(long acked, long timedOut, long notLeader, long committed, long truncations, long events,
                 long isrChanges, long elections) {}

    @Test
    void replicationSurvivesLeaderChangesIsolationAndMessageLoss() {
        String one = System.getProperty("sim.seed");
        int seeds = Integer.getInteger("sim.seeds", 500);
        long first = one != null ? Long.parseLong(one) : 1;
        long last = one != null ? first : seeds;
        long acked = 0;
        long truncations = 0;
        long timedOut = 0;
        long events = 0;
        long isrChanges = 0;
        long elections = 0;
        for (long seed = first; seed <= last; seed++) {
            Stats s = run(seed);
            acked += s.acked;
            truncations += s.truncations;
            timedOut += s.timedOut;
            events += s.events;
            isrChanges += s.isrChanges;
            elections += s.elections;
        }
        // The runs must have exercised what they claim to check.
        assertTrue(acked > 0, "no acks=all write completed");
        if (one == null) {
            assertTrue(truncations > 0, "no divergent tail was ever truncated");
            assertTrue(timedOut > 0, "no acks=all write ever timed out");
            assertTrue(isrChanges > 0 && elections > 0, "no ISR change or no election");
        }
        System.out.printf("simulated %d seeds, %d events: %d acked, %d timed out, %d truncations, %d ISR changes, %d elections%n",
                last - first + 1, events, acked, timedOut, truncations, isrChanges, elections);
    }

    static Stats run(long seed) {
        Random rnd = new Random(seed);
        int minIsr = 1 + rnd.nextInt(3);
        double drop = rnd.nextDouble() * 0.1;
        int maxDelayMs = 1 + rnd.nextInt(20);
        Sim sim = new Sim(rnd, CONFIG, minIsr, drop, maxDelayMs);
        boolean[] chaos = {true};
        try {
            for (int i = 0; i < PARTITIONS.size(); i++) {
                sim.controller().create(PARTITIONS.get(i), Sim.BROKERS, Sim.BROKERS.get(i));
            }
            sim.start();
            sim.scheduler().after(1, "producer", () -> produceLoop(sim, seed, new long[1], chaos));
            sim.scheduler().after(200, "chaos", () -> chaosLoop(sim, chaos));
            sim.runUntil(CHAOS_MS);
            chaos[0] = false;
            sim.quiesce();
            sim.runUntil(CHAOS_MS + SETTLE_MS);
            checkConverged(sim);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " (min.insync.replicas " + minIsr + ", drop " + drop + ", max delay "
                    + maxDelayMs + " ms) failed at " + sim.now() + " ms: " + e.getMessage()
                    + "\n" + sim.describe() + "last events:\n" + sim.scheduler().recentEvents(), e);
        }
        long truncations = sim.brokers().values().stream()
                .flatMap(b -> b.logs.values().stream()).mapToLong(InMemoryReplicaLog::truncations).sum();
        Invariants c = sim.checker();
        return new Stats(c.acked, c.timedOut, c.notLeader, c.committedBatches(), truncations, sim.scheduler().executed(),
                sim.controller().isrChanges, sim.controller().elections);
    }

    /** A producer with slightly stale metadata: mostly the current leader, sometimes any broker. */
    private static void produceLoop(Sim sim, long seed, long[] n, boolean[] chaos) {
        if (!chaos[0]) {
            return;
        }
        Random rnd = sim.rnd();
        TopicPartition tp = PARTITIONS.get(rnd.nextInt(PARTITIONS.size()));
        int target = rnd.nextDouble() < 0.8 ? sim.controller().get(tp).leader() : Sim.BROKERS.get(rnd.nextInt(3));
        int acks = rnd.nextDouble() < 0.7 ? -1 : 1;
        sim.brokers().get(target).produce(tp, acks, TestBatches.of("s" + seed + "-" + n[0]++), 1_500);
        sim.scheduler().after(2 + rnd.nextInt(25), "producer", () -> produceLoop(sim, seed, n, chaos));
    }

    private static void chaosLoop(Sim sim, boolean[] chaos) {
        if (!chaos[0]) {
            return;
        }
        Random rnd = sim.rnd();
        TopicPartition tp = PARTITIONS.get(rnd.nextInt(PARTITIONS.size()));
        Registration reg = sim.controller().get(tp);
        double r = rnd.nextDouble();
        if (r < 0.45) {
            List<Integer> candidates = reg.isr().stream().filter(b -> b != reg.leader()).toList();
            if (!candidates.isEmpty()) {
                sim.controller().elect(tp, candidates.get(rnd.nextInt(candidates.size())));
            }
        } else if (r < 0.6) {
            // A broken link between two brokers: the controller sees both, so only the lag rule can act.
            int a = Sim.BROKERS.get(rnd.nextInt(3));
            int b = Sim.BROKERS.get(rnd.nextInt(3));
            if (a != b) {
                long forMs = 200 + rnd.nextInt(2_000);
                sim.cutLink(a, b);
                sim.scheduler().remember(sim.now() + " cut b" + a + "-b" + b + " for " + forMs + " ms");
                sim.scheduler().after(forMs, "restore b" + a + "-b" + b, () -> sim.restoreLink(a, b));
            }
        } else if (!sim.anyIsolated()) {
            int victim = r < 0.85 ? reg.leader() : Sim.BROKERS.get(rnd.nextInt(3));
            long forMs = 100 + rnd.nextInt(1_500);
            sim.isolate(victim);
            sim.scheduler().remember(sim.now() + " isolate b" + victim + " for " + forMs + " ms");
            // The controller notices the broken session shortly after, and fences.
            sim.scheduler().after(50, "fence b" + victim, () -> {
                if (sim.isIsolated(victim)) {
                    sim.controller().fence(victim);
                }
            });
            sim.scheduler().after(forMs, "heal b" + victim, () -> sim.heal(victim));
        }
        sim.scheduler().after(200 + rnd.nextInt(1_000), "chaos", () -> chaosLoop(sim, chaos));
    }

    /** After the chaos: the metadata's leader leads, the ISR is full, and every log is the leader's. */
    private static void checkConverged(Sim sim) {
        for (TopicPartition tp : PARTITIONS) {
            Registration reg = sim.controller().get(tp);
            SimBroker leaderBroker = sim.brokers().get(reg.leader());
            PartitionRole.Leader role = assertInstanceOf(PartitionRole.Leader.class, leaderBroker.roles.get(tp),
                    tp + ": broker " + reg.leader() + " should lead");
            PartitionLeaderState leader = role.state();
            assertEquals(reg.leaderEpoch(), leader.leaderEpoch(), tp + " leader epoch");
            assertEquals(List.copyOf(new java.util.TreeSet<>(Sim.BROKERS)), reg.isr().stream().sorted().toList(),
                    tp + ": every replica is back in the ISR");
            InMemoryReplicaLog leaderLog = leaderBroker.log(tp);
            assertEquals(leaderLog.logEndOffset(), leader.highWatermark(), tp + ": the HW reached the log end");
            for (SimBroker b : sim.brokers().values()) {
                assertEquals(reg.leaderEpoch(), b.roles.get(tp).leaderEpoch(), tp + " epoch on broker " + b.id);
                InMemoryReplicaLog log = b.log(tp);
                assertEquals(leaderLog.batches(), log.batches(), tp + ": broker " + b.id + " holds the leader's log");
                assertEquals(leaderLog.highWatermark(), log.highWatermark(), tp + ": HW on broker " + b.id);
            }
        }
    }
}

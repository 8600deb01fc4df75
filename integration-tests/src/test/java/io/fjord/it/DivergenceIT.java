package io.fjord.it;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.producer.RecordMetadata;
import io.fjord.proto.PartitionMetadata;
import io.fjord.wire.RecordBatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.fjord.it.ReplicationSupport.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 4's truncation claim on real processes (1 controller, 3 brokers; one partition, RF 3,
 * min.insync.replicas=1; replica.lag.time.max.ms=60 s so the ISR never shrinks on its own):
 * <ol>
 *   <li>{@value #BASE} values are written with acks=all while all three replicas are in sync;</li>
 *   <li>both followers are SIGSTOPped and the leader L takes 1 + {@value #DIVERGENT} acks=1 writes. The
 *       first answers the fetch each follower may have had pending at L (that answer waits in the
 *       paused follower's socket buffer and is appended when it resumes); the other
 *       {@value #DIVERGENT} reach no follower. Then L is SIGKILLed and the followers resumed, within
 *       the session timeout, so they stay unfenced and in the ISR;</li>
 *   <li>the controller fences L and elects a follower with a higher leader epoch; its log end
 *       (read from its metadata) is where the common log ends, and must leave L with a divergent
 *       tail of about {@value #DIVERGENT} records. It takes {@value #NEW} acks=all writes from there:
 *       they overlap and outnumber L's divergent tail, so a follower that only compared log lengths
 *       or offsets would keep it;</li>
 *   <li>L restarts (its divergent tail is checked on its disk first), rejoins the ISR, and after a
 *       clean {@code cluster down} all three replicas' segment files are identical batch for batch,
 *       end at the high watermark, hold the base and new values at their acknowledged offsets, and
 *       none of L's divergent values.</li>
 * </ol>
 */
class DivergenceIT {
    private static final String TOPIC = "div";
    private static final List<Integer> BROKERS = List.of(1, 2, 3);
    private static final int BASE = 1_000;
    private static final int DIVERGENT = 500;
    private static final int NEW = 800;
    private static final long SESSION_TIMEOUT_MS = 6_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void returningLeaderTruncatesItsDivergentTail() throws Exception {
        long testStart = System.nanoTime();
        Path dir = work.resolve("cluster");
        ReplicationSupport.withCluster(dir, this::run);
        System.out.println("DivergenceIT total " + ms(testStart) + " ms");
    }

    private void run(LocalClusterHarness cluster) throws Exception {
        ReplicationSupport.up(cluster, 1, 3, "--broker-config", "replica.lag.time.max.ms=60000",
                "--controller-config", "broker.session.timeout.ms=" + SESSION_TIMEOUT_MS);
        try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "1"))));
        }
        Awaitility.await("the partition led and fully in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), 1));
        PartitionMetadata initial = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow();
        int leader = initial.getLeaderId();
        List<Integer> followers = new ArrayList<>(initial.getReplicasList());
        followers.remove(Integer.valueOf(leader));
        System.out.println("initial: " + ReplicationSupport.describe(initial));

        // ---- 1. The common prefix, acknowledged by all three. The acks=1 producer used in step 2 is
        // created now and writes base-0: a new producer refreshes its metadata once more soon after its
        // first use, and a refresh that reaches a paused broker blocks its sender for request.timeout.ms.
        FjordProducer<String, String> acks1 = producer(ReplicationSupport.bootstrap(cluster, List.of(leader)), "1");
        try (FjordProducer<String, String> p = producer(ReplicationSupport.bootstrap(cluster, BROKERS), "all")) {
            assertOffsets(send(acks1, "base", 1), "base", 0);
            List<Future<RecordMetadata>> rest = new ArrayList<>();
            for (int i = 1; i < BASE; i++) {
                rest.add(p.send(new ProducerRecord<>(TOPIC, 0, null, "base-" + i)));
            }
            p.flush();
            for (int i = 1; i < BASE; i++) {
                assertEquals(i, rest.get(i - 1).get(30, TimeUnit.SECONDS).offset(), "base-" + i + " acknowledged at the next offset");
            }
        } catch (Throwable t) {
            acks1.close(Duration.ZERO);
            throw t;
        }
        PartitionMetadata afterBase = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow();
        assertEquals(3, afterBase.getIsrCount(), "all three stayed in the ISR while the base values were acknowledged with acks=all,"
                + " so all three hold them: " + ReplicationSupport.describe(afterBase));
        assertEquals(leader, afterBase.getLeaderId());

        // ---- 2. Followers frozen; the leader takes writes nobody replicates; then it dies.
        // Each follower's last fetch may still be pending at the leader (a long poll): the first write
        // after the pause answers it, and the answer waits in the paused follower's socket buffer, to be
        // appended when it resumes. So one sacrificial record goes first; the divergent ones after it
        // reach no follower. Where the common log really ends is read from the new leader below.
        long pausedAt;
        long killedAt;
        try (FjordProducer<String, String> p = acks1) {
            pausedAt = System.nanoTime();
            for (int f : followers) {
                cluster.pause("broker-" + f);
            }
            try {
                assertOffsets(send(p, "pre", 1), "pre", BASE);
                assertOffsets(send(p, "div", DIVERGENT), "div", BASE + 1);
                for (int f : followers) {
                    Map<Long, String> onDisk = ReplicationSupport.values(ReplicationSupport.readLog(
                            ReplicationSupport.partitionDir(cluster, f, TOPIC, 0)), Long.MAX_VALUE);
                    assertEquals(BASE, onDisk.size(), "paused follower broker-" + f + " holds exactly the base values: " + onDisk.size());
                    onDisk.forEach((o, v) -> assertEquals("base-" + o, v, "broker-" + f + " offset " + o));
                }
                killedAt = System.nanoTime();
                LocalClusterHarness.Cli kill = cluster.cluster("kill", "broker-" + leader);
                assertEquals(0, kill.exit(), kill.err());
            } finally {
                for (int f : followers) {
                    cluster.resume("broker-" + f);
                }
            }
            p.close(Duration.ZERO);
        }
        long pausedMs = ms(pausedAt);
        System.out.println("2. followers " + followers + " paused for " + pausedMs + " ms while broker-" + leader + " took 1 + "
                + DIVERGENT + " acks=1 writes; broker-" + leader + " SIGKILLed");
        assertTrue(pausedMs < SESSION_TIMEOUT_MS - 1_000, "test setup: the followers were paused for " + pausedMs
                + " ms, too close to broker.session.timeout.ms=" + SESSION_TIMEOUT_MS + " (they may have been fenced)");

        // L's tail is on its disk.
        List<RecordBatch> oldLog = ReplicationSupport.readLog(ReplicationSupport.partitionDir(cluster, leader, TOPIC, 0));
        Map<Long, String> oldValues = ReplicationSupport.values(oldLog, Long.MAX_VALUE);
        assertEquals("pre-0", oldValues.get((long) BASE), "the killed leader broker-" + leader + " holds its acks=1 write at " + BASE);
        for (long o = BASE + 1; o <= BASE + DIVERGENT; o++) {
            assertEquals("div-" + (o - BASE - 1), oldValues.get(o), "the killed leader broker-" + leader + " holds its acks=1 write at " + o);
        }
        assertEquals(BASE + 1 + DIVERGENT, oldValues.size(), "records on the killed leader's disk");

        // ---- 3. A follower takes over with a higher epoch and takes new writes where its log ends.
        AtomicReference<PartitionMetadata> elected = new AtomicReference<>();
        Awaitility.await("a follower leads partition 0 after broker-" + leader + " is fenced")
                .atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 10_000)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    PartitionMetadata m = ReplicationSupport.partition(cluster, followers, TOPIC, 0).orElse(null);
                    if (m == null || !followers.contains(m.getLeaderId()) || m.getLeaderEpoch() <= initial.getLeaderEpoch()) {
                        return false;
                    }
                    // The new leader's own answer carries its log end only once it has acted on the
                    // election (its image can run a moment ahead of its replica manager).
                    PartitionMetadata own = ReplicationSupport.partition(cluster, List.of(m.getLeaderId()), TOPIC, 0).orElse(null);
                    elected.set(own);
                    return own != null && own.getLeaderId() == m.getLeaderId() && own.getLogEndOffset() >= 0;
                });
        PartitionMetadata newLeader = elected.get();
        System.out.println("3. new leader after " + ms(killedAt) + " ms: " + ReplicationSupport.describe(newLeader));
        long common = newLeader.getLogEndOffset();
        assertTrue(common >= BASE && common <= BASE + 1, "test setup: the new leader's log ends at " + common + "; expected the "
                + BASE + " base records plus at most the sacrificial one: the followers received part of the divergent tail");
        int divergentEpoch = oldLog.stream().filter(b -> b.baseOffset() >= common).mapToInt(RecordBatch::partitionLeaderEpoch)
                .max().orElseThrow();
        long divergent = BASE + 1 + DIVERGENT - common;
        long end = common + NEW;
        System.out.println("3. common log ends at " + common + "; broker-" + leader + " holds " + divergent
                + " records beyond it (epoch " + divergentEpoch + ") that no other replica has");
        try (FjordProducer<String, String> p = producer(ReplicationSupport.bootstrap(cluster, followers), "all")) {
            assertOffsets(send(p, "new", NEW), "new", common);
        }

        // ---- 4. L returns, truncates, catches up, rejoins.
        long startedAt = System.nanoTime();
        LocalClusterHarness.Cli start = cluster.cluster("start", "broker-" + leader);
        assertEquals(0, start.exit(), start.err());
        Awaitility.await("broker-" + leader + " unfenced").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.unfenced(cluster, leader));
        long unfencedMs = ms(startedAt);
        Awaitility.await("broker-" + leader + " back in the ISR, the leader's HW = LEO = " + end)
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    PartitionMetadata m = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElse(null);
                    if (m == null || !m.getIsrList().contains(leader) || m.getIsrCount() != 3) {
                        return false;
                    }
                    PartitionMetadata own = ReplicationSupport.partition(cluster, List.of(m.getLeaderId()), TOPIC, 0).orElse(null);
                    return own != null && own.getHighWatermark() == end && own.getLogEndOffset() == end;
                });
        System.out.println("4. broker-" + leader + " restarted: unfenced after " + unfencedMs + " ms, back in the ISR after "
                + ms(startedAt) + " ms: " + ReplicationSupport.describe(ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow()));

        String[] expected = new String[(int) end];
        for (int o = 0; o < end; o++) {
            expected[o] = o < BASE ? "base-" + o : o < common ? oldValues.get((long) o) : "new-" + (o - common);
        }
        String[] consumed = ReplicationSupport.readAll(cluster.bootstrap(), TOPIC, 1, Duration.ofSeconds(60)).get(0);
        assertEquals(end, consumed.length, "records readable up to the high watermark");
        for (int o = 0; o < consumed.length; o++) {
            assertEquals(expected[o], consumed[o], "consumed value at offset " + o);
        }

        LocalClusterHarness.Cli down = cluster.cluster("down");
        assertEquals(0, down.exit(), down.err());
        Map<Integer, List<RecordBatch>> logs = new LinkedHashMap<>();
        for (int b : BROKERS) {
            Path pd = ReplicationSupport.partitionDir(cluster, b, TOPIC, 0);
            List<RecordBatch> log = ReplicationSupport.readLog(pd);
            String what = "broker-" + b + (b == leader ? " (the returned leader)" : "") + " at " + pd;
            ReplicationSupport.assertCovers(log, end, what); // the whole log: nothing of the divergent tail beyond
            Map<Long, String> values = ReplicationSupport.values(log, Long.MAX_VALUE);
            for (int o = 0; o < end; o++) {
                if (!expected[o].equals(values.get((long) o))) {
                    fail(what + ": offset " + o + " holds " + values.get((long) o) + ", expected " + expected[o]
                            + (values.get((long) o) != null && values.get((long) o).startsWith("div-") ? " (the divergent tail was not truncated)" : ""));
                }
            }
            for (RecordBatch batch : log) {
                if (batch.baseOffset() >= common) {
                    assertTrue(batch.partitionLeaderEpoch() > divergentEpoch, what + ": " + ReplicationSupport.describe(batch)
                            + " written in the new leader's epoch, above the divergent epoch " + divergentEpoch);
                }
            }
            logs.put(b, log);
        }
        ReplicationSupport.assertSameBatches(logs, "partition 0 after convergence");
        System.out.println("replicas identical on disk: " + logs.get(leader).size() + " batches, offsets 0.." + (end - 1)
                + "; broker-" + leader + "'s " + divergent + " divergent records (epoch " + divergentEpoch + ") are gone");
    }

    private static FjordProducer<String, String> producer(String bootstrap, String acks) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", acks);
        props.put("linger.ms", "5");
        props.put("request.timeout.ms", "15000");
        props.put("delivery.timeout.ms", "30000");
        if (acks.equals("1")) {
            props.put("retries", "0"); // one attempt: a retry could not land anywhere else anyway
            // Bounds how long a metadata refresh that reaches a paused broker can stall the sender.
            props.put("request.timeout.ms", "2000");
        }
        return new FjordProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static List<Future<RecordMetadata>> send(FjordProducer<String, String> p, String prefix, int count) {
        List<Future<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fs.add(p.send(new ProducerRecord<>(TOPIC, 0, null, prefix + "-" + i)));
        }
        p.flush();
        return fs;
    }

    /** Every send was acknowledged, value {@code prefix-i} at offset {@code first + i}. */
    private static void assertOffsets(List<Future<RecordMetadata>> fs, String prefix, long first) throws Exception {
        for (int i = 0; i < fs.size(); i++) {
            RecordMetadata md;
            try {
                md = fs.get(i).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError(prefix + "-" + i + " failed: " + e.getCause(), e.getCause());
            }
            assertEquals(first + i, md.offset(), prefix + "-" + i + " acknowledged at the next offset");
        }
    }
}

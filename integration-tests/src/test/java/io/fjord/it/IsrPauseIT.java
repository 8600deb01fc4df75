package io.fjord.it;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.common.errors.NotEnoughReplicasException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.producer.RecordMetadata;
import io.fjord.proto.PartitionMetadata;
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

import static io.fjord.it.ReplicationSupport.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 4's ISR claims with SIGSTOPped brokers (1 controller, 3 brokers, topic RF 3 with
 * min.insync.replicas=2, replica.lag.time.max.ms=3000). The controllers' broker.session.timeout.ms
 * is raised to 60 s so a paused broker leaves the ISR because it lags, not because it is fenced.
 * <ol>
 *   <li>A paused follower leaves the ISR no earlier than about replica.lag.time.max.ms after it
 *       stopped fetching and within replica.lag.time.max.ms + 4 s; acks=all writes sent meanwhile
 *       complete once it is out, and further acks=all writes succeed with 2 of 3 in sync.</li>
 *   <li>Resumed, it catches up and rejoins the ISR.</li>
 *   <li>With both followers paused and out of the ISR, acks=all writes fail with
 *       NOT_ENOUGH_REPLICAS: without retries as NotEnoughReplicasException (the leader refuses before
 *       appending, so the value never appears in the log), and with retries only after
 *       delivery.timeout.ms, as a TimeoutException (wrapping it when the batch expired in flight).
 *       acks=1 writes still succeed.</li>
 *   <li>Resumed, both rejoin, acks=all works again, and every acknowledged value is at its offset.</li>
 * </ol>
 */
class IsrPauseIT {
    private static final String TOPIC = "isr";
    private static final int PARTITIONS = 3;
    private static final List<Integer> BROKERS = List.of(1, 2, 3);
    private static final long LAG_MS = 3_000;
    private static final long SESSION_TIMEOUT_MS = 60_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    /** value → (partition 0 offset) of every acknowledged write. */
    private final Map<String, Long> acked = new LinkedHashMap<>();

    @Test
    void pausedFollowersLeaveAndRejoinTheIsr() throws Exception {
        long testStart = System.nanoTime();
        Path dir = work.resolve("cluster");
        ReplicationSupport.withCluster(dir, this::run);
        System.out.println("IsrPauseIT total " + ms(testStart) + " ms");
    }

    private void run(LocalClusterHarness cluster) throws Exception {
        ReplicationSupport.up(cluster, 1, 3, "--broker-config", "replica.lag.time.max.ms=" + LAG_MS,
                "--controller-config", "broker.session.timeout.ms=" + SESSION_TIMEOUT_MS);
        try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))));
        }
        Awaitility.await("every partition led and fully in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), PARTITIONS));
        PartitionMetadata initial = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow();
        int leader = initial.getLeaderId();
        List<Integer> followers = new ArrayList<>(initial.getReplicasList());
        followers.remove(Integer.valueOf(leader));
        int f1 = followers.get(0);
        int f2 = followers.get(1);
        System.out.println("partition 0: " + ReplicationSupport.describe(initial) + "; pausing follower broker-" + f1 + " first");
        // Only the leader is asked, and only the leader serves the producers: a paused broker would
        // hold a call until its deadline.
        String leaderAddress = ReplicationSupport.bootstrap(cluster, List.of(leader));

        Map<String, Object> props = producerProps(leaderAddress, "all");
        props.put("request.timeout.ms", "8000"); // > the time acks=all waits for the shrink; bounds a stalled metadata refresh
        props.put("delivery.timeout.ms", "60000");
        try (FjordProducer<String, String> producer = new FjordProducer<>(props, new StringSerializer(), new StringSerializer())) {
            sendAll(producer, "warm", 100, Duration.ofSeconds(30));

            // ---- 1. Pause one follower: it leaves the ISR after replica.lag.time.max.ms.
            cluster.pause("broker-" + f1);
            long pausedAt = System.nanoTime();
            // These make it lag; acks=all can complete them only once the high watermark passes them,
            // i.e. once the paused follower is out of the ISR.
            java.util.concurrent.atomic.AtomicLong firstAckAt = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
            List<Future<RecordMetadata>> during = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                during.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, "during-" + i),
                        (md, e) -> firstAckAt.accumulateAndGet(System.nanoTime(), Math::min)));
            }
            Awaitility.await("broker-" + f1 + " leaves the ISR of partition 0").atMost(Duration.ofMillis(LAG_MS + 4_000))
                    .pollInterval(Duration.ofMillis(50)).until(() -> !isr(cluster, leader).contains(f1));
            long shrinkMs = ms(pausedAt);
            System.out.println("1. paused broker-" + f1 + " left the ISR after " + shrinkMs + " ms (replica.lag.time.max.ms " + LAG_MS
                    + "); isr " + isr(cluster, leader));
            assertTrue(shrinkMs >= LAG_MS - 1_000, "the ISR shrank after " + shrinkMs + " ms, well before replica.lag.time.max.ms="
                    + LAG_MS + " passed");
            assertEquals(List.of(leader, f2).stream().sorted().toList(), isr(cluster, leader).stream().sorted().toList(),
                    "the ISR is the leader and the running follower");
            record(during, "during", Duration.ofSeconds(20));
            long firstAckMs = (firstAckAt.get() - pausedAt) / 1_000_000;
            System.out.println("1. the first of the acks=all writes sent after the pause completed " + firstAckMs + " ms after the pause");
            assertTrue(firstAckMs >= LAG_MS - 1_000, "an acks=all write completed " + firstAckMs + " ms after the pause, while the"
                    + " paused follower was still in the ISR");
            long quickStart = System.nanoTime();
            sendAll(producer, "two-of-three", 2_000, Duration.ofSeconds(20));
            System.out.println("1. 2,000 acks=all writes with 2 of 3 in sync took " + ms(quickStart) + " ms");

            // ---- 2. Resume it: it catches up and rejoins.
            cluster.resume("broker-" + f1);
            long resumedAt = System.nanoTime();
            Awaitility.await("broker-" + f1 + " rejoins the ISR of partition 0").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50)).until(() -> isr(cluster, leader).contains(f1));
            System.out.println("2. resumed broker-" + f1 + " rejoined the ISR after " + ms(resumedAt) + " ms; isr " + isr(cluster, leader));
            Awaitility.await("all partitions fully in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), PARTITIONS));
            sendAll(producer, "rejoined", 500, Duration.ofSeconds(20));
        }

        // ---- 3. Pause both followers: once both are out, acks=all is refused.
        // The producers are created and each gets a write acknowledged before the pause. Still, a
        // producer's sender thread may refresh its metadata while brokers are paused, and a refresh
        // sent to a paused broker blocks it for request.timeout.ms (the client asks known brokers in
        // turn), so request.timeout.ms is short and delivery.timeout.ms leaves room for that.
        Map<String, Object> noRetries = producerProps(leaderAddress, "all");
        noRetries.put("retries", "0");
        noRetries.put("request.timeout.ms", "3000");
        noRetries.put("delivery.timeout.ms", "60000");
        Map<String, Object> acks1Props = producerProps(leaderAddress, "1");
        acks1Props.put("request.timeout.ms", "3000");
        Map<String, Object> withRetries = producerProps(leaderAddress, "all");
        withRetries.put("request.timeout.ms", "3000");
        withRetries.put("delivery.timeout.ms", "5000");
        withRetries.put("linger.ms", "0");
        withRetries.put("retry.backoff.ms", "500");
        try (FjordProducer<String, String> acks1 = new FjordProducer<>(acks1Props, new StringSerializer(), new StringSerializer());
             FjordProducer<String, String> once = new FjordProducer<>(noRetries, new StringSerializer(), new StringSerializer());
             FjordProducer<String, String> retrying = new FjordProducer<>(withRetries, new StringSerializer(), new StringSerializer())) {
            sendAll(acks1, "warm-acks1", 1, Duration.ofSeconds(20));
            sendAll(once, "warm-once", 1, Duration.ofSeconds(20));
            sendAll(retrying, "warm-retrying", 1, Duration.ofSeconds(20));
            cluster.pause("broker-" + f1);
            cluster.pause("broker-" + f2);
            long bothPausedAt = System.nanoTime();
            sendAll(acks1, "acks1-lag", 20, Duration.ofSeconds(10)); // makes both lag; acks=1 needs no follower
            Awaitility.await("both followers leave the ISR of partition 0").atMost(Duration.ofMillis(LAG_MS + 4_000))
                    .pollInterval(Duration.ofMillis(50)).until(() -> isr(cluster, leader).equals(List.of(leader)));
            long shrinkMs = ms(bothPausedAt);
            System.out.println("3. both paused followers left the ISR after " + shrinkMs + " ms; isr " + isr(cluster, leader));
            assertTrue(shrinkMs >= LAG_MS - 1_000, "the ISR shrank after " + shrinkMs + " ms, well before replica.lag.time.max.ms="
                    + LAG_MS + " passed");

            long t0 = System.nanoTime();
            Throwable refused = failure(once.send(new ProducerRecord<>(TOPIC, 0, null, "refused-0")), Duration.ofSeconds(30));
            long refusedMs = ms(t0);
            System.out.println("3. acks=all without retries refused after " + refusedMs + " ms: " + refused);
            assertInstanceOf(NotEnoughReplicasException.class, refused, "acks=all with 1 of min.insync.replicas=2 in sync");
            assertTrue(refused.getMessage().contains("NOT_ENOUGH_REPLICAS:"), "refused before the append (NOT_ENOUGH_REPLICAS, not"
                    + " ..._AFTER_APPEND, since the ISR was already too small): " + refused.getMessage());

            long t1 = System.nanoTime();
            Throwable expired = failure(retrying.send(new ProducerRecord<>(TOPIC, 0, null, "refused-1")), Duration.ofSeconds(30));
            long failedMs = ms(t1);
            System.out.println("3. acks=all with retries failed after " + failedMs + " ms (delivery.timeout.ms 5000): " + expired);
            // The producer retries NOT_ENOUGH_REPLICAS until delivery.timeout.ms. The TimeoutException wraps
            // the last NotEnoughReplicasException when the batch expires in flight; when it expires while
            // waiting out retry.backoff.ms it carries no cause (as in Kafka). Any other cause is wrong.
            assertTrue(expired instanceof NotEnoughReplicasException || (expired instanceof TimeoutException
                            && (expired.getCause() == null || expired.getCause() instanceof NotEnoughReplicasException)),
                    "the failure is NotEnoughReplicasException or a delivery timeout after it: " + causes(expired));
            assertTrue(failedMs >= 4_500, "with retries the write failed only at delivery.timeout.ms=5000, after " + failedMs + " ms");

            long t2 = System.nanoTime();
            sendAll(acks1, "acks1-alone", 100, Duration.ofSeconds(10));
            System.out.println("3. acks=1 with the leader alone in the ISR: 100 writes in " + ms(t2) + " ms");
        } finally {
            cluster.resume("broker-" + f1);
            cluster.resume("broker-" + f2);
        }
        long resumedAt = System.nanoTime();

        // ---- 4. Both resume and rejoin; acks=all works again; every acknowledged value is where it was acknowledged.
        Awaitility.await("both followers rejoin the ISR of partition 0").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> isr(cluster, leader).size() == 3);
        System.out.println("4. both followers rejoined after " + ms(resumedAt) + " ms; isr " + isr(cluster, leader));
        Map<String, Object> after = producerProps(leaderAddress, "all");
        try (FjordProducer<String, String> producer = new FjordProducer<>(after, new StringSerializer(), new StringSerializer())) {
            sendAll(producer, "after", 500, Duration.ofSeconds(20));
        }
        String[] log = ReplicationSupport.readAll(cluster.bootstrap(), TOPIC, PARTITIONS, Duration.ofSeconds(60)).get(0);
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            long o = e.getValue();
            assertTrue(o < log.length, e.getKey() + " acknowledged at offset " + o + " but partition 0 ends at " + log.length);
            assertEquals(e.getKey(), log[(int) o], "value at offset " + o);
        }
        for (int o = 0; o < log.length; o++) {
            assertFalse(log[o].startsWith("refused-"), "a refused acks=all write is in the log at offset " + o + ": " + log[o]);
        }
        System.out.println("4. " + acked.size() + " acknowledged values at their offsets; partition 0 holds " + log.length + " records");
    }

    private static Map<String, Object> producerProps(String bootstrap, String acks) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", acks);
        props.put("linger.ms", "5");
        return props;
    }

    /** The ISR of partition 0 as its (never paused) leader reports it. */
    private static List<Integer> isr(LocalClusterHarness cluster, int leader) {
        return ReplicationSupport.partition(cluster, List.of(leader), TOPIC, 0).map(PartitionMetadata::getIsrList).orElse(List.of());
    }

    private static List<Future<RecordMetadata>> send(FjordProducer<String, String> producer, String prefix, int count) {
        List<Future<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fs.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, prefix + "-" + i)));
        }
        return fs;
    }

    private void sendAll(FjordProducer<String, String> producer, String prefix, int count, Duration within) throws Exception {
        record(send(producer, prefix, count), prefix, within);
    }

    /** Waits for every send to be acknowledged (failing on the first error) and records where each value went. */
    private void record(List<Future<RecordMetadata>> fs, String prefix, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        for (int i = 0; i < fs.size(); i++) {
            RecordMetadata md;
            try {
                md = fs.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("write " + prefix + "-" + i + " failed: " + e.getCause(), e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("write " + prefix + "-" + i + " not acknowledged within " + within.toSeconds() + " s");
            }
            assertEquals(0, md.partition());
            assertTrue(md.offset() >= 0, "an offset for " + prefix + "-" + i);
            Long prev = acked.put(prefix + "-" + i, md.offset());
            assertNull(prev, "value sent once");
        }
    }

    /** The exception the send failed with; fails the test when it succeeded or did not finish in time. */
    private static Throwable failure(Future<RecordMetadata> f, Duration within) throws InterruptedException {
        try {
            RecordMetadata md = f.get(within.toMillis(), TimeUnit.MILLISECONDS);
            fail("acks=all write acknowledged at " + md + " with one replica in sync and min.insync.replicas=2");
            return null;
        } catch (ExecutionException e) {
            assertNotNull(e.getCause());
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            fail("the acks=all write neither succeeded nor failed within " + within.toSeconds() + " s");
            return null;
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = e; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }
}

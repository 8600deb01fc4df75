package io.fjord.it;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.proto.PartitionMetadata;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.fjord.it.ReplicationSupport.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 5's ordering claim on real processes (1 controller, 3 brokers; one partition, RF 3,
 * min.insync.replicas=2): an idempotent producer with max.in.flight.requests.per.connection=5 sends
 * {@value #RECORDS} records while the partition leader's broker is SIGKILLed (and later restarted).
 * Every record is acknowledged, callbacks run in send order, and the partition holds exactly the
 * records in send order: value i at offset i, no gap, no duplicate.
 */
class OrderedFailoverIT {
    private static final String TOPIC = "ordered";
    private static final int RECORDS = 100_000;
    private static final List<Integer> BROKERS = List.of(1, 2, 3);
    /** Records the sender may be ahead of the acknowledgements: several 4 KiB batches in flight. */
    private static final int SEND_WINDOW = 5_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void sendOrderSurvivesLeaderFailover() throws Exception {
        ReplicationSupport.withCluster(work.resolve("cluster"), this::run);
    }

    private void run(LocalClusterHarness cluster) throws Exception {
        ReplicationSupport.up(cluster, 1, 3);
        try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))));
        }
        Awaitility.await("the partition led and fully in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), 1));
        PartitionMetadata initial = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow();
        int leader = initial.getLeaderId();

        Map<String, Object> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", cluster.bootstrap());
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("max.in.flight.requests.per.connection", "5");
        props.put("batch.size", "4096"); // small batches: many requests, several in flight at the kill
        props.put("linger.ms", "1");
        props.put("request.timeout.ms", "5000");
        props.put("delivery.timeout.ms", "120000");
        AtomicInteger acked = new AtomicInteger();
        AtomicLong lastOffset = new AtomicLong(-1);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long killedAt;
        try (FjordProducer<String, String> p = new FjordProducer<>(props, new StringSerializer(), new StringSerializer())) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < RECORDS; i++) {
                    final int seq = i;
                    p.send(new ProducerRecord<>(TOPIC, 0, null, "v-" + i), (md, e) -> {
                        if (e != null) {
                            problems.add("v-" + seq + " failed: " + e);
                        } else if (md.offset() != lastOffset.get() + 1) {
                            problems.add("v-" + seq + " acknowledged at " + md.offset() + " after " + lastOffset.get());
                        } else if (md.offset() != seq) {
                            problems.add("v-" + seq + " acknowledged at offset " + md.offset());
                        }
                        if (e == null) {
                            lastOffset.set(md.offset());
                        }
                        acked.incrementAndGet();
                    });
                    // Stay at most a window ahead of the acknowledgements, so the sending spans the failover
                    // (it waits while no leader answers) instead of queueing everything before the kill.
                    final long sent = i + 1;
                    if (sent - acked.get() > SEND_WINDOW) {
                        Awaitility.await("acknowledgements within " + SEND_WINDOW + " of the " + sent + " records sent")
                                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2))
                                .until(() -> sent - acked.get() <= SEND_WINDOW);
                    }
                }
            }, "ordered-sender");
            sender.start();
            Awaitility.await("a third of the records acknowledged").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                    .until(() -> acked.get() >= RECORDS / 3);
            killedAt = System.nanoTime();
            LocalClusterHarness.Cli kill = cluster.cluster("kill", "broker-" + leader);
            assertEquals(0, kill.exit(), kill.err());
            System.out.println("broker-" + leader + " (leader) SIGKILLed after " + acked.get() + " acknowledgements, " + ms(start) + " ms in");
            sender.join(120_000);
            p.flush();
        }
        System.out.println("all " + RECORDS + " records completed " + ms(killedAt) + " ms after the kill");
        assertEquals(RECORDS, acked.get(), "every send completed");
        if (!problems.isEmpty()) {
            List<String> first = new ArrayList<>(problems).subList(0, Math.min(10, problems.size()));
            fail(problems.size() + " acknowledgement problem(s), first: " + first);
        }
        LocalClusterHarness.Cli start2 = cluster.cluster("start", "broker-" + leader);
        assertEquals(0, start2.exit(), start2.err());

        String[] log = ReplicationSupport.readAll(cluster.bootstrap(), TOPIC, 1, Duration.ofSeconds(60)).get(0);
        assertEquals(RECORDS, log.length, "records in the partition (a duplicate or a loss changes the count)");
        for (int o = 0; o < log.length; o++) {
            if (!("v-" + o).equals(log[o])) {
                fail("offset " + o + " holds " + log[o] + ", expected v-" + o + ": out of send order, duplicated or lost");
            }
        }
        System.out.println("partition holds v-0 .. v-" + (RECORDS - 1) + " at offsets 0 .. " + (RECORDS - 1)
                + ", in send order; " + Collections.frequency(List.of(log), null) + " gaps");
    }
}

package io.fjord.it;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.ByteArrayDeserializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import io.fjord.proto.controller.BrokerStatus;
import io.fjord.wire.Record;
import io.fjord.wire.RecordBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the replication tests share: starting a cluster with extra settings, asking the brokers who
 * leads a partition and who is in its ISR, reading every offset of a partition through a consumer,
 * and reading a replica's segment files straight from disk to compare replicas batch by batch.
 */
final class ReplicationSupport {
    private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.log");

    private ReplicationSupport() {}

    /** {@code fjord cluster up} with the given extra arguments; fails with the nodes' logs when it does not come up. */
    static void up(LocalClusterHarness cluster, int controllers, int brokers, String... extra) {
        List<String> args = new ArrayList<>(List.of("up", "--controllers", String.valueOf(controllers),
                "--brokers", String.valueOf(brokers)));
        args.addAll(List.of(extra));
        long start = System.nanoTime();
        LocalClusterHarness.Cli c = cluster.cluster(args.toArray(String[]::new));
        if (c.exit() != 0) {
            throw new IllegalStateException("cluster up " + args + " failed: " + c.err() + c.out() + "\n" + cluster.logs());
        }
        System.out.println("cluster up (" + controllers + " controller(s), " + brokers + " brokers) in " + ms(start) + " ms; dir "
                + cluster.dir);
    }

    /** A test body that runs against a fresh cluster. */
    interface ClusterBody {
        void run(LocalClusterHarness cluster) throws Exception;
    }

    /**
     * Runs {@code body} on a cluster in {@code dir}; on failure prints where the node logs are kept
     * (the test's temp dir survives a failure), and always resumes paused nodes before shutdown.
     */
    static void withCluster(Path dir, ClusterBody body) throws Exception {
        try (LocalClusterHarness cluster = new LocalClusterHarness(dir)) {
            try {
                body.run(cluster);
            } catch (Throwable t) {
                System.out.println("FAILED; cluster dir (node logs in */out.log) kept at " + dir + "\n" + cluster.logs());
                throw t;
            } finally {
                cluster.resumeAll();
            }
        }
    }

    static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    static String bootstrap(LocalClusterHarness cluster, Collection<Integer> brokers) throws IOException {
        List<String> s = new ArrayList<>();
        for (int b : brokers) {
            s.add("127.0.0.1:" + cluster.brokerPort(b));
        }
        return String.join(",", s);
    }

    /**
     * Each partition of {@code topic} as the brokers in {@code ask} see it, taking for each partition
     * the freshest view (highest partition epoch, then leader epoch) among the brokers that answer.
     * Never ask a SIGSTOPped broker: its call only ends at the 2 s deadline.
     */
    static Map<Integer, PartitionMetadata> partitions(LocalClusterHarness cluster, Collection<Integer> ask, String topic) {
        Map<Integer, PartitionMetadata> out = new TreeMap<>();
        for (int b : ask) {
            Optional<MetadataResponse> md = cluster.metadataFrom(b);
            if (md.isEmpty()) {
                continue;
            }
            for (TopicMetadata t : md.get().getTopicsList()) {
                if (!t.getName().equals(topic)) {
                    continue;
                }
                for (PartitionMetadata p : t.getPartitionsList()) {
                    out.merge(p.getPartition(), p, (a, n) -> newer(n, a) ? n : a);
                }
            }
        }
        return out;
    }

    private static boolean newer(PartitionMetadata n, PartitionMetadata a) {
        if (n.getPartitionEpoch() != a.getPartitionEpoch()) {
            return n.getPartitionEpoch() > a.getPartitionEpoch();
        }
        return n.getLeaderEpoch() > a.getLeaderEpoch();
    }

    static Optional<PartitionMetadata> partition(LocalClusterHarness cluster, Collection<Integer> ask, String topic, int partition) {
        return Optional.ofNullable(partitions(cluster, ask, topic).get(partition));
    }

    /** Every partition the victim led now has another leader, from its ISR before, with a bumped leader epoch. */
    static boolean reElected(Map<Integer, PartitionMetadata> before, Map<Integer, PartitionMetadata> now, int victim) {
        for (PartitionMetadata b : before.values()) {
            if (b.getLeaderId() != victim) {
                continue;
            }
            PartitionMetadata n = now.get(b.getPartition());
            if (n == null || n.getLeaderId() < 0 || n.getLeaderId() == victim || !b.getIsrList().contains(n.getLeaderId())
                    || n.getLeaderEpoch() <= b.getLeaderEpoch()) {
                return false;
            }
        }
        return true;
    }

    /** Every partition has a leader and all its replicas in the ISR. */
    static boolean fullyInSync(Map<Integer, PartitionMetadata> ps, int count) {
        return ps.size() == count && ps.values().stream()
                .allMatch(p -> p.getLeaderId() >= 0 && Set.copyOf(p.getIsrList()).equals(Set.copyOf(p.getReplicasList())));
    }

    static boolean unfenced(LocalClusterHarness cluster, int brokerId) throws IOException {
        return cluster.quorum().map(q -> q.getBrokersList().stream()
                .anyMatch(b -> b.getBrokerId() == brokerId && !b.getFenced())).orElse(false);
    }

    static boolean allUnfenced(LocalClusterHarness cluster, Collection<Integer> brokers) throws IOException {
        return cluster.quorum().map(q -> {
            Map<Integer, BrokerStatus> by = new HashMap<>();
            q.getBrokersList().forEach(b -> by.put(b.getBrokerId(), b));
            return brokers.stream().allMatch(id -> by.containsKey(id) && !by.get(id).getFenced());
        }).orElse(false);
    }

    static String describe(Map<Integer, PartitionMetadata> ps) {
        StringBuilder sb = new StringBuilder();
        ps.values().forEach(p -> sb.append(describe(p)).append("; "));
        return sb.toString();
    }

    static String describe(PartitionMetadata p) {
        return "p" + p.getPartition() + " leader " + p.getLeaderId() + " epoch " + p.getLeaderEpoch() + "/" + p.getPartitionEpoch()
                + " replicas " + p.getReplicasList() + " isr " + p.getIsrList() + " hw " + p.getHighWatermark()
                + " leo " + p.getLogEndOffset();
    }

    // ------------------------------------------------------------------ reading through a consumer

    /**
     * Every record of each partition from offset 0 up to its end offset (the high watermark) as
     * {@code values.get(p)[offset]}, checking that offsets are dense and start at 0.
     */
    static Map<Integer, String[]> readAll(String bootstrap, String topic, int partitions, Duration within) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest",
                "max.poll.records", "5000", "check.crcs", "true");
        Map<Integer, String[]> out = new TreeMap<>();
        try (FjordConsumer<byte[], byte[]> consumer = new FjordConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(tps);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long[] next = new long[partitions];
            long total = 0;
            for (TopicPartition tp : tps) {
                assertEquals(0L, begin.get(tp), "log start offset of " + tp);
                long e = end.get(tp);
                assertTrue(e < Integer.MAX_VALUE, "end offset of " + tp);
                out.put(tp.partition(), new String[(int) e]);
                total += e;
                consumer.seek(tp, 0);
            }
            long read = 0;
            long deadline = System.nanoTime() + within.toNanos();
            while (read < total) {
                if (System.nanoTime() > deadline) {
                    fail("read only " + read + " of " + total + " records of " + topic + " in " + within.toSeconds() + " s; positions "
                            + java.util.Arrays.toString(next) + ", end offsets " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    int p = r.partition();
                    assertEquals(next[p], r.offset(), "offsets of " + topic + "-" + p + " are dense and in order");
                    next[p] = r.offset() + 1;
                    String[] vs = out.get(p);
                    if (r.offset() < vs.length) {
                        vs[(int) r.offset()] = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
                        read++;
                    }
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ reading segment files

    static Path partitionDir(LocalClusterHarness cluster, int broker, String topic, int partition) {
        return cluster.dir.resolve("broker-" + broker).resolve("data").resolve(topic + "-" + partition);
    }

    /** Every batch in the partition directory's segment files, in offset order. Read only when the broker is stopped or paused. */
    static List<RecordBatch> readLog(Path partitionDir) throws IOException {
        List<RecordBatch> out = new ArrayList<>();
        if (!Files.isDirectory(partitionDir)) {
            return out;
        }
        List<Path> segments;
        try (var s = Files.list(partitionDir)) {
            segments = s.filter(f -> SEGMENT.matcher(f.getFileName().toString()).matches()).sorted().toList();
        }
        for (Path f : segments) {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(f));
            for (RecordBatch b : RecordBatch.batches(buf)) {
                out.add(b);
            }
        }
        return out;
    }

    /** The values of the records in {@code batches} at offsets below {@code below}, by offset. */
    static Map<Long, String> values(List<RecordBatch> batches, long below) {
        Map<Long, String> out = new TreeMap<>();
        for (RecordBatch b : batches) {
            if (b.baseOffset() >= below) {
                continue;
            }
            for (Record r : b.records()) {
                if (r.offset() < below) {
                    out.put(r.offset(), r.hasValue() ? new String(r.valueBytes(), StandardCharsets.UTF_8) : null);
                }
            }
        }
        return out;
    }

    /** The batches with a base offset below {@code hw}. */
    static List<RecordBatch> below(List<RecordBatch> batches, long hw) {
        return batches.stream().filter(b -> b.baseOffset() < hw).toList();
    }

    /**
     * Checks that {@code batches} cover offsets [0, end) without gap or overlap and end exactly at
     * {@code end} (no batch straddles it), and that every batch passes its CRC check.
     */
    static void assertCovers(List<RecordBatch> batches, long end, String what) {
        long next = 0;
        for (RecordBatch b : batches) {
            assertEquals(next, b.baseOffset(), what + ": batch after offset " + (next - 1) + " (gap or overlap): " + describe(b));
            assertTrue(b.isValid(), what + ": CRC check of " + describe(b));
            next = b.nextOffset();
        }
        assertEquals(end, next, what + ": the batches below the high watermark end at " + next + ", not at " + end);
    }

    /** The replicas' batches are identical, byte for byte, in the same order. */
    static void assertSameBatches(Map<Integer, List<RecordBatch>> byBroker, String what) {
        Map.Entry<Integer, List<RecordBatch>> ref = byBroker.entrySet().iterator().next();
        for (Map.Entry<Integer, List<RecordBatch>> e : byBroker.entrySet()) {
            List<RecordBatch> a = ref.getValue();
            List<RecordBatch> b = e.getValue();
            int n = Math.min(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                RecordBatch x = a.get(i);
                RecordBatch y = b.get(i);
                if (!x.buffer().equals(y.buffer())) {
                    fail(what + ": batch " + i + " differs between broker-" + ref.getKey() + " (" + describe(x) + ", records "
                            + firstValues(x) + ") and broker-" + e.getKey() + " (" + describe(y) + ", records " + firstValues(y) + ")"
                            + (x.baseOffset() == y.baseOffset() && x.sizeInBytes() == y.sizeInBytes()
                            && x.checksum() == y.checksum() ? " (only header fields outside the CRC differ)" : ""));
                }
            }
            if (a.size() != b.size()) {
                fail(what + ": broker-" + ref.getKey() + " has " + a.size() + " batches, broker-" + e.getKey() + " " + b.size()
                        + (a.size() > b.size() ? "; first extra on broker-" + ref.getKey() + ": " + describe(a.get(n))
                        : "; first extra on broker-" + e.getKey() + ": " + describe(b.get(n))));
            }
        }
    }

    static String describe(RecordBatch b) {
        return "batch [" + b.baseOffset() + ".." + b.lastOffset() + "] epoch " + b.partitionLeaderEpoch() + " " + b.sizeInBytes()
                + " bytes crc " + b.checksum();
    }

    private static String firstValues(RecordBatch b) {
        try {
            List<Record> rs = b.records();
            List<String> vs = new ArrayList<>();
            for (int i = 0; i < Math.min(3, rs.size()); i++) {
                vs.add(rs.get(i).offset() + "=" + (rs.get(i).hasValue() ? new String(rs.get(i).valueBytes(), StandardCharsets.UTF_8) : "null"));
            }
            return vs + (rs.size() > 3 ? "..." : "");
        } catch (RuntimeException e) {
            return "(undecodable: " + e.getMessage() + ")";
        }
    }
}

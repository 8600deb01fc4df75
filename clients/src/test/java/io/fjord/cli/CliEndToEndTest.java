package io.fjord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.testing.FakeCluster;
import io.fjord.proto.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliEndToEndTest {
    @TempDir
    java.nio.file.Path work;

    private FakeCluster cluster;
    private String bootstrap;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        bootstrap = cluster.bootstrap();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private CliRun ok(String stdin, String... args) {
        CliRun r = CliRun.withStdin(stdin, args);
        assertEquals(0, r.exitCode(), r.toString());
        return r;
    }

    @Test
    void topicsLifecycle() {
        CliRun created = ok("", "topics", "create", "t1", "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=1000", "cleanup.policy=delete", "--bootstrap", bootstrap);
        assertEquals("Created topic t1." + System.lineSeparator(), created.out());
        ok("", "topics", "create", "t0", "--bootstrap", bootstrap);
        assertEquals(List.of("t0", "t1"), ok("", "topics", "list", "--bootstrap", bootstrap).out().lines().toList());

        List<String> lines = ok("", "topics", "describe", "t1", "--bootstrap", bootstrap).out().lines().toList();
        assertEquals(List.of(
                "Topic: t1\tTopicId: id-t1\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=delete,retention.ms=1000",
                "\tTopic: t1\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tLeaderEpoch: 0\tHighWatermark: 0",
                "\tTopic: t1\tPartition: 1\tLeader: 2\tReplicas: 2\tIsr: 2\tLeaderEpoch: 0\tHighWatermark: 0",
                "\tTopic: t1\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tLeaderEpoch: 0\tHighWatermark: 0"), lines);
        assertEquals(6, ok("", "topics", "describe", "--bootstrap", bootstrap).out().lines().count(), "all topics");

        assertEquals("Topic t1 now has 4 partitions." + System.lineSeparator(),
                ok("", "topics", "alter", "t1", "--partitions", "4", "--bootstrap", bootstrap).out());

        CliRun again = CliRun.run("topics", "create", "t1", "--partitions", "1", "--bootstrap", bootstrap);
        assertEquals(1, again.exitCode());
        assertTrue(again.err().startsWith("error: Create topic 't1' failed with TOPIC_ALREADY_EXISTS"), again.toString());
        assertEquals(1, again.err().lines().count());

        assertEquals("Deleted topic t1." + System.lineSeparator(), ok("", "topics", "delete", "t1", "--bootstrap", bootstrap).out());
        CliRun missing = CliRun.run("topics", "describe", "t1", "--bootstrap", bootstrap);
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("'t1'") && missing.err().contains("does not exist"), missing.toString());
    }

    @Test
    void produceThenConsumeWithKeysAndOffsets() {
        cluster.createTopic("t", 1);
        CliRun produced = ok("a\tapple\nb\tbanana\nc\tcherry\n", "produce", "--topic", "t", "--parse-key",
                "--bootstrap", bootstrap);
        assertEquals("", produced.out() + produced.err(), "silent on success");
        ok("plain value\n", "produce", "--topic", "t", "--bootstrap", bootstrap);
        ok("k:v:w\n", "produce", "--topic", "t", "--parse-key", "--key-separator", ":", "--bootstrap", bootstrap);

        CliRun consumed = ok("", "consume", "--topic", "t", "--from-beginning", "--max-messages", "5", "--print-key",
                "--print-offset", "--bootstrap", bootstrap);
        assertEquals(List.of("0:0\ta\tapple", "0:1\tb\tbanana", "0:2\tc\tcherry", "0:3\tnull\tplain value", "0:4\tk\tv:w"),
                consumed.out().lines().toList());
        assertEquals("Processed a total of 5 messages" + System.lineSeparator(), consumed.err());

        CliRun values = ok("", "consume", "--topic", "t", "--partition", "0", "--offset", "3", "--timeout-ms", "300",
                "--bootstrap", bootstrap);
        assertEquals(List.of("plain value", "v:w"), values.out().lines().toList());
        assertEquals("Processed a total of 2 messages" + System.lineSeparator(), values.err(),
                "a timeout before --max-messages is not an error");

        CliRun latest = ok("", "consume", "--topic", "t", "--timeout-ms", "200", "--bootstrap", bootstrap);
        assertEquals("", latest.out(), "starts at the end by default");
    }

    @Test
    void producerFailuresAreCountedAndMissingTopicsAreErrors() {
        cluster.createTopic("t", 1);
        cluster.failNextProduces("t", 0, ErrorCode.INVALID_RECORD);
        CliRun failed = CliRun.withStdin("one\n", "produce", "--topic", "t", "--producer-props", "linger.ms=0",
                "--bootstrap", bootstrap);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertTrue(failed.err().startsWith("error: 1 of 1 records failed: Produce to t-0 failed with INVALID_RECORD"),
                failed.toString());

        CliRun noSeparator = CliRun.withStdin("k\tv\nnokey\n", "produce", "--topic", "t", "--parse-key", "--bootstrap", bootstrap);
        assertEquals(1, noSeparator.exitCode());
        assertTrue(noSeparator.err().contains("1 of 2 records failed: line 2 has no key separator '\\t'"), noSeparator.toString());

        for (String cmd : List.of("produce", "consume")) {
            CliRun r = CliRun.run(cmd, "--topic", "nope", "--bootstrap", bootstrap);
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals("error: topic 'nope' does not exist. Create it with 'fjord topics create nope', or check the name"
                    + " with 'fjord topics list'." + System.lineSeparator(), r.err());
        }
        CliRun badPartition = CliRun.run("consume", "--topic", "t", "--partition", "7", "--bootstrap", bootstrap);
        assertEquals(1, badPartition.exitCode());
        assertTrue(badPartition.err().contains("partition 7 does not exist"), badPartition.toString());

        CliRun badConfig = CliRun.withStdin("x\n", "produce", "--topic", "t", "--producer-props", "lingr.ms=1",
                "--bootstrap", bootstrap);
        assertEquals(1, badConfig.exitCode());
        assertTrue(badConfig.err().startsWith("error: Unknown producer config 'lingr.ms'"), badConfig.toString());
    }

    @Test
    void perfProduceAndConsumePrintKafkasFigures() throws Exception {
        cluster.createTopic("bench", 2);
        CliRun produced = ok("", "perf", "produce", "--topic", "bench", "--num-records", "2000", "--record-size", "100",
                "--throughput", "-1", "--producer-props", "acks=1", "linger.ms=1", "--bootstrap", bootstrap);
        String last = produced.out().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("2000 records sent, \\d+\\.\\d{6} records/sec \\(\\d+\\.\\d{2} MB/sec\\), \\d+\\.\\d{2} ms avg"
                + " latency, \\d+\\.\\d{2} ms max latency, \\d+ ms 50th, \\d+ ms 95th, \\d+ ms 99th, \\d+ ms 99\\.9th\\."), last);
        assertEquals(2000, cluster.logEndOffset("bench", 0) + cluster.logEndOffset("bench", 1));
        assertTrue(produced.out().contains("compression.type=none: 0.2 MB of record values went out as 0.2 MB of record batches ("
                + ""), produced.out());


        CliRun consumed = ok("", "perf", "consume", "--topic", "bench", "--messages", "2000", "--bootstrap", bootstrap);
        List<String> lines = consumed.out().lines().toList();
        assertEquals("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,"
                + " fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", lines.get(0));
        assertTrue(lines.get(1).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3}, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3},"
                + " 0\\.1907, \\d+\\.\\d{4}, 2000, \\d+\\.\\d{4}, 0, \\d+, \\d+\\.\\d{4}, \\d+\\.\\d{4}"), lines.get(1));
        assertEquals("", consumed.err());

        CliRun shortRead = ok("", "perf", "consume", "--topic", "bench", "--messages", "5000", "--timeout-ms", "200",
                "--bootstrap", bootstrap);
        assertTrue(shortRead.err().startsWith("WARNING: Exiting before consuming the expected number of messages"),
                shortRead.toString());
        assertTrue(shortRead.out().lines().toList().get(1).contains(", 2000, "), shortRead.toString());

        cluster.createTopic("bench-gz", 1);
        java.nio.file.Path payloads = work.resolve("payloads.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            text.append("{\"user\":\"user-").append(i).append("\",\"action\":\"click\",\"page\":\"/products/").append(i * 7)
                    .append("\",\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}\n");
        }
        java.nio.file.Files.writeString(payloads, text.toString());
        CliRun gzip = ok("", "perf", "produce", "--topic", "bench-gz", "--num-records", "2000", "--payload-file", payloads.toString(),
                "--producer-props", "compression.type=gzip", "--bootstrap", bootstrap);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("compression.type=gzip: [\\d.]+ MB of record values went out as"
                + " [\\d.]+ MB of record batches \\((\\d+\\.\\d)% saved\\)").matcher(gzip.out());
        assertTrue(m.find(), gzip.out());
        assertTrue(Double.parseDouble(m.group(1)) > 50, "gzip saves most of repetitive JSON: " + m.group());
    }
}

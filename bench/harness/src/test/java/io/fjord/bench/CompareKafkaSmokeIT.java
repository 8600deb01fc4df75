package io.fjord.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seconds-long run of bench/compare-kafka so it cannot rot: real Kafka and real Fjord clusters
 * (1 controller + 3 brokers each), every workload with tiny sizes, one failover run of each kind,
 * the table written to a temp file instead of docs/BENCHMARKS.md. Every process it starts is stopped
 * by the clusters' close() (SIGTERM, then SIGKILL).
 */
class CompareKafkaSmokeIT {
    private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9,]*(\\.[0-9]+)?");

    @Test
    void bothSystemsFillEveryRowOfTheTable(@TempDir Path tmp) throws Exception {
        Path root = Path.of(System.getProperty("fjord.root", "../..")).toAbsolutePath().normalize();
        Path out = tmp.resolve("BENCHMARKS.md");
        Files.writeString(out, "# Benchmarks\n\nbefore\n\n" + Report.BEGIN + "\nold\n" + Report.END + "\n\nafter\n");
        Options o = Options.parse("--root", root.toString(), "--out", out.toString(), "--work", tmp.resolve("work").toString(),
                "--seconds", "1", "--warmup-seconds", "0", "--max-records", "5000", "--e2e-rate", "500", "--consume-passes", "2",
                "--failover-runs", "1", "--failover-kill-at-ms", "1000", "--failover-after-ms", "1000",
                "--controllers", "1", "--failover-controllers", "1",
                // shorter Kafka broker sessions than the 9 s default, so the smoke's broker kill resolves quickly
                "--kafka-config", "broker.session.timeout.ms=3000", "--kafka-config", "broker.heartbeat.interval.ms=500");
        o.command = "(smoke test)";
        long start = System.nanoTime();
        String md = CompareKafka.run(o);
        System.out.println("smoke run took " + (System.nanoTime() - start) / 1_000_000 + " ms\n" + md);

        String written = Files.readString(out);
        assertTrue(written.startsWith("# Benchmarks\n\nbefore\n\n"), written);
        assertTrue(written.endsWith("\n\nafter\n"), written);
        assertTrue(written.contains(md), "the report sits between the markers");
        assertEquals(1, count(written, "<!-- compare-kafka: begin"));
        assertEquals(1, count(written, Report.END));

        List<String> rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| workload")).toList();
        for (String expected : List.of("records/s", "MiB/s", "latency avg, ms", "latency p50, ms", "latency p99, ms",
                "latency p99.9, ms", "resident memory idle after start", "peak resident memory", "CPU s per GiB produced, 100 B",
                "CPU s per GiB produced, 1 KiB", "longest ack gap, median of runs", "acknowledged records lost",
                "duplicates read back")) {
            assertTrue(rows.stream().anyMatch(r -> r.contains(expected)), "a row for " + expected + " in\n" + md);
        }
        // 2 sizes x (6 unthrottled + 5 fixed-rate + 2 consume) + 4 e2e + 3 memory + 2 CPU + 2 x 5 failover
        assertEquals(2 * 13 + 4 + 3 + 2 + 10, rows.size(), md);
        for (String r : rows) {
            String[] cells = r.split("\\|");
            // "", workload, metric, kafka, fjord, ratio
            assertTrue(NUMBER.matcher(cells[3].trim()).matches(), "Kafka figure in: " + r);
            assertTrue(NUMBER.matcher(cells[4].trim()).matches(), "Fjord figure in: " + r);
        }
        assertTrue(md.contains("Kafka 4.3.1"), md);
        assertTrue(md.contains("Machine: "), md);
        assertTrue(md.contains("Command: `(smoke test)`"), md);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}

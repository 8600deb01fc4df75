package io.fjord.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The comparison as markdown, and writing it between the markers of docs/BENCHMARKS.md. */
final class Report {
    private Report() {}

    static final String BEGIN = "<!-- compare-kafka: begin (written by bench/compare-kafka; edits inside are overwritten) -->";
    static final String BEGIN_PREFIX = "<!-- compare-kafka: begin";
    static final String END = "<!-- compare-kafka: end -->";

    /** One row: what, and the two systems' figures. */
    record Row(String workload, String metric, double kafka, double fjord) {}

    static String markdown(Options o, Machine m, CompareKafka.SystemResults k, CompareKafka.SystemResults f,
                           Map<Integer, Double> rates, double wallSeconds, Instant when) {
        List<Row> rows = rows(o, k, f, rates);
        StringBuilder sb = new StringBuilder();
        sb.append("Run ").append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(when))
                .append(", ").append(Math.round(wallSeconds / 60.0 * 10) / 10.0).append(" min in all, ").append(Machine.commit(o.root))
                .append(".\n\n");
        sb.append("- Machine: ").append(m.cores()).append(" cores (").append(m.cpuModel()).append("), ")
                .append(Math.round(m.memGiB())).append(" GiB RAM, ").append(m.kernel()).append(", ").append(m.javaVersion()).append(".\n");
        sb.append("- Command: `").append(o.command).append("`\n");
        sb.append("- Systems: ").append(k.system).append(" (KRaft, jars from Maven Central via `bench/kafka-dist`) and ")
                .append(f.system).append(" (`deploy/target/fjord`, started with `fjord cluster up`), one after the other; load average when each started: Kafka ")
                .append(k.loadAtStart).append(", Fjord ").append(f.loadAtStart).append(".\n");
        sb.append("- Topology: ").append(plural(o.controllers, "controller")).append(" + ").append(o.brokers)
                .append(" brokers, each its own JVM, on 127.0.0.1; the failover probe on ")
                .append(o.failoverControllers == o.controllers ? "the same cluster" : "a fresh cluster of "
                        + plural(o.failoverControllers, "controller") + " + " + o.brokers + " brokers").append(". Kafka JVMs: ").append(k.jvm).append(". Fjord JVMs: ")
                .append(f.jvm).append(".\n");
        sb.append("- Started as: Kafka, per node `java <heap> <GC flags> -cp 'bench/kafka-dist/target/kafka/lib/*' kafka.Kafka server.properties`")
                .append(" after `kafka.tools.StorageTool format -t <id> -c server.properties` (static quorum `controller.quorum.voters`,")
                .append(" Kafka's defaults otherwise, internal topics RF 3").append(o.kafkaConfig.isEmpty() ? "" : ", plus `" + String.join(" ", o.kafkaConfig) + "`")
                .append("); Fjord, `java -cp 'deploy/target/fjord/lib/*' io.fjord.deploy.Fjord cluster up --controllers N --brokers 3 --dir DIR`")
                .append(" (what `./fjord cluster up` runs; Fjord's defaults")
                .append(o.fjordBrokerConfig.isEmpty() ? "" : ", plus broker settings `" + String.join(" ", o.fjordBrokerConfig) + "`")
                .append(o.fjordControllerConfig.isEmpty() ? "" : ", plus controller settings `" + String.join(" ", o.fjordControllerConfig) + "`")
                .append("). Node configs and logs stay in `").append(o.work).append("`.\n");
        sb.append("- Workloads: topics of ").append(CompareKafka.PARTITIONS).append(" partitions, RF ").append(CompareKafka.RF)
                .append(", `min.insync.replicas=2`; producer `acks=all linger.ms=5 batch.size=65536` (idempotent, as both clients default), ")
                .append(fmtSeconds(o.seconds)).append(" per produce phase after a ").append(fmtSeconds(o.warmupSeconds))
                .append(" warm-up")
                .append(o.maxRecords == Long.MAX_VALUE ? "" : " (at most " + o.maxRecords + " records a phase)")
                .append("; both driven by the same harness code through each system's own Java client, one client JVM.\n");
        sb.append("\n| workload | metric | ").append(k.system).append(" | ").append(f.system).append(" | Fjord/Kafka |\n");
        sb.append("|---|---|---:|---:|---:|\n");
        String last = null;
        for (Row r : rows) {
            sb.append("| ").append(r.workload().equals(last) ? "" : r.workload()).append(" | ").append(r.metric()).append(" | ")
                    .append(num(r.kafka())).append(" | ").append(num(r.fjord())).append(" | ").append(ratio(r.kafka(), r.fjord()))
                    .append(" |\n");
            last = r.workload();
        }
        sb.append("\nHigher is better for records/s and MiB/s; lower for latency, memory, CPU, gaps, lost and duplicates. ")
                .append("Latency unthrottled is from `send()` to the acknowledgement (at saturation mostly time queued in the ")
                .append("producer's 32 MiB buffer); at a fixed rate and end to end it is from the record's scheduled send time ")
                .append("(time blocked or behind schedule counts). CPU is user + system time of the 3 broker processes ")
                .append("(/proc/PID/stat) during the unthrottled phase, per GiB of record values acknowledged. The longest ack gap ")
                .append("is the longest time between two consecutive acknowledgements around the kill of a probe that sends one ")
                .append("100 B record every ").append(o.intervalMs).append(" ms (`acks=all`, idempotent, `linger.ms=0`) to a ")
                .append("1-partition RF 3 topic; SIGKILL at ").append(fmtSeconds(o.killAtMs / 1000.0)).append(", ")
                .append(fmtSeconds(o.afterMs / 1000.0)).append(" more sending, then the victim is restarted and the topic read back.\n\n");
        if (o.consumePasses > 1) {
            sb.append("Consumer passes, MiB/s in order (each pass one new consumer reading every partition from the beginning ")
                    .append("to the end offsets seen at its start, in the same client JVM):\n\n");
            for (CompareKafka.SystemResults s : List.of(k, f)) {
                List<String> sizes = new ArrayList<>();
                s.consumePasses.forEach((size, passes) -> sizes.add(size(size) + ": "
                        + String.join(", ", passes.stream().map(c -> num(c.mibPerSec())).toList())));
                sb.append("- ").append(s.system).append(": ").append(String.join("; ", sizes)).append('\n');
            }
            sb.append('\n');
        }
        sb.append("Failover runs, longest ack gap in ms (victim):\n\n");
        for (CompareKafka.SystemResults s : List.of(k, f)) {
            sb.append("- ").append(s.system).append(", partition leader's broker: ").append(runs(s.brokerFailovers))
                    .append("; active controller: ").append(runs(s.controllerFailovers)).append('\n');
        }
        return sb.toString();
    }

    private static String runs(List<Workloads.FailoverRun> rs) {
        if (rs.isEmpty()) {
            return "not run";
        }
        List<String> out = new ArrayList<>();
        for (Workloads.FailoverRun r : rs) {
            out.add(num(r.gapMs()) + " (" + r.victim() + (r.failed() > 0 ? ", " + r.failed() + " failed" : "") + ")");
        }
        return String.join(", ", out);
    }

    static List<Row> rows(Options o, CompareKafka.SystemResults k, CompareKafka.SystemResults f, Map<Integer, Double> rates) {
        List<Row> rows = new ArrayList<>();
        for (int size : o.sizes) {
            String w = "produce " + size(size) + ", unthrottled";
            produceRows(rows, w, k.unthrottled.get(size), f.unthrottled.get(size), true);
        }
        for (int size : o.sizes) {
            String w = "produce " + size(size) + " at " + num(rates.get(size)) + " records/s (" + fraction(o.fixedRateFraction)
                    + " Kafka's max)";
            produceRows(rows, w, k.fixed.get(size), f.fixed.get(size), false);
        }
        for (int size : o.sizes) {
            String w = "consume the " + size(size) + " records back" + (o.consumePasses > 1
                    ? ", median of " + o.consumePasses + " passes" : "");
            rows.add(new Row(w, "records/s", k.consume.get(size).recordsPerSec(), f.consume.get(size).recordsPerSec()));
            rows.add(new Row(w, "MiB/s", k.consume.get(size).mibPerSec(), f.consume.get(size).mibPerSec()));
        }
        String e2e = "end to end (send to consumer), 100 B at " + num(o.e2eRate) + " records/s";
        latencyRows(rows, e2e, k.e2e.latency(), f.e2e.latency());
        String br = "broker process (each of 3)";
        rows.add(new Row(br, "resident memory idle after start, MiB (mean)", k.idleRssMiB, f.idleRssMiB));
        rows.add(new Row(br, "resident memory after the workloads, MiB (mean)", k.endRssMiB, f.endRssMiB));
        rows.add(new Row(br, "peak resident memory, MiB (max)", k.peakRssMiB, f.peakRssMiB));
        for (int size : o.sizes) {
            rows.add(new Row(br, "CPU s per GiB produced, " + size(size) + " unthrottled (3 brokers)", k.cpuSecondsPerGiB.get(size),
                    f.cpuSecondsPerGiB.get(size)));
        }
        failoverRows(rows, "SIGKILL the partition leader's broker, " + plural(o.failoverRuns, "run"), k.brokerFailovers, f.brokerFailovers);
        failoverRows(rows, "SIGKILL the active controller, " + plural(o.failoverRuns, "run"), k.controllerFailovers, f.controllerFailovers);
        return rows;
    }

    private static void produceRows(List<Row> rows, String w, Workloads.ProduceResult k, Workloads.ProduceResult f, boolean mib) {
        rows.add(new Row(w, "records/s", k.recordsPerSec(), f.recordsPerSec()));
        if (mib) {
            rows.add(new Row(w, "MiB/s", k.mibPerSec(), f.mibPerSec()));
        }
        latencyRows(rows, w, k.latency(), f.latency());
    }

    private static void latencyRows(List<Row> rows, String w, Histogram k, Histogram f) {
        rows.add(new Row(w, "latency avg, ms", k.avgMs(), f.avgMs()));
        rows.add(new Row(w, "latency p50, ms", k.percentileMs(0.50), f.percentileMs(0.50)));
        rows.add(new Row(w, "latency p99, ms", k.percentileMs(0.99), f.percentileMs(0.99)));
        rows.add(new Row(w, "latency p99.9, ms", k.percentileMs(0.999), f.percentileMs(0.999)));
    }

    private static void failoverRows(List<Row> rows, String w, List<Workloads.FailoverRun> k, List<Workloads.FailoverRun> f) {
        if (k.isEmpty() && f.isEmpty()) {
            return;
        }
        rows.add(new Row(w, "longest ack gap, median of runs, ms", median(k, Workloads.FailoverRun::gapMs), median(f, Workloads.FailoverRun::gapMs)));
        rows.add(new Row(w, "longest ack gap, worst run, ms", max(k, Workloads.FailoverRun::gapMs), max(f, Workloads.FailoverRun::gapMs)));
        rows.add(new Row(w, "acknowledged records lost, all runs", sum(k, Workloads.FailoverRun::lost), sum(f, Workloads.FailoverRun::lost)));
        rows.add(new Row(w, "duplicates read back, all runs", sum(k, Workloads.FailoverRun::duplicates), sum(f, Workloads.FailoverRun::duplicates)));
        rows.add(new Row(w, "sends failed, all runs", sum(k, Workloads.FailoverRun::failed), sum(f, Workloads.FailoverRun::failed)));
    }

    static double median(List<Workloads.FailoverRun> rs, ToDoubleFunction<Workloads.FailoverRun> v) {
        double[] xs = rs.stream().mapToDouble(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (xs.length == 0) {
            return Double.NaN;
        }
        return xs.length % 2 == 1 ? xs[xs.length / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    }

    static double max(List<Workloads.FailoverRun> rs, ToDoubleFunction<Workloads.FailoverRun> v) {
        return rs.stream().mapToDouble(v).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    static double sum(List<Workloads.FailoverRun> rs, ToDoubleFunction<Workloads.FailoverRun> v) {
        return rs.isEmpty() ? Double.NaN : rs.stream().mapToDouble(v).sum();
    }

    static String plural(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    static String size(int bytes) {
        return bytes % 1024 == 0 ? (bytes / 1024) + " KiB" : bytes + " B";
    }

    private static String fraction(double f) {
        return f == 0.5 ? "half" : num(f) + " x";
    }

    private static String fmtSeconds(double s) {
        return (s == Math.rint(s) ? String.valueOf((long) s) : num(s)) + " s";
    }

    /** 12,345 / 123 / 12.3 / 1.23 / 0.12; "n/a" for NaN. */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String ratio(double kafka, double fjord) {
        if (Double.isNaN(kafka) || Double.isNaN(fjord)) {
            return "n/a";
        }
        if (kafka == 0) {
            return fjord == 0 ? "=" : "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", fjord / kafka);
    }

    /** Replaces what is between the markers of {@code file} with {@code md}; appends a section with the markers if absent. */
    static void writeInto(Path file, String md) throws IOException {
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        int b = text.indexOf(BEGIN_PREFIX);
        int e = text.indexOf(END);
        String updated;
        if (b >= 0 && e > b) {
            updated = text.substring(0, b) + BEGIN + "\n" + md + END + text.substring(e + END.length());
        } else {
            updated = text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n")
                    + "\n## Fjord vs Kafka, side by side (`bench/compare-kafka`)\n\n" + BEGIN + "\n" + md + END + "\n";
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, updated, StandardCharsets.UTF_8);
    }
}

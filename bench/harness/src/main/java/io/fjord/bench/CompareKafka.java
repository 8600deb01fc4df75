package io.fjord.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code bench/compare-kafka}: Apache Kafka and Fjord side by side on this machine. For each system in
 * turn (Kafka first: its unthrottled rates set the fixed rates for both) it starts a cluster of
 * {@code --controllers} controllers and 3 brokers, each its own JVM, runs
 * <ol>
 *   <li>a warm-up (unthrottled 100 B records),</li>
 *   <li>per record size: an unthrottled producer (throughput, latency, broker CPU per GiB), a producer at
 *       a fixed rate of half Kafka's maximum (latency), and one consumer reading all of it back,</li>
 *   <li>an end-to-end latency probe at a fixed rate,</li>
 *   <li>broker memory (resident now, and peak since start),</li>
 *   <li>on a cluster of {@code --failover-controllers} controllers and 3 brokers: the failover probe,
 *       SIGKILL of the partition leader's broker and of the active controller, {@code --failover-runs} each,</li>
 * </ol>
 * then stops it and deletes its data; finally it writes the table into {@code --out}. Topics: 6
 * partitions (1 for the failover probe), RF 3, min.insync.replicas=2; producers acks=all,
 * linger.ms=5, batch.size=65536, everything else at each client's defaults.
 */
public final class CompareKafka {
    private CompareKafka() {}

    static final Map<String, String> TOPIC_CONFIG = Map.of("min.insync.replicas", "2");
    static final int PARTITIONS = 6;
    static final int RF = 3;

    /** Everything measured on one system. */
    static final class SystemResults {
        String system;
        String jvm;
        String loadAtStart;
        double startSeconds;
        final Map<Integer, Workloads.ProduceResult> unthrottled = new LinkedHashMap<>();
        final Map<Integer, Workloads.ProduceResult> fixed = new LinkedHashMap<>();
        final Map<Integer, Workloads.ConsumeResult> consume = new LinkedHashMap<>();
        final Map<Integer, List<Workloads.ConsumeResult>> consumePasses = new LinkedHashMap<>();
        final Map<Integer, Double> cpuSecondsPerGiB = new LinkedHashMap<>();
        Workloads.E2eResult e2e;
        double idleRssMiB = Double.NaN;
        double endRssMiB = Double.NaN;
        double peakRssMiB = Double.NaN;
        final List<Workloads.FailoverRun> brokerFailovers = new ArrayList<>();
        final List<Workloads.FailoverRun> controllerFailovers = new ArrayList<>();
        double wallSeconds;
    }

    private static final List<BenchCluster> OPEN = new CopyOnWriteArrayList<>();

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(Options.USAGE);
            return;
        }
        // Ctrl-C / SIGTERM: stop whatever cluster is running
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e);
            }
        }), "bench-cleanup"));
        try {
            String md = run(o);
            if (o.out == null) {
                System.out.println(md);
            }
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    /** Runs the whole comparison; returns the generated markdown (also written into {@code o.out} unless null). */
    static String run(Options o) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(o.work);
        if (System.getProperty("bench.client.log") == null) {
            System.setProperty("bench.client.log", o.work.resolve("clients.log").toString());
        }
        Path kafkaLib = o.root.resolve("bench/kafka-dist/target/kafka/lib");
        Path fjordLib = o.root.resolve("deploy/target/fjord/lib");
        Machine machine = Machine.describe(o.work);
        Bench.log("compare-kafka: " + machine.oneLine() + "; work dir " + o.work);
        double load1 = Double.parseDouble(Machine.loadAverage().split(" ")[0].replace("unknown", "0"));
        if (load1 > machine.cores() / 2.0) {
            Bench.log("warning: the machine is busy (load average " + Machine.loadAverage() + " on " + machine.cores()
                    + " cores): the figures will say more about the other work than about Kafka or Fjord");
        }
        if (machine.diskFreeGiB() < 20 && o.seconds >= 10) {
            Bench.log("warning: only " + Math.round(machine.diskFreeGiB()) + " GiB free under " + o.work
                    + "; a full run writes up to ~15 GiB per system");
        }

        SystemResults kafka = runSystem(o, "kafka", (dir, controllers) -> new KafkaCluster(kafkaLib, dir, controllers, o.brokers,
                o.brokerHeap, o.controllerHeap, o.kafkaConfig), null);
        Map<Integer, Double> rates = new LinkedHashMap<>();
        for (int size : o.sizes) {
            rates.put(size, fixedRate(o, kafka.unthrottled.get(size)));
        }
        SystemResults fjord = runSystem(o, "fjord", (dir, controllers) -> new FjordCluster(fjordLib, dir, controllers, o.brokers,
                fjordNodeJavaOpts(o), o.fjordBrokerConfig, o.fjordControllerConfig), rates);

        double wall = (System.nanoTime() - t0) / 1e9;
        String md = Report.markdown(o, machine, kafka, fjord, rates, wall, Instant.now());
        if (o.out != null) {
            Report.writeInto(o.out, md);
            Bench.log("wrote the comparison into " + o.out);
        }
        Files.writeString(o.work.resolve("last-report.md"), md);
        Bench.log("done in " + Math.round(wall) + " s; also in " + o.work.resolve("last-report.md"));
        return md;
    }

    static double fixedRate(Options o, Workloads.ProduceResult kafkaUnthrottled) {
        double r = o.fixedRateFraction * kafkaUnthrottled.recordsPerSec();
        if (!(r > 0)) {
            throw new IllegalStateException("Kafka's unthrottled phase acknowledged nothing; no fixed rate to run at");
        }
        return Math.max(1, Math.round(r));
    }

    /**
     * Fjord's launcher sets -Xmx1g for brokers and -Xmx512m for controllers and appends
     * FJORD_NODE_JAVA_OPTS to both: a different --broker-heap can only be applied to both kinds.
     */
    static String fjordNodeJavaOpts(Options o) {
        List<String> opts = new ArrayList<>();
        String inherited = System.getenv("FJORD_NODE_JAVA_OPTS");
        if (inherited != null && !inherited.isBlank()) {
            opts.add(inherited.trim());
        }
        if (!o.brokerHeap.equals("-Xmx1g") || !o.controllerHeap.equals("-Xmx512m")) {
            Bench.log("note: Fjord's launcher gives brokers -Xmx1g and controllers -Xmx512m; FJORD_NODE_JAVA_OPTS=" + o.brokerHeap
                    + " applies to both kinds");
            opts.add(o.brokerHeap);
        }
        return String.join(" ", opts);
    }

    interface ClusterFactory {
        BenchCluster create(Path dir, int controllers);
    }

    private static SystemResults runSystem(Options o, String key, ClusterFactory factory, Map<Integer, Double> fixedRates) throws Exception {
        long t0 = System.nanoTime();
        SystemResults r = new SystemResults();
        r.loadAtStart = Machine.loadAverage();
        Path perfDir = o.work.resolve(key + "-perf");
        Bench.deleteTree(perfDir);
        BenchCluster cluster = factory.create(perfDir, o.controllers);
        OPEN.add(cluster);
        try {
            long s = System.nanoTime();
            cluster.start();
            r.startSeconds = (System.nanoTime() - s) / 1e9;
            r.system = cluster.system();
            r.jvm = cluster.jvmDescription();
            Bench.log(r.system + ": " + Report.plural(o.controllers, "controller") + " + " + o.brokers + " brokers up in " + Math.round(r.startSeconds)
                    + " s; bootstrap " + cluster.bootstrap());
            Bench.sleep(2000);
            r.idleRssMiB = meanRssMiB(cluster);
            Driver d = cluster.driver();
            if (o.warmupSeconds > 0) {
                d.createTopic("warmup", PARTITIONS, RF, TOPIC_CONFIG, Duration.ofSeconds(90));
                Workloads.ProduceResult w = Workloads.produce(d, "warmup", 100, -1, o.warmupSeconds, o.maxRecords, producerConfigs());
                Bench.log(r.system + ": warm-up " + fmt(w.recordsPerSec()) + " records/s");
            }
            for (int size : o.sizes) {
                String topic = "perf-" + size;
                d.createTopic(topic, PARTITIONS, RF, TOPIC_CONFIG, Duration.ofSeconds(90));
                double cpu0 = brokerCpuSeconds(cluster);
                Workloads.ProduceResult u = Workloads.produce(d, topic, size, -1, o.seconds, o.maxRecords, producerConfigs());
                double cpu1 = brokerCpuSeconds(cluster);
                r.unthrottled.put(size, u);
                r.cpuSecondsPerGiB.put(size, u.bytes() > 0 ? (cpu1 - cpu0) / (u.bytes() / Workloads.GIB) : Double.NaN);
                Bench.log(r.system + ": produce " + size + " B unthrottled: " + describe(u) + "; broker CPU " + fmt(cpu1 - cpu0) + " s");
                double rate = fixedRates == null ? fixedRate(o, u) : fixedRates.get(size);
                Workloads.ProduceResult f = Workloads.produce(d, topic, size, rate, o.seconds, o.maxRecords, producerConfigs());
                r.fixed.put(size, f);
                Bench.log(r.system + ": produce " + size + " B at " + fmt(rate) + "/s: " + describe(f));
                List<Workloads.ConsumeResult> passes = new ArrayList<>();
                for (int pass = 1; pass <= o.consumePasses; pass++) {
                    Workloads.ConsumeResult c = Workloads.consumeAll(d, topic);
                    passes.add(c);
                    Bench.log(r.system + ": consume " + size + " B, pass " + pass + ": " + c.records() + " of " + c.expected()
                            + " records, " + fmt(c.recordsPerSec()) + " records/s, " + fmt(c.mibPerSec()) + " MiB/s");
                }
                r.consume.put(size, Workloads.ConsumeResult.median(passes));
                r.consumePasses.put(size, passes);
            }
            d.createTopic("e2e", PARTITIONS, RF, TOPIC_CONFIG, Duration.ofSeconds(90));
            r.e2e = Workloads.endToEnd(d, "e2e", 100, o.e2eRate, o.seconds, producerConfigs());
            Bench.log(r.system + ": end to end at " + fmt(o.e2eRate) + "/s: " + r.e2e.seen() + " of " + r.e2e.acked() + " seen, p50 "
                    + fmt(r.e2e.latency().percentileMs(0.5)) + " ms, p99 " + fmt(r.e2e.latency().percentileMs(0.99)) + " ms");
            r.endRssMiB = meanRssMiB(cluster);
            r.peakRssMiB = maxPeakRssMiB(cluster);
            Bench.log(r.system + ": broker RSS idle " + fmt(r.idleRssMiB) + " MiB, after the workloads " + fmt(r.endRssMiB)
                    + " MiB (mean), peak " + fmt(r.peakRssMiB) + " MiB (max)");

            if (o.failoverRuns > 0) {
                if (o.failoverControllers != o.controllers) {
                    closeCluster(cluster, o);
                    Path foDir = o.work.resolve(key + "-failover");
                    Bench.deleteTree(foDir);
                    cluster = factory.create(foDir, o.failoverControllers);
                    OPEN.add(cluster);
                    cluster.start();
                    Bench.log(r.system + ": failover cluster up (" + o.failoverControllers + " controllers + " + o.brokers + " brokers)");
                }
                for (String kind : List.of("broker", "controller")) {
                    for (int run = 1; run <= o.failoverRuns; run++) {
                        Workloads.FailoverRun fr = Workloads.failover(cluster, kind, run, o.killAtMs, o.afterMs, o.intervalMs);
                        (kind.equals("broker") ? r.brokerFailovers : r.controllerFailovers).add(fr);
                        Bench.log(r.system + ": failover " + kind + " run " + run + ": SIGKILL " + fr.victim() + " at " + fmt(fr.killAtMs())
                                + " ms; longest ack gap " + fmt(fr.gapMs()) + " ms; acked " + fr.acked() + "/" + fr.sent() + ", failed "
                                + fr.failed() + ", lost " + fr.lost() + ", duplicates " + fr.duplicates()
                                + (fr.firstError() == null ? "" : "; first error: " + fr.firstError()));
                    }
                }
            }
        } finally {
            closeCluster(cluster, o);
        }
        r.wallSeconds = (System.nanoTime() - t0) / 1e9;
        return r;
    }

    private static void closeCluster(BenchCluster cluster, Options o) {
        try {
            cluster.close();
        } finally {
            OPEN.remove(cluster);
        }
    }

    static Map<String, Object> producerConfigs() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("client.id", "bench-producer");
        c.put("acks", "all");
        c.put("linger.ms", "5");
        c.put("batch.size", "65536");
        return c;
    }

    private static double brokerCpuSeconds(BenchCluster c) {
        double sum = 0;
        for (String b : c.brokers()) {
            sum += ProcStats.sample(c.pid(b)).cpuSeconds();
        }
        return sum;
    }

    private static double meanRssMiB(BenchCluster c) {
        double sum = 0;
        for (String b : c.brokers()) {
            sum += ProcStats.sample(c.pid(b)).rssKb() / 1024.0;
        }
        return sum / c.brokers().size();
    }

    private static double maxPeakRssMiB(BenchCluster c) {
        double max = 0;
        for (String b : c.brokers()) {
            max = Math.max(max, ProcStats.sample(c.pid(b)).hwmKb() / 1024.0);
        }
        return max;
    }

    private static String describe(Workloads.ProduceResult p) {
        Histogram h = p.latency();
        return p.acked() + " records acked" + (p.failed() > 0 ? " (" + p.failed() + " failed: " + p.firstError() + ")" : "") + ", "
                + fmt(p.recordsPerSec()) + " records/s, " + fmt(p.mibPerSec()) + " MiB/s, latency avg " + fmt(h.avgMs()) + " p50 "
                + fmt(h.percentileMs(0.5)) + " p99 " + fmt(h.percentileMs(0.99)) + " p99.9 " + fmt(h.percentileMs(0.999)) + " ms";
    }

    static String fmt(double v) {
        return Report.num(v);
    }
}

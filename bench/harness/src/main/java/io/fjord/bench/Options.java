package io.fjord.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of {@code bench/compare-kafka} (io.fjord.bench.CompareKafka). */
final class Options {
    static final String USAGE = """
            Usage: bench/compare-kafka [options]

            Starts Apache Kafka (KRaft) and then Fjord with the same topology on this machine, runs the same
            workloads against each through its own Java client, and writes one table (Kafka, Fjord, Fjord/Kafka)
            between the compare-kafka markers of docs/BENCHMARKS.md.

              --out FILE                 where the table goes (default docs/BENCHMARKS.md; '-' prints it only)
              --work DIR                 cluster data and logs (default bench/harness/target/compare-kafka)
              --seconds S                length of each produce phase and of the e2e probe (default 30)
              --warmup-seconds S         unthrottled 100 B produce before measuring, per system (default 10)
              --max-records N            upper bound on records per produce phase (default: none)
              --record-sizes B,B         record sizes (default 100,1024)
              --fixed-rate-fraction F    the fixed-rate phases run at F x Kafka's unthrottled records/s (default 0.5)
              --consume-passes N         times the consumer reads each topic back; the table has the median pass
                                         (default 3: the first pass also warms the consumer's JIT)
              --e2e-rate R               records/s of the end-to-end probe, 100 B records (default 5000)
              --failover-runs N          runs per failover kind (default 5)
              --failover-kill-at-ms MS   when the victim is SIGKILLed (default 5000)
              --failover-after-ms MS     how long sending goes on after the kill (default 15000)
              --failover-interval-ms MS  spacing of the probe's records (default 5)
              --controllers N            controllers of the throughput cluster (default 1)
              --failover-controllers N   controllers of the failover cluster (default 3, so killing the active
                                         controller is a failover; the same as --controllers reuses one cluster)
              --broker-heap OPTS         heap of every broker JVM, both systems (default -Xmx1g, Fjord's launcher's)
              --controller-heap OPTS     heap of every controller JVM (default -Xmx512m, Fjord's launcher's)
              --kafka-config k=v         extra server property for every Kafka node (repeatable)
              --fjord-broker-config k=v  extra broker setting for Fjord (repeatable)
              --fjord-controller-config k=v  extra controller setting for Fjord (repeatable)
              --keep-data                keep the clusters' data directories
              -h, --help                 this text
            """;

    Path root = Path.of(System.getProperty("fjord.root", ".")).toAbsolutePath().normalize();
    Path out;
    Path work;
    double seconds = 30;
    double warmupSeconds = 10;
    long maxRecords = Long.MAX_VALUE;
    List<Integer> sizes = List.of(100, 1024);
    double fixedRateFraction = 0.5;
    int consumePasses = 3;
    double e2eRate = 5000;
    int failoverRuns = 5;
    long killAtMs = 5000;
    long afterMs = 15000;
    int intervalMs = 5;
    int controllers = 1;
    int failoverControllers = 3;
    int brokers = 3;
    String brokerHeap = "-Xmx1g";
    String controllerHeap = "-Xmx512m";
    List<String> kafkaConfig = new ArrayList<>();
    List<String> fjordBrokerConfig = new ArrayList<>();
    List<String> fjordControllerConfig = new ArrayList<>();
    boolean keepData;
    boolean help;
    /** The command as the user typed it, for the report. */
    String command = System.getProperty("bench.command", "bench/compare-kafka");

    static Options parse(String... args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--root" -> o.root = Path.of(value(args, ++i, a)).toAbsolutePath().normalize();
                case "--out" -> o.out = value(args, ++i, a).equals("-") ? null : Path.of(value(args, i, a)).toAbsolutePath();
                case "--work" -> o.work = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--seconds" -> o.seconds = positive(value(args, ++i, a), a);
                case "--warmup-seconds" -> o.warmupSeconds = nonNegative(value(args, ++i, a), a);
                case "--max-records" -> o.maxRecords = (long) positive(value(args, ++i, a), a);
                case "--record-sizes" -> o.sizes = Workloads.sizes(value(args, ++i, a));
                case "--fixed-rate-fraction" -> o.fixedRateFraction = positive(value(args, ++i, a), a);
                case "--consume-passes" -> o.consumePasses = (int) positive(value(args, ++i, a), a);
                case "--e2e-rate" -> o.e2eRate = positive(value(args, ++i, a), a);
                case "--failover-runs" -> o.failoverRuns = (int) nonNegative(value(args, ++i, a), a);
                case "--failover-kill-at-ms" -> o.killAtMs = (long) positive(value(args, ++i, a), a);
                case "--failover-after-ms" -> o.afterMs = (long) positive(value(args, ++i, a), a);
                case "--failover-interval-ms" -> o.intervalMs = (int) positive(value(args, ++i, a), a);
                case "--controllers" -> o.controllers = odd(value(args, ++i, a), a);
                case "--failover-controllers" -> o.failoverControllers = odd(value(args, ++i, a), a);
                case "--broker-heap" -> o.brokerHeap = value(args, ++i, a);
                case "--controller-heap" -> o.controllerHeap = value(args, ++i, a);
                case "--kafka-config" -> o.kafkaConfig.add(keyValue(value(args, ++i, a), a));
                case "--fjord-broker-config" -> o.fjordBrokerConfig.add(keyValue(value(args, ++i, a), a));
                case "--fjord-controller-config" -> o.fjordControllerConfig.add(keyValue(value(args, ++i, a), a));
                case "--keep-data" -> o.keepData = true;
                default -> throw new IllegalArgumentException("unknown option '" + a + "' (see --help)");
            }
        }
        if (o.out == null && !List.of(args).contains("--out")) {
            o.out = o.root.resolve("docs").resolve("BENCHMARKS.md");
        }
        if (o.work == null) {
            o.work = o.root.resolve("bench").resolve("harness").resolve("target").resolve("compare-kafka");
        }
        if (o.sizes.isEmpty()) {
            throw new IllegalArgumentException("--record-sizes needs at least one size");
        }
        return o;
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[i];
    }

    private static double positive(String v, String opt) {
        double d = number(v, opt);
        if (d <= 0) {
            throw new IllegalArgumentException(opt + " must be positive, got " + v);
        }
        return d;
    }

    private static double nonNegative(String v, String opt) {
        double d = number(v, opt);
        if (d < 0) {
            throw new IllegalArgumentException(opt + " must not be negative, got " + v);
        }
        return d;
    }

    private static double number(String v, String opt) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + opt + ": expected a number");
        }
    }

    private static int odd(String v, String opt) {
        int n = (int) positive(v, opt);
        if (n % 2 == 0 || n > 5) {
            throw new IllegalArgumentException(opt + " must be 1, 3 or 5, got " + v);
        }
        return n;
    }

    private static String keyValue(String kv, String opt) {
        if (kv.indexOf('=') <= 0) {
            throw new IllegalArgumentException("invalid value '" + kv + "' for " + opt + ": expected key=value");
        }
        return kv;
    }
}

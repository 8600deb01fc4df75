package io.fjord.bench;

import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumRequest;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Fjord as its users run it: the distribution in deploy/target/fjord (what {@code ./fjord} runs), driven
 * through {@code fjord cluster up|start|down --dir DIR} in a JVM of its own, so the nodes run with the
 * distribution's classpath and the launcher's own JVM options (brokers {@code -Xmx1g}, controllers
 * {@code -Xmx512m}, plus {@code FJORD_NODE_JAVA_OPTS}). Kills are SIGKILLs of the pid in each node's pid file.
 */
final class FjordCluster implements BenchCluster {
    private final Path distLib;
    private final Path dir;
    private final int controllerCount;
    private final int brokerCount;
    private final String nodeJavaOpts;
    private final List<String> brokerConfig;
    private final List<String> controllerConfig;
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
    private Properties layout;
    private FjordDriver driver;
    private String version;

    FjordCluster(Path distLib, Path dir, int controllers, int brokers, String nodeJavaOpts, List<String> brokerConfig,
                 List<String> controllerConfig) {
        this.distLib = distLib;
        this.dir = dir;
        this.controllerCount = controllers;
        this.brokerCount = brokers;
        this.nodeJavaOpts = nodeJavaOpts == null ? "" : nodeJavaOpts.trim();
        this.brokerConfig = brokerConfig;
        this.controllerConfig = controllerConfig;
    }

    static String versionOf(Path distLib) throws IOException {
        try (var s = Files.list(distLib)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("fjord-deploy-") && n.endsWith(".jar"))
                    .map(n -> n.substring("fjord-deploy-".length(), n.length() - 4)).findFirst()
                    .orElseThrow(() -> new IOException("no fjord-deploy-*.jar in " + distLib));
        }
    }

    @Override
    public String system() {
        return "Fjord " + version;
    }

    private Bench.Result cli(long timeoutMs, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Bench.java(), "-Xmx256m", "-Dfjord.log.level=WARN", "-cp", distLib + "/*",
                "io.fjord.deploy.Fjord", "cluster"));
        cmd.addAll(List.of(args));
        cmd.add("--dir");
        cmd.add(dir.toString());
        Map<String, String> env = new HashMap<>();
        if (!nodeJavaOpts.isEmpty()) {
            env.put("FJORD_NODE_JAVA_OPTS", nodeJavaOpts);
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("bench-cli.log"), "$ fjord cluster " + String.join(" ", args) + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            return Bench.run(cmd, env, dir.resolve("bench-cli.log"), timeoutMs);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run fjord cluster " + String.join(" ", args) + ": " + e, e);
        }
    }

    @Override
    public void start() throws Exception {
        if (!Files.isDirectory(distLib)) {
            throw new IllegalStateException("no Fjord distribution in " + distLib + ": build it with `mvn -q install -pl deploy -am -DskipTests`"
                    + " (bench/compare-kafka does)");
        }
        version = versionOf(distLib);
        List<String> args = new ArrayList<>(List.of("up", "--controllers", String.valueOf(controllerCount), "--brokers",
                String.valueOf(brokerCount), "--timeout-ms", "180000"));
        for (String kv : brokerConfig) {
            args.add("--broker-config");
            args.add(kv);
        }
        for (String kv : controllerConfig) {
            args.add("--controller-config");
            args.add(kv);
        }
        Bench.Result r = cli(240_000, args.toArray(String[]::new));
        if (r.exit() != 0) {
            throw new IllegalStateException("fjord cluster up failed (exit " + r.exit() + "):\n" + r.output() + "\n" + logs());
        }
        Properties p = new Properties();
        try (Reader rd = Files.newBufferedReader(dir.resolve("cluster.properties"), StandardCharsets.UTF_8)) {
            p.load(rd);
        }
        layout = p;
        driver = new FjordDriver(bootstrap());
    }

    @Override
    public String jvmDescription() {
        return "as `fjord cluster up` starts them: brokers `-Xmx1g`, controllers `-Xmx512m`, with Kafka's GC flags (G1, MaxGCPauseMillis=20, IHOP 35), brokers also `-XX:G1HeapRegionSize=4m`"
                + (nodeJavaOpts.isEmpty() ? "" : ", plus FJORD_NODE_JAVA_OPTS=`" + nodeJavaOpts + "`");
    }

    @Override
    public String bootstrap() {
        List<String> s = new ArrayList<>();
        for (int i = 1; i <= brokerCount; i++) {
            s.add("127.0.0.1:" + layout.getProperty("broker." + i + ".port"));
        }
        return String.join(",", s);
    }

    @Override
    public List<String> brokers() {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= brokerCount; i++) {
            out.add("broker-" + i);
        }
        return out;
    }

    private Optional<ProcessHandle> handle(String node) {
        Path pidFile = dir.resolve(node).resolve("pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            String marker = dir.resolve(node).resolve("node.properties").toString();
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public long pid(String node) {
        return handle(node).orElseThrow(() -> new IllegalStateException("Fjord " + node + " is not running")).pid();
    }

    @Override
    public String activeController() {
        for (int i = 1; i <= controllerCount; i++) {
            try {
                DescribeQuorumResponse q = ControllerServiceGrpc.newBlockingStub(channel(i)).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .describeQuorum(DescribeQuorumRequest.getDefaultInstance());
                if (q.getLeaderId() >= 0) {
                    return "controller-" + q.getLeaderId();
                }
            } catch (RuntimeException e) {
                // try the next controller
            }
        }
        throw new IllegalStateException("Fjord: no controller leads");
    }

    private ManagedChannel channel(int controller) {
        return channels.computeIfAbsent(controller, c -> NettyChannelBuilder
                .forAddress("127.0.0.1", Integer.parseInt(layout.getProperty("controller." + c + ".api.port"))).usePlaintext().build());
    }

    @Override
    public void kill(String node) {
        handle(node).ifPresent(Bench::killAndWait);
    }

    @Override
    public void restart(String node) {
        Bench.Result r = cli(120_000, "start", node);
        if (r.exit() != 0) {
            throw new IllegalStateException("fjord cluster start " + node + " failed:\n" + r.output());
        }
    }

    @Override
    public void awaitHealthy(Duration timeout) {
        // `up` on an existing cluster starts nothing that runs and waits until it is healthy
        Bench.Result r = cli(timeout.toMillis() + 60_000, "up", "--timeout-ms", String.valueOf(timeout.toMillis()));
        if (r.exit() != 0) {
            throw new IllegalStateException("Fjord cluster not healthy: " + r.output() + "\n" + logs());
        }
    }

    private String logs() {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path node : (Iterable<Path>) s.filter(Files::isDirectory).sorted()::iterator) {
                Path log = node.resolve("out.log");
                if (Files.exists(log)) {
                    sb.append("---- ").append(node.getFileName()).append('\n').append(Bench.tail(log, 20)).append('\n');
                }
            }
        } catch (IOException e) {
            sb.append("(cannot list ").append(dir).append(": ").append(e.getMessage()).append(')');
        }
        return sb.toString();
    }

    @Override
    public Driver driver() {
        return driver;
    }

    @Override
    public void close() {
        if (driver != null) {
            try {
                driver.close();
            } catch (RuntimeException e) {
                Bench.log("warning: closing the Fjord admin client: " + e);
            }
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (Files.exists(dir.resolve("cluster.properties"))) {
            try {
                Bench.Result r = cli(180_000, "down");
                if (r.exit() != 0) {
                    Bench.log("warning: fjord cluster down: " + r.output());
                }
            } catch (RuntimeException e) {
                Bench.log("warning: fjord cluster down: " + e.getMessage());
            }
            // whatever is still running (down timed out, or pid files were replaced): SIGKILL
            for (int i = 1; i <= brokerCount; i++) {
                handle("broker-" + i).ifPresent(Bench::killAndWait);
            }
            for (int i = 1; i <= controllerCount; i++) {
                handle("controller-" + i).ifPresent(Bench::killAndWait);
            }
            for (int i = 1; i <= brokerCount; i++) {
                Bench.deleteTree(dir.resolve("broker-" + i).resolve("data"));
            }
            for (int i = 1; i <= controllerCount; i++) {
                Bench.deleteTree(dir.resolve("controller-" + i).resolve("data"));
            }
        }
    }
}

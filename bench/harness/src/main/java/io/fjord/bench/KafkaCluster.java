package io.fjord.bench;

import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka in KRaft mode, from the jars of bench/kafka-dist: {@code controllers} controller JVMs
 * (node ids 101..) with a static quorum ({@code controller.quorum.voters}) and {@code brokers} broker
 * JVMs (node ids 1..), all on 127.0.0.1 with free ports, storage formatted with
 * {@code kafka.tools.StorageTool format}, each node started as {@code java ... kafka.Kafka server.properties}
 * with the JVM flags of Kafka's own start scripts.
 */
final class KafkaCluster implements BenchCluster {
    /** KAFKA_JVM_PERFORMANCE_OPTS of Kafka's bin/kafka-run-class.sh. */
    static final List<String> KAFKA_JVM_PERFORMANCE_OPTS = List.of("-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15",
            "-Djava.awt.headless=true");

    private final Path lib;
    private final Path dir;
    private final int controllerCount;
    private final int brokerCount;
    private final List<String> brokerHeap;
    private final List<String> controllerHeap;
    private final List<String> extraConfig;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private KafkaDriver driver;
    private String version;

    private static final class Node {
        final String name;
        final int nodeId;
        final boolean controller;
        final int port;
        final Path home;
        volatile Process process;

        Node(String name, int nodeId, boolean controller, int port, Path home) {
            this.name = name;
            this.nodeId = nodeId;
            this.controller = controller;
            this.port = port;
            this.home = home;
        }

        Path config() {
            return home.resolve("server.properties");
        }
    }

    KafkaCluster(Path lib, Path dir, int controllers, int brokers, String brokerHeap, String controllerHeap, List<String> extraConfig) {
        this.lib = lib;
        this.dir = dir;
        this.controllerCount = controllers;
        this.brokerCount = brokers;
        this.brokerHeap = List.of(brokerHeap.trim().split("\\s+"));
        this.controllerHeap = List.of(controllerHeap.trim().split("\\s+"));
        this.extraConfig = extraConfig;
    }

    /** The Kafka version of the jars in {@code lib} (from kafka_2.13-VERSION.jar). */
    static String versionOf(Path lib) throws IOException {
        try (var s = Files.list(lib)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("kafka_2.13-") && n.endsWith(".jar"))
                    .map(n -> n.substring("kafka_2.13-".length(), n.length() - 4)).findFirst()
                    .orElseThrow(() -> new IOException("no kafka_2.13-*.jar in " + lib));
        }
    }

    @Override
    public String system() {
        return "Kafka " + version;
    }

    @Override
    public void start() throws Exception {
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("no Kafka jars in " + lib + ": build them with `mvn -q install -pl bench/harness -am -DskipTests`"
                    + " (bench/compare-kafka does)");
        }
        version = versionOf(lib);
        Files.createDirectories(dir);
        int[] ports = Bench.freePorts(controllerCount + brokerCount);
        for (int i = 1; i <= controllerCount; i++) {
            String name = "controller-" + i;
            nodes.put(name, new Node(name, 100 + i, true, ports[i - 1], dir.resolve(name)));
        }
        for (int i = 1; i <= brokerCount; i++) {
            String name = "broker-" + i;
            nodes.put(name, new Node(name, i, false, ports[controllerCount + i - 1], dir.resolve(name)));
        }
        writeLogConfigs();
        List<String> voters = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.controller) {
                voters.add(n.nodeId + "@127.0.0.1:" + n.port);
            }
        }
        int rf = Math.min(3, brokerCount);
        int minIsr = rf < 2 ? 1 : 2;
        for (Node n : nodes.values()) {
            Files.createDirectories(n.home.resolve("logs"));
            Properties p = new Properties();
            p.setProperty("node.id", String.valueOf(n.nodeId));
            p.setProperty("controller.quorum.voters", String.join(",", voters));
            p.setProperty("controller.listener.names", "CONTROLLER");
            p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            p.setProperty("log.dirs", n.home.resolve("data").toString());
            if (n.controller) {
                p.setProperty("process.roles", "controller");
                p.setProperty("listeners", "CONTROLLER://127.0.0.1:" + n.port);
            } else {
                p.setProperty("process.roles", "broker");
                p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + n.port);
                p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + n.port);
                p.setProperty("inter.broker.listener.name", "PLAINTEXT");
                // as Kafka's shipped config/server.properties for a 3-broker cluster
                p.setProperty("offsets.topic.replication.factor", String.valueOf(rf));
                p.setProperty("transaction.state.log.replication.factor", String.valueOf(rf));
                p.setProperty("transaction.state.log.min.isr", String.valueOf(minIsr));
                p.setProperty("share.coordinator.state.topic.replication.factor", String.valueOf(rf));
                p.setProperty("share.coordinator.state.topic.min.isr", String.valueOf(minIsr));
                p.setProperty("group.initial.rebalance.delay.ms", "0");
            }
            for (String kv : extraConfig) {
                int eq = kv.indexOf('=');
                p.setProperty(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
            try (Writer w = Files.newBufferedWriter(n.config(), StandardCharsets.UTF_8)) {
                p.store(w, n.name + " of the bench Kafka cluster");
            }
        }
        format();
        for (Node n : nodes.values()) {
            startNode(n);
        }
        driver = new KafkaDriver(bootstrap());
        awaitHealthy(Duration.ofSeconds(180));
    }

    private void writeLogConfigs() throws IOException {
        Files.writeString(dir.resolve("log4j2-server.properties"), String.join("\n",
                "status = warn",
                "appender.file.type = File",
                "appender.file.name = FILE",
                "appender.file.fileName = ${sys:kafka.logs.dir}/server.log",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = FILE",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = WARN", ""), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("log4j2-tools.properties"), String.join("\n",
                "status = warn",
                "appender.err.type = Console",
                "appender.err.name = STDERR",
                "appender.err.target = SYSTEM_ERR",
                "appender.err.layout.type = PatternLayout",
                "appender.err.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.err.ref = STDERR", ""), StandardCharsets.UTF_8);
    }

    /** kafka.tools.StorageTool format for every node, in parallel. */
    private void format() throws Exception {
        String clusterId = Uuid.randomUuid().toString();
        Files.writeString(dir.resolve("cluster-id"), clusterId + "\n");
        List<Process> ps = new ArrayList<>();
        List<Node> ns = new ArrayList<>(nodes.values());
        for (Node n : ns) {
            List<String> cmd = new ArrayList<>(List.of(Bench.java(), "-Xmx256m",
                    "-Dlog4j2.configurationFile=" + dir.resolve("log4j2-tools.properties"),
                    "-cp", lib + "/*", "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", n.config().toString()));
            ps.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(n.home.resolve("format.log").toFile()).start());
        }
        for (int i = 0; i < ps.size(); i++) {
            Process p = ps.get(i);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("Kafka storage format of " + ns.get(i).name + " failed:\n"
                        + Bench.tail(ns.get(i).home.resolve("format.log"), 30));
            }
        }
    }

    private void startNode(Node n) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Bench.java());
        cmd.addAll(n.controller ? controllerHeap : brokerHeap);
        cmd.addAll(KAFKA_JVM_PERFORMANCE_OPTS);
        cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2-server.properties"));
        cmd.add("-Dkafka.logs.dir=" + n.home.resolve("logs"));
        cmd.add("-cp");
        cmd.add(lib + "/*");
        cmd.add("kafka.Kafka");
        cmd.add(n.config().toString());
        n.process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.home.resolve("stdout.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Files.writeString(n.home.resolve("pid"), n.process.pid() + "\n");
    }

    @Override
    public String jvmDescription() {
        return "brokers `" + String.join(" ", brokerHeap) + " " + String.join(" ", KAFKA_JVM_PERFORMANCE_OPTS) + "`, controllers `"
                + String.join(" ", controllerHeap) + "` (same GC flags)";
    }

    @Override
    public String bootstrap() {
        List<String> s = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (!n.controller) {
                s.add("127.0.0.1:" + n.port);
            }
        }
        return String.join(",", s);
    }

    @Override
    public List<String> brokers() {
        return nodes.values().stream().filter(n -> !n.controller).map(n -> n.name).toList();
    }

    private Node node(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in the Kafka cluster; nodes: " + nodes.keySet());
        }
        return n;
    }

    @Override
    public long pid(String name) {
        Process p = node(name).process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("Kafka " + name + " is not running");
        }
        return p.pid();
    }

    @Override
    public String activeController() {
        int id = quorum().leaderId();
        for (Node n : nodes.values()) {
            if (n.controller && n.nodeId == id) {
                return n.name;
            }
        }
        throw new IllegalStateException("Kafka: no controller leads (leader id " + id + ")");
    }

    private QuorumInfo quorum() {
        try {
            return driver.admin().describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka: describeMetadataQuorum failed: " + e, e);
        }
    }

    @Override
    public void kill(String name) {
        Process p = node(name).process;
        if (p != null) {
            Bench.killAndWait(p.toHandle());
        }
    }

    @Override
    public void restart(String name) {
        Node n = node(name);
        if (n.process != null && n.process.isAlive()) {
            return;
        }
        try {
            startNode(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Kafka " + name + ": " + e, e);
        }
    }

    @Override
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "";
        while (System.nanoTime() < deadline) {
            for (Node n : nodes.values()) {
                if (n.process == null || !n.process.isAlive()) {
                    throw new IllegalStateException("Kafka " + n.name + " exited; last lines of its log:\n" + logTail(n));
                }
            }
            problem = healthProblem();
            if (problem.isEmpty()) {
                return;
            }
            Bench.sleep(250);
        }
        StringBuilder logs = new StringBuilder();
        nodes.values().forEach(n -> logs.append("---- ").append(n.name).append('\n').append(logTail(n)).append('\n'));
        throw new IllegalStateException("Kafka cluster not healthy within " + timeout.toSeconds() + " s: " + problem + "\n" + logs);
    }

    private String healthProblem() {
        try {
            int alive = driver.admin().describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
            if (alive < brokerCount) {
                return alive + " of " + brokerCount + " brokers registered and unfenced";
            }
            QuorumInfo q = driver.admin().describeMetadataQuorum().quorumInfo().get(5, TimeUnit.SECONDS);
            if (q.leaderId() < 0) {
                return "no controller leads";
            }
            long now = System.currentTimeMillis();
            for (QuorumInfo.ReplicaState v : q.voters()) {
                if (v.replicaId() != q.leaderId() && (v.lastCaughtUpTimestamp().isEmpty() || now - v.lastCaughtUpTimestamp().getAsLong() > 5000)) {
                    return "controller " + v.replicaId() + " has not caught up with the metadata log";
                }
            }
            if (q.voters().size() != controllerCount) {
                return q.voters().size() + " voters instead of " + controllerCount;
            }
            return "";
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String logTail(Node n) {
        Path server = n.home.resolve("logs").resolve("server.log");
        return Bench.tail(Files.exists(server) ? server : n.home.resolve("stdout.log"), 20);
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
                Bench.log("warning: closing the Kafka admin client: " + e);
            }
        }
        // brokers first (controlled shutdown needs the controller), then the controllers
        stopAll(false);
        stopAll(true);
        for (Node n : nodes.values()) {
            Bench.deleteTree(n.home.resolve("data"));
        }
    }

    private void stopAll(boolean controllers) {
        List<ProcessHandle> hs = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.controller == controllers && n.process != null && n.process.isAlive()) {
                hs.add(n.process.toHandle());
                n.process.destroy();
            }
        }
        for (ProcessHandle h : hs) {
            Bench.stopAndWait(h, 30_000);
        }
    }
}

package io.fjord.deploy.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts, signals and finds the processes of a local cluster's nodes. Each node runs detached
 * ({@code setsid}) so it outlives the {@code fjord cluster} command, writes its own pid file, and is
 * recognised by its command line naming its node.properties, so a reused pid is never mistaken for it.
 */
final class NodeProcesses {
    private final ClusterLayout layout;

    NodeProcesses(ClusterLayout layout) {
        this.layout = layout;
    }

    Optional<ProcessHandle> running(ClusterLayout.Node n) {
        Path pidFile = layout.nodeDir(n).resolve("pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        String marker = layout.nodeDir(n).resolve("node.properties").toString();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(ph -> ph.info().arguments().map(args -> List.of(args).contains(marker)).orElse(true));
    }

    /**
     * The GC settings Kafka's start scripts give its servers (KAFKA_JVM_PERFORMANCE_OPTS): G1 aiming
     * at 20 ms pauses. With the JVM's default 200 ms target, a collection on a leader or follower
     * shows up directly in acks=all tail latency.
     */
    static final List<String> SERVER_JVM_FLAGS = List.of("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15");

    /**
     * G1 regions of 4 MiB for brokers. A broker allocates a buffer per partition it reads for a fetch
     * (up to max.partition.fetch.bytes, 1 MiB) and receives produce requests of about a batch per
     * partition; with a 1 GiB heap G1 picks 1 MiB regions, which makes every buffer of 512 KiB or more
     * a humongous allocation (outside the TLABs, in old-generation regions, each one pushing toward a
     * concurrent cycle). With 4 MiB regions they are ordinary young objects. Measured on a 1 controller
     * + 3 broker loopback cluster, two rounds each: broker CPU for 2 M records of 1 KiB produced 58-61 s
     * against 62-71 s, and for reading them back 11-26 % less (docs/BENCHMARKS.md).
     */
    static final List<String> BROKER_JVM_FLAGS = List.of("-XX:G1HeapRegionSize=4m");

    void start(ClusterLayout.Node n) throws IOException {
        if (running(n).isPresent()) {
            return;
        }
        Path nodeDir = layout.nodeDir(n);
        Files.deleteIfExists(nodeDir.resolve("pid"));
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(n.kind() == ClusterLayout.Kind.CONTROLLER ? "-Xmx512m" : "-Xmx1g");
        cmd.addAll(SERVER_JVM_FLAGS);
        if (n.kind() == ClusterLayout.Kind.BROKER) {
            cmd.addAll(BROKER_JVM_FLAGS);
        }
        String extra = System.getenv("FJORD_NODE_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-Dfjord.log.level=INFO");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.fjord.deploy.Fjord");
        cmd.add(n.kind() == ClusterLayout.Kind.CONTROLLER ? "controller" : "broker");
        cmd.add("--config");
        cmd.add(nodeDir.resolve("node.properties").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir.resolve("out.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("FJORD_PID_FILE", nodeDir.resolve("pid").toString());
        Process p = pb.start();
        // setsid execs the JVM in place when the caller is not a group leader, so this pid is the
        // JVM's; the JVM also writes it to the pid file itself.
        Files.writeString(nodeDir.resolve("pid"), p.pid() + "\n", StandardCharsets.UTF_8);
    }

    /** SIGKILL, then wait for the process to be gone. */
    boolean kill(ClusterLayout.Node n) {
        Optional<ProcessHandle> ph = running(n);
        ph.ifPresent(ProcessHandle::destroyForcibly);
        ph.ifPresent(h -> waitGone(h, Duration.ofSeconds(10)));
        return ph.isPresent();
    }

    /** SIGTERM (a clean shutdown), waiting up to {@code timeout}; SIGKILL after that. */
    boolean stop(ClusterLayout.Node n, Duration timeout) {
        Optional<ProcessHandle> ph = running(n);
        if (ph.isEmpty()) {
            return false;
        }
        ph.get().destroy();
        if (!waitGone(ph.get(), timeout)) {
            ph.get().destroyForcibly();
            waitGone(ph.get(), Duration.ofSeconds(10));
        }
        return true;
    }

    private static boolean waitGone(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        }
    }

    String tail(ClusterLayout.Node n, int lines) {
        Path log = layout.nodeDir(n).resolve("out.log");
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}

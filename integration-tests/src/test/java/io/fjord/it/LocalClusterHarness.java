package io.fjord.it;

import io.fjord.deploy.cluster.ClusterCommand;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumRequest;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Drives a local cluster of separate processes through the real {@code fjord cluster} command
 * (io.fjord.deploy.cluster.ClusterCommand) in a temp directory, and asks its nodes over gRPC.
 */
final class LocalClusterHarness implements AutoCloseable {
    final Path dir;
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Pids this harness SIGSTOPped and has not SIGCONTed yet; close() resumes them before stopping the cluster. */
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();
    private Properties layout;

    LocalClusterHarness(Path dir) {
        this.dir = dir;
    }

    record Cli(int exit, String out, String err) {}

    Cli cluster(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--dir");
        all.add(dir.toString());
        int rc = ClusterCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Cli up(int controllers, int brokers) throws IOException {
        Cli c = cluster("up", "--controllers", String.valueOf(controllers), "--brokers", String.valueOf(brokers));
        if (c.exit() != 0) {
            throw new IllegalStateException("cluster up failed: " + c.err() + c.out() + "\n" + logs());
        }
        return c;
    }

    private Properties layout() throws IOException {
        if (layout == null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(dir.resolve("cluster.properties"))) {
                p.load(r);
            }
            layout = p;
        }
        return layout;
    }

    int controllerPort(int id) throws IOException {
        return Integer.parseInt(layout().getProperty("controller." + id + ".api.port"));
    }

    int brokerPort(int id) throws IOException {
        return Integer.parseInt(layout().getProperty("broker." + id + ".port"));
    }

    String bootstrap() throws IOException {
        int n = Integer.parseInt(layout().getProperty("brokers"));
        List<String> s = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            s.add("127.0.0.1:" + brokerPort(i));
        }
        return String.join(",", s);
    }

    private ManagedChannel channel(int port) {
        return channels.computeIfAbsent(port, p -> NettyChannelBuilder.forAddress("127.0.0.1", p).usePlaintext().build());
    }

    Optional<DescribeQuorumResponse> quorumFrom(int controllerId) {
        try {
            return Optional.of(ControllerServiceGrpc.newBlockingStub(channel(controllerPort(controllerId)))
                    .withDeadlineAfter(2, TimeUnit.SECONDS).describeQuorum(DescribeQuorumRequest.getDefaultInstance()));
        } catch (RuntimeException | IOException e) {
            return Optional.empty();
        }
    }

    /** The quorum as seen by any controller that knows a leader. */
    Optional<DescribeQuorumResponse> quorum() throws IOException {
        int n = Integer.parseInt(layout().getProperty("controllers"));
        for (int i = 1; i <= n; i++) {
            Optional<DescribeQuorumResponse> q = quorumFrom(i);
            if (q.isPresent() && q.get().getLeaderId() >= 0) {
                return q;
            }
        }
        return Optional.empty();
    }

    Optional<MetadataResponse> metadataFrom(int brokerId) {
        try {
            return Optional.of(BrokerServiceGrpc.newBlockingStub(channel(brokerPort(brokerId))).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .metadata(MetadataRequest.newBuilder().setAllTopics(true).build()));
        } catch (RuntimeException | IOException e) {
            return Optional.empty();
        }
    }

    /** The pid of a running node ({@code broker-2}), from its pid file, checked against the process's command line. */
    long pid(String node) throws IOException {
        Path nodeDir = dir.resolve(node);
        long pid = Long.parseLong(Files.readString(nodeDir.resolve("pid")).trim());
        String marker = nodeDir.resolve("node.properties").toString();
        ProcessHandle ph = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new IllegalStateException(node + " (pid " + pid + ") is not running"));
        if (!ph.info().arguments().map(a -> List.of(a).contains(marker)).orElse(true)) {
            throw new IllegalStateException("pid " + pid + " in " + nodeDir.resolve("pid") + " is not " + node);
        }
        return pid;
    }

    /**
     * SIGSTOP a node: every thread freezes (no heartbeats, no fetches; its sockets stay open) until
     * {@link #resume}. Returns once the kernel reports every thread of the process stopped.
     */
    void pause(String node) throws IOException {
        long pid = pid(node);
        paused.add(pid);
        signal(pid, "STOP");
        org.awaitility.Awaitility.await(node + " (pid " + pid + ") stopped").atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(10)).until(() -> allThreadsStopped(pid));
    }

    /** SIGCONT a node paused by {@link #pause}. */
    void resume(String node) throws IOException {
        long pid = pid(node);
        signal(pid, "CONT");
        paused.remove(pid);
    }

    /** SIGCONT every process this harness paused (harmless for those already resumed or gone). */
    void resumeAll() {
        for (Long pid : List.copyOf(paused)) {
            try {
                signal(pid, "CONT");
            } catch (RuntimeException | IOException e) {
                System.err.println("SIGCONT " + pid + " failed: " + e);
            }
            paused.remove(pid);
        }
    }

    private static boolean allThreadsStopped(long pid) throws IOException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return true; // gone
        }
        try (var s = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) s::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                char state = stat.substring(stat.lastIndexOf(')') + 1).trim().charAt(0);
                if (state != 'T' && state != 't') {
                    return false;
                }
            }
        }
        return true;
    }

    private static void signal(long pid, String sig) throws IOException {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kill -" + sig + " " + pid + " did not return within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + pid + " failed: "
                    + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    String logs() {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path node : (Iterable<Path>) s.filter(Files::isDirectory).sorted()::iterator) {
                Path log = node.resolve("out.log");
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    sb.append("---- ").append(node.getFileName()).append(" (last 30 lines)\n");
                    lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> sb.append(l).append('\n'));
                }
            }
        } catch (IOException e) {
            sb.append("(cannot read logs: ").append(e).append(")");
        }
        return sb.toString();
    }

    @Override
    public void close() {
        resumeAll();
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (Files.exists(dir.resolve("cluster.properties"))) {
            // Stop every process this test started, whatever happened.
            int n = 0;
            try {
                n = Integer.parseInt(layout().getProperty("brokers")) + Integer.parseInt(layout().getProperty("controllers"));
            } catch (IOException | RuntimeException ignored) {
                // fall through to down
            }
            Cli down = cluster("down");
            if (down.exit() != 0 && n > 0) {
                System.err.println("cluster down failed: " + down.err());
            }
        }
    }
}

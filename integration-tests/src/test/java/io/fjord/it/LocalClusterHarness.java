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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Drives a local cluster of separate processes through the real {@code fjord cluster} command
 * (io.fjord.deploy.cluster.ClusterCommand) in a temp directory, and asks its nodes over gRPC.
 */
final class LocalClusterHarness implements AutoCloseable {
    final Path dir;
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
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

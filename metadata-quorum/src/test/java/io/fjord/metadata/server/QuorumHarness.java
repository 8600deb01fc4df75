package io.fjord.metadata.server;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.image.MetadataImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import static org.awaitility.Awaitility.await;

/**
 * N controllers in this JVM on loopback, with fixed (pre-picked free) Raft and API ports so that a
 * restarted controller comes back at the same addresses, each with its own directory.
 */
public final class QuorumHarness implements AutoCloseable {
    static {
        // Ratis's shaded gRPC logs through java.util.logging; route it through logback-test.xml.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    private final Path root;
    private final int size;
    private final Map<String, String> extra;
    private final int[] raftPorts;
    private final int[] apiPorts;
    private final ControllerServer[] servers;

    public QuorumHarness(Path root, int size, Map<String, String> extra) {
        this.root = root;
        this.size = size;
        this.extra = extra;
        this.raftPorts = freePorts(size);
        this.apiPorts = freePorts(size);
        this.servers = new ControllerServer[size + 1];
    }

    private static int[] freePorts(int n) {
        int[] out = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                out[i] = s.getLocalPort();
            }
            for (ServerSocket s : held) {
                s.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public String voters() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 1; i <= size; i++) {
            j.add(i + "@127.0.0.1:" + raftPorts[i - 1]);
        }
        return j.toString();
    }

    public List<String> bootstrapServers() {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            out.add("127.0.0.1:" + apiPorts[i - 1]);
        }
        return out;
    }

    public String apiAddress(int id) {
        return "127.0.0.1:" + apiPorts[id - 1];
    }

    public Path dir(int id) {
        return root.resolve("controller-" + id);
    }

    public QuorumHarness startAll() {
        for (int i = 1; i <= size; i++) {
            start(i);
        }
        return this;
    }

    public ControllerServer start(int id) {
        Map<String, String> c = new HashMap<>();
        c.put("node.id", String.valueOf(id));
        c.put("controller.quorum.voters", voters());
        c.put("listeners", "CONTROLLER://127.0.0.1:" + apiPorts[id - 1]);
        c.put("metadata.log.dir", dir(id).toString());
        c.put("cluster.id", "test-cluster");
        c.putAll(extra);
        ControllerServer s = new ControllerServer(ControllerConfig.of(c), Time.SYSTEM);
        try {
            s.start();
        } catch (IOException e) {
            s.close();
            throw new UncheckedIOException(e);
        }
        servers[id] = s;
        return s;
    }

    public void stop(int id) {
        ControllerServer s = servers[id];
        servers[id] = null;
        if (s != null) {
            s.close();
        }
    }

    public ControllerServer server(int id) {
        return servers[id];
    }

    public List<ControllerServer> running() {
        List<ControllerServer> out = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            if (servers[i] != null) {
                out.add(servers[i]);
            }
        }
        return out;
    }

    /** Waits until exactly one running controller is active and every running one knows the quorum's API endpoints. */
    public ControllerServer awaitLeader(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> running().stream().filter(ControllerServer::isActive).count() == 1);
        ControllerServer leader = running().stream().filter(ControllerServer::isActive).findFirst().orElseThrow();
        await().atMost(timeout).until(() -> running().stream()
                .allMatch(s -> s.image().cluster().controllers().keySet().containsAll(
                        running().stream().map(ControllerServer::nodeId).toList())));
        return leader;
    }

    /** Waits until every running controller has applied the same image as {@code id}. */
    public MetadataImage awaitConverged(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<ControllerServer> r = running();
            MetadataImage first = r.get(0).image();
            return r.stream().allMatch(s -> s.image().equals(first));
        });
        return running().get(0).image();
    }

    @Override
    public void close() {
        // Close in parallel: each Ratis server takes up to ~3 s to close.
        List<Thread> closers = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ControllerServer s = servers[i];
            servers[i] = null;
            if (s != null) {
                Thread t = new Thread(s::close, "close-controller-" + i);
                t.start();
                closers.add(t);
            }
        }
        for (Thread t : closers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

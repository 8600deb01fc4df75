package io.fjord.deploy.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The on-disk description of a local cluster: how many controllers and brokers, their ports, and
 * where each node keeps its config, data, output and pid.
 *
 * <p>Format: {@code <dir>/cluster.properties} with {@code controllers}, {@code brokers},
 * {@code controller.N.raft.port}, {@code controller.N.api.port}, {@code broker.N.port}; one directory
 * per node, {@code <dir>/controller-N/} or {@code <dir>/broker-N/}, holding {@code node.properties},
 * {@code data/}, {@code out.log} and {@code pid}.
 */
final class ClusterLayout {
    static final String HOST = "127.0.0.1";

    enum Kind { CONTROLLER, BROKER }

    record Node(Kind kind, int id, int port, int raftPort) {
        String name() {
            return (kind == Kind.CONTROLLER ? "controller-" : "broker-") + id;
        }
    }

    final Path dir;
    final List<Node> controllers;
    final List<Node> brokers;

    private ClusterLayout(Path dir, List<Node> controllers, List<Node> brokers) {
        this.dir = dir;
        this.controllers = controllers;
        this.brokers = brokers;
    }

    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve("cluster.properties"));
    }

    /** A new layout with free loopback ports for every node. */
    static ClusterLayout create(Path dir, int controllerCount, int brokerCount, java.util.Map<String, String> brokerConfig,
                                java.util.Map<String, String> controllerConfig) throws IOException {
        List<Node> cs = new ArrayList<>();
        List<Node> bs = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 1; i <= controllerCount; i++) {
                cs.add(new Node(Kind.CONTROLLER, i, freePort(held), freePort(held)));
            }
            for (int i = 1; i <= brokerCount; i++) {
                bs.add(new Node(Kind.BROKER, i, freePort(held), -1));
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        ClusterLayout layout = new ClusterLayout(dir, cs, bs);
        layout.write(brokerConfig, controllerConfig);
        return layout;
    }

    /** Holds each port open until all are chosen, so no two nodes get the same one. */
    private static int freePort(List<ServerSocket> held) throws IOException {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST));
        held.add(s);
        return s.getLocalPort();
    }

    static ClusterLayout load(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("cluster.properties"), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        List<Node> cs = new ArrayList<>();
        List<Node> bs = new ArrayList<>();
        int c = Integer.parseInt(p.getProperty("controllers"));
        int b = Integer.parseInt(p.getProperty("brokers"));
        for (int i = 1; i <= c; i++) {
            cs.add(new Node(Kind.CONTROLLER, i, Integer.parseInt(p.getProperty("controller." + i + ".api.port")),
                    Integer.parseInt(p.getProperty("controller." + i + ".raft.port"))));
        }
        for (int i = 1; i <= b; i++) {
            bs.add(new Node(Kind.BROKER, i, Integer.parseInt(p.getProperty("broker." + i + ".port")), -1));
        }
        return new ClusterLayout(dir, cs, bs);
    }

    private void write(java.util.Map<String, String> brokerConfig, java.util.Map<String, String> controllerConfig) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("controllers", String.valueOf(controllers.size()));
        p.setProperty("brokers", String.valueOf(brokers.size()));
        for (Node n : controllers) {
            p.setProperty("controller." + n.id() + ".api.port", String.valueOf(n.port()));
            p.setProperty("controller." + n.id() + ".raft.port", String.valueOf(n.raftPort()));
        }
        for (Node n : brokers) {
            p.setProperty("broker." + n.id() + ".port", String.valueOf(n.port()));
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("cluster.properties"), StandardCharsets.UTF_8)) {
            p.store(w, "Fjord local cluster (fjord cluster up)");
        }
        for (Node n : all()) {
            Path nodeDir = nodeDir(n);
            Files.createDirectories(nodeDir.resolve("data"));
            Properties np = new Properties();
            np.setProperty("node.id", String.valueOf(n.id()));
            if (n.kind() == Kind.CONTROLLER) {
                np.setProperty("process.roles", "controller");
                np.setProperty("controller.quorum.voters", voters());
                np.setProperty("listeners", "CONTROLLER://" + HOST + ":" + n.port());
                np.setProperty("metadata.log.dir", nodeDir.resolve("data").toString());
                np.setProperty("default.replication.factor", String.valueOf(Math.min(3, brokers.size())));
            } else {
                np.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + n.port());
                np.setProperty("log.dirs", nodeDir.resolve("data").toString());
                np.setProperty("controller.quorum.bootstrap.servers", controllerApiServers());
            }
            (n.kind() == Kind.CONTROLLER ? controllerConfig : brokerConfig).forEach(np::setProperty);
            try (Writer w = Files.newBufferedWriter(nodeDir.resolve("node.properties"), StandardCharsets.UTF_8)) {
                np.store(w, n.name() + " of the local cluster in " + dir);
            }
        }
    }

    String voters() {
        List<String> v = new ArrayList<>();
        for (Node n : controllers) {
            v.add(n.id() + "@" + HOST + ":" + n.raftPort());
        }
        return String.join(",", v);
    }

    String controllerApiServers() {
        List<String> v = new ArrayList<>();
        for (Node n : controllers) {
            v.add(HOST + ":" + n.port());
        }
        return String.join(",", v);
    }

    String bootstrap() {
        List<String> v = new ArrayList<>();
        for (Node n : brokers) {
            v.add(HOST + ":" + n.port());
        }
        return String.join(",", v);
    }

    List<Node> all() {
        List<Node> all = new ArrayList<>(controllers);
        all.addAll(brokers);
        return all;
    }

    Node find(String name) {
        for (Node n : all()) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    Path nodeDir(Node n) {
        return dir.resolve(n.name());
    }
}

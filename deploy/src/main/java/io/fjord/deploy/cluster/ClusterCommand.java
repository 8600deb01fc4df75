package io.fjord.deploy.cluster;

import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import io.fjord.proto.controller.BrokerStatus;
import io.fjord.proto.controller.DescribeQuorumResponse;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code fjord cluster up|status|kill|stop|start|down}: a cluster of separate processes on loopback,
 * described by a directory (default {@code .fjord/cluster}), so several clusters can run at once.
 */
public final class ClusterCommand {
    private ClusterCommand() {}

    static final String USAGE = """
            Usage: fjord cluster COMMAND [--dir DIR]      (DIR defaults to .fjord/cluster)

              up [--controllers N] [--brokers N]   start a local cluster (3 and 3 by default), wait until it is
                 [--broker-config k=v ...]         healthy and print the bootstrap address; in an existing DIR,
                 [--controller-config k=v ...]     start the nodes that are not running. --broker-config and
                                                   --controller-config add settings to every new node's config
              bootstrap                            print the brokers' bootstrap address (for scripts)
              status                               the active controller, each node (alive, fenced) and offline
                                                   or under-replicated partitions
              kill NODE                            SIGKILL a node (e.g. broker-2, controller-1)
              stop NODE                            SIGTERM a node (a broker moves its leaderships away first)
              start NODE                           start a stopped node again
              down                                 stop every node (brokers first), keeping the data in DIR

            Exit codes: 0 done, 1 failed (e.g. not healthy in time), 2 usage error.
            """;

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String sub = args[0];
        Path dir = Path.of(".fjord/cluster");
        int controllers = 3;
        int brokers = 3;
        String node = null;
        long timeoutMs = 90_000;
        Map<String, String> brokerConfig = new java.util.LinkedHashMap<>();
        Map<String, String> controllerConfig = new java.util.LinkedHashMap<>();
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--dir" -> dir = Path.of(value(args, ++i, "--dir"));
                    case "--controllers" -> controllers = count(value(args, ++i, "--controllers"), "--controllers", 1, 9);
                    case "--brokers" -> brokers = count(value(args, ++i, "--brokers"), "--brokers", 1, 99);
                    case "--broker-config" -> keyValue(value(args, ++i, "--broker-config"), "--broker-config", brokerConfig);
                    case "--controller-config" -> keyValue(value(args, ++i, "--controller-config"), "--controller-config", controllerConfig);
                    case "--timeout-ms" -> timeoutMs = count(value(args, ++i, "--timeout-ms"), "--timeout-ms", 1, Integer.MAX_VALUE);
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("-") || node != null) {
                            throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                        }
                        node = args[i];
                    }
                }
            }
            if (controllers % 2 == 0) {
                throw new IllegalArgumentException("--controllers must be odd (1, 3 or 5) so a majority exists");
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + " (run 'fjord cluster --help' for usage)");
            return 2;
        }
        try {
            return switch (sub) {
                case "up" -> up(dir, controllers, brokers, brokerConfig, controllerConfig, timeoutMs, out, err);
                case "status" -> status(dir, out, err);
                case "bootstrap" -> {
                    out.println(existing(dir).bootstrap());
                    yield 0;
                }
                case "kill", "stop", "start" -> nodeAction(sub, dir, node, out, err);
                case "down" -> down(dir, out, err);
                default -> {
                    err.println("error: unknown cluster command '" + sub + "' (run 'fjord cluster --help' for usage)");
                    yield 2;
                }
            };
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[i];
    }

    private static int count(String v, String opt, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(opt + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + opt + ": expected an integer");
        }
    }

    private static ClusterLayout existing(Path dir) throws IOException {
        if (!ClusterLayout.exists(dir)) {
            throw new IOException("no cluster in " + dir.toAbsolutePath() + " (start one with 'fjord cluster up --dir " + dir + "')");
        }
        return ClusterLayout.load(dir);
    }

    private static void keyValue(String kv, String opt, Map<String, String> into) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("invalid value '" + kv + "' for " + opt + ": expected key=value");
        }
        into.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }

    private static int up(Path dir, int controllers, int brokers, Map<String, String> brokerConfig, Map<String, String> controllerConfig,
                          long timeoutMs, PrintStream out, PrintStream err) throws IOException {
        ClusterLayout layout = ClusterLayout.exists(dir) ? ClusterLayout.load(dir)
                : ClusterLayout.create(dir, controllers, brokers, brokerConfig, controllerConfig);
        NodeProcesses procs = new NodeProcesses(layout);
        for (ClusterLayout.Node n : layout.controllers) {
            procs.start(n);
        }
        for (ClusterLayout.Node n : layout.brokers) {
            procs.start(n);
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        String problem = "";
        try (ClusterProbe probe = new ClusterProbe(layout)) {
            while (System.nanoTime() < deadline) {
                for (ClusterLayout.Node n : layout.all()) {
                    if (procs.running(n).isEmpty()) {
                        err.println("error: " + n.name() + " exited while starting; last lines of " + layout.nodeDir(n).resolve("out.log") + ":");
                        err.println(procs.tail(n, 15));
                        return 1;
                    }
                }
                problem = healthProblem(layout, probe);
                if (problem.isEmpty()) {
                    out.println("Cluster in " + dir.toAbsolutePath() + " is up: " + layout.controllers.size() + " controller(s), "
                            + layout.brokers.size() + " broker(s).");
                    out.println("Bootstrap: " + layout.bootstrap());
                    out.println("Try: ./fjord topics create demo --partitions 6 --replication-factor " + Math.min(3, layout.brokers.size())
                            + " --bootstrap " + layout.bootstrap());
                    return 0;
                }
                pause(Duration.ofMillis(200));
            }
        }
        err.println("error: the cluster in " + dir + " was not healthy within " + timeoutMs + " ms: " + problem
                + " (see the out.log of each node in " + dir + ")");
        return 1;
    }

    /** Empty when a controller leads and every broker is registered and unfenced; else what is missing. */
    static String healthProblem(ClusterLayout layout, ClusterProbe probe) {
        Optional<DescribeQuorumResponse> q = probe.quorum();
        if (q.isEmpty()) {
            return "no controller answers";
        }
        if (q.get().getLeaderId() < 0) {
            return "the controllers have not elected a leader";
        }
        Map<Integer, BrokerStatus> seen = new HashMap<>();
        for (BrokerStatus b : q.get().getBrokersList()) {
            seen.put(b.getBrokerId(), b);
        }
        for (ClusterLayout.Node n : layout.brokers) {
            BrokerStatus b = seen.get(n.id());
            if (b == null) {
                return n.name() + " has not registered";
            }
            if (b.getFenced()) {
                return n.name() + " is fenced (not caught up with the metadata log yet)";
            }
        }
        return "";
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int status(Path dir, PrintStream out, PrintStream err) throws IOException {
        ClusterLayout layout = existing(dir);
        NodeProcesses procs = new NodeProcesses(layout);
        try (ClusterProbe probe = new ClusterProbe(layout)) {
            Optional<DescribeQuorumResponse> q = probe.quorum();
            int leader = q.map(DescribeQuorumResponse::getLeaderId).orElse(-1);
            out.println("Cluster: " + dir.toAbsolutePath());
            out.println("Active controller: " + (leader >= 0 ? "controller-" + leader : "none") + q.map(r -> " (term " + r.getLeaderTerm()
                    + ", metadata offset " + r.getCommittedOffset() + ")").orElse(""));
            Map<Integer, BrokerStatus> brokers = new HashMap<>();
            q.ifPresent(r -> r.getBrokersList().forEach(b -> brokers.put(b.getBrokerId(), b)));
            out.printf("%-14s %-6s %-8s %-22s %s%n", "NODE", "ALIVE", "PID", "ADDRESS", "STATE");
            for (ClusterLayout.Node n : layout.all()) {
                Optional<ProcessHandle> ph = procs.running(n);
                String state;
                if (n.kind() == ClusterLayout.Kind.CONTROLLER) {
                    state = n.id() == leader ? "active" : (ph.isPresent() ? "standby" : "-");
                } else {
                    BrokerStatus b = brokers.get(n.id());
                    state = b == null ? "unregistered" : b.getFenced() ? "fenced" : b.getInControlledShutdown() ? "shutting down" : "unfenced";
                }
                out.printf("%-14s %-6s %-8s %-22s %s%n", n.name(), ph.isPresent() ? "yes" : "no",
                        ph.map(h -> String.valueOf(h.pid())).orElse("-"), ClusterLayout.HOST + ":" + n.port(), state);
            }
            Optional<MetadataResponse> md = probe.metadata();
            if (md.isEmpty()) {
                out.println("Partitions: unknown (no broker answers)");
                return 0;
            }
            int total = 0;
            int offline = 0;
            int under = 0;
            StringBuilder details = new StringBuilder();
            for (TopicMetadata t : md.get().getTopicsList()) {
                for (PartitionMetadata p : t.getPartitionsList()) {
                    total++;
                    if (p.getLeaderId() < 0) {
                        offline++;
                        details.append("  offline: ").append(t.getName()).append('-').append(p.getPartition())
                                .append(" replicas ").append(p.getReplicasList()).append(" isr ").append(p.getIsrList()).append('\n');
                    } else if (p.getIsrCount() < p.getReplicasCount()) {
                        under++;
                        details.append("  under-replicated: ").append(t.getName()).append('-').append(p.getPartition())
                                .append(" replicas ").append(p.getReplicasList()).append(" isr ").append(p.getIsrList()).append('\n');
                    }
                }
            }
            out.println("Partitions: " + total + " total, " + offline + " offline, " + under + " under-replicated");
            out.print(details);
        }
        return 0;
    }

    private static int nodeAction(String action, Path dir, String name, PrintStream out, PrintStream err) throws IOException {
        ClusterLayout layout = existing(dir);
        if (name == null) {
            err.println("error: 'fjord cluster " + action + "' needs a node name, e.g. broker-1 or controller-2 (run 'fjord cluster --help' for usage)");
            return 2;
        }
        ClusterLayout.Node n = layout.find(name);
        if (n == null) {
            err.println("error: no node '" + name + "' in " + dir + "; nodes are " + layout.all().stream().map(ClusterLayout.Node::name).toList());
            return 1;
        }
        NodeProcesses procs = new NodeProcesses(layout);
        switch (action) {
            case "kill" -> out.println(procs.kill(n) ? "Killed " + name + " (SIGKILL)." : name + " was not running.");
            case "stop" -> out.println(procs.stop(n, Duration.ofSeconds(60)) ? "Stopped " + name + "." : name + " was not running.");
            default -> {
                if (procs.running(n).isPresent()) {
                    out.println(name + " is already running.");
                } else {
                    procs.start(n);
                    out.println("Started " + name + ".");
                }
            }
        }
        return 0;
    }

    private static int down(Path dir, PrintStream out, PrintStream err) throws IOException {
        ClusterLayout layout = existing(dir);
        NodeProcesses procs = new NodeProcesses(layout);
        int stopped = 0;
        // Brokers first, while the controllers can still move their leaderships.
        for (ClusterLayout.Node n : layout.brokers) {
            stopped += procs.stop(n, Duration.ofSeconds(60)) ? 1 : 0;
        }
        for (ClusterLayout.Node n : layout.controllers) {
            stopped += procs.stop(n, Duration.ofSeconds(30)) ? 1 : 0;
        }
        out.println("Stopped " + stopped + " node(s) of the cluster in " + dir.toAbsolutePath() + "; data kept there.");
        return 0;
    }
}

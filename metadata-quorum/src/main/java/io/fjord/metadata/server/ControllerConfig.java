package io.fjord.metadata.server;

import io.fjord.metadata.common.ConfigException;
import io.fjord.metadata.controller.ControllerSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A controller's settings: a Java properties file with Kafka's names and meanings. An unknown key is
 * rejected with its name, so a typo never silently falls back to a default.
 *
 * <p>Where Fjord's default differs from Kafka's: {@code broker.session.timeout.ms} is 6000 (Kafka 9000)
 * and {@code broker.heartbeat.interval.ms} 500 (Kafka 2000). A dead broker's partitions stay leaderless
 * for up to a session, so a shorter session means faster failover; at 500 ms heartbeats a 6 s session
 * still tolerates eleven lost heartbeats (a GC pause, a slow disk) before fencing. The session is for
 * brokers that hang or are cut off; a broker whose process died is fenced {@code broker.connection.grace.ms}
 * (300 ms) after its session stream to the active controller broke (see {@link #DEFAULT_CONNECTION_GRACE_MS}).
 */
public final class ControllerConfig {

    /** One documented setting: its name, default (null = required) and meaning. */
    public record Setting(String name, String defaultValue, String doc) {}

    /**
     * Default of {@code broker.connection.grace.ms}. A live broker whose stream breaks reopens it at once
     * (a new TCP connection and one call: a few milliseconds, tens with a redirect or a GC pause), so
     * 300 ms is many reconnects' worth of slack and a blip almost never fences; yet it keeps a dead
     * broker's partitions leaderless for well under a second (grace + one metadata write + brokers
     * applying it) instead of the 6 s session.
     */
    public static final long DEFAULT_CONNECTION_GRACE_MS = 300;

    public static final List<Setting> SETTINGS = List.of(
            new Setting("node.id", null, "This controller's id; must appear in controller.quorum.voters."),
            new Setting("process.roles", "controller", "Must be 'controller' (combined broker+controller processes are not supported)."),
            new Setting("controller.quorum.voters", null,
                    "The quorum: id@host:port,... with each controller's Raft address (1, 3 or 5 voters)."),
            new Setting("controller.listener.names", "CONTROLLER", "Accepted for Kafka compatibility; the listener is named CONTROLLER."),
            new Setting("listeners", "CONTROLLER://127.0.0.1:9093",
                    "Where the controller's gRPC API listens (distinct from its Raft port); port 0 picks a free port."),
            new Setting("advertised.listeners", "", "The API address given to brokers; empty = the listener's."),
            new Setting("metadata.log.dir", "/tmp/fjord-controller", "Directory of the Raft log and snapshots (log.dirs/log.dir are aliases)."),
            new Setting("cluster.id", "fjord-local", "Cluster id; brokers registering with another id are refused."),
            new Setting("broker.session.timeout.ms", "6000",
                    "A broker not heard from for this long is fenced and loses its leaderships (Kafka: 9000)."),
            new Setting("broker.heartbeat.interval.ms", "500",
                    "How often brokers heartbeat (Kafka: 2000); the controller checks sessions at this period."),
            new Setting("broker.connection.grace.ms", String.valueOf(DEFAULT_CONNECTION_GRACE_MS),
                    "A broker whose session stream to the active controller breaks (its process died: the kernel closed its"
                            + " connections) and that neither reopens it nor heartbeats within this long is fenced at once, without"
                            + " waiting for broker.session.timeout.ms; -1 turns this off (Kafka's behaviour). Not in Kafka."),
            new Setting("metadata.snapshot.interval.records", "10000",
                    "Take a metadata snapshot every this many metadata-log entries (each entry is one batch of records)."),
            new Setting("metadata.log.segment.bytes", "8388608", "Size of a Raft log segment; the log is purged in whole segments."),
            new Setting("metadata.follow.window.batches", "4096",
                    "Recent committed batches kept in memory for brokers following the log; a broker further behind gets the whole image."),
            new Setting("num.partitions", "1", "Partitions of a topic created without a partition count."),
            new Setting("default.replication.factor", "1", "Replication factor of a topic created without one."),
            new Setting("unclean.leader.election.enable", "false", "Default of the topic config of the same name."),
            new Setting("auto.leader.rebalance.enable", "true",
                    "Move leadership back to each partition's preferred (first) replica once it is alive and in sync."),
            new Setting("leader.imbalance.check.interval.seconds", "10",
                    "How often leadership is rebalanced (Kafka: 300; shorter so survivors of a failover shed the extra load sooner)."),
            new Setting("leader.imbalance.per.broker.percentage", "10",
                    "Rebalance a broker's partitions only when more than this share of its preferred partitions are led elsewhere."));

    private static final Map<String, String> ALIASES = Map.of("log.dirs", "metadata.log.dir", "log.dir", "metadata.log.dir");

    private final Map<String, String> values;

    private ControllerConfig(Map<String, String> values) {
        this.values = values;
    }

    public static ControllerConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> raw;
        try {
            raw = io.fjord.metadata.common.PropertiesFile.read(file, overrides);
        } catch (IOException e) {
            throw new ConfigException("cannot read controller config " + file + ": " + e.getMessage());
        }
        return of(raw);
    }

    public static ControllerConfig of(Map<String, String> raw) {
        Map<String, String> values = new TreeMap<>();
        for (Setting s : SETTINGS) {
            if (s.defaultValue() != null) {
                values.put(s.name(), s.defaultValue());
            }
        }
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String key = ALIASES.getOrDefault(e.getKey(), e.getKey());
            if (SETTINGS.stream().noneMatch(s -> s.name().equals(key))) {
                throw new ConfigException("Unknown controller config '" + e.getKey() + "'; known settings are "
                        + String.join(", ", SETTINGS.stream().map(Setting::name).toList()));
            }
            values.put(key, e.getValue().trim());
        }
        ControllerConfig c = new ControllerConfig(values);
        c.validate();
        return c;
    }

    private void validate() {
        autoLeaderRebalanceEnable();
        leaderImbalanceCheckIntervalMs();
        leaderImbalancePerBrokerPercentage();
        for (Setting s : SETTINGS) {
            if (s.defaultValue() == null && !values.containsKey(s.name())) {
                throw new ConfigException("'" + s.name() + "' is required: " + s.doc());
            }
        }
        if (!values.get("process.roles").trim().equals("controller")) {
            throw new ConfigException("'process.roles' must be 'controller', got '" + values.get("process.roles")
                    + "'; run brokers with 'fjord broker'");
        }
        Map<Integer, String> voters = voters();
        if (!voters.containsKey(nodeId())) {
            throw new ConfigException("'node.id' " + nodeId() + " is not among 'controller.quorum.voters' " + voters.keySet());
        }
        listenerPort();
        sessionTimeoutMs();
        heartbeatIntervalMs();
        snapshotIntervalRecords();
        segmentBytes();
        followWindowBatches();
        numPartitions();
        defaultReplicationFactor();
        uncleanLeaderElection();
        if (connectionGraceMs() >= sessionTimeoutMs()) {
            throw new ConfigException("'broker.connection.grace.ms' (" + connectionGraceMs()
                    + ") must be smaller than 'broker.session.timeout.ms' (" + sessionTimeoutMs() + "), or -1 to turn it off");
        }
        if (heartbeatIntervalMs() >= sessionTimeoutMs()) {
            throw new ConfigException("'broker.heartbeat.interval.ms' (" + heartbeatIntervalMs()
                    + ") must be smaller than 'broker.session.timeout.ms' (" + sessionTimeoutMs() + ")");
        }
    }

    public boolean autoLeaderRebalanceEnable() {
        String v = values.get("auto.leader.rebalance.enable").trim();
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new ConfigException("'auto.leader.rebalance.enable' must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    public long leaderImbalanceCheckIntervalMs() { return longValue("leader.imbalance.check.interval.seconds", 1, 86_400) * 1000L; }

    public int leaderImbalancePerBrokerPercentage() { return (int) longValue("leader.imbalance.per.broker.percentage", 0, 100); }

    public int nodeId() { return (int) longValue("node.id", 0, Integer.MAX_VALUE); }
    public String clusterId() { return values.get("cluster.id"); }
    public Path metadataLogDir() { return Path.of(values.get("metadata.log.dir").split(",")[0].trim()); }
    public long sessionTimeoutMs() { return longValue("broker.session.timeout.ms", 1, Long.MAX_VALUE); }
    public long heartbeatIntervalMs() { return longValue("broker.heartbeat.interval.ms", 1, Long.MAX_VALUE); }
    /** broker.connection.grace.ms; -1 = never fence on a broken connection, only on session expiry. */
    public long connectionGraceMs() { return longValue("broker.connection.grace.ms", -1, Long.MAX_VALUE); }
    public long snapshotIntervalRecords() { return longValue("metadata.snapshot.interval.records", 1, Long.MAX_VALUE); }
    public long segmentBytes() { return longValue("metadata.log.segment.bytes", 16 * 1024, Integer.MAX_VALUE); }
    public int followWindowBatches() { return (int) longValue("metadata.follow.window.batches", 1, 10_000_000); }
    public int numPartitions() { return (int) longValue("num.partitions", 1, Integer.MAX_VALUE); }
    public int defaultReplicationFactor() { return (int) longValue("default.replication.factor", 1, Short.MAX_VALUE); }

    public boolean uncleanLeaderElection() {
        String v = values.get("unclean.leader.election.enable");
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new ConfigException("'unclean.leader.election.enable' must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    /** Raft addresses (host:port) by controller id, in id order. */
    public Map<Integer, String> voters() {
        String raw = values.get("controller.quorum.voters");
        Map<Integer, String> out = new TreeMap<>();
        for (String part : raw.split(",")) {
            String v = part.trim();
            int at = v.indexOf('@');
            int colon = v.lastIndexOf(':');
            if (v.isEmpty() || at <= 0 || colon < at + 2) {
                throw new ConfigException("'controller.quorum.voters' entries must be id@host:port, got '" + v + "' in '" + raw + "'");
            }
            int id;
            try {
                id = Integer.parseInt(v.substring(0, at));
                int port = Integer.parseInt(v.substring(colon + 1));
                if (port <= 0 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException("'controller.quorum.voters' entry '" + v + "' needs a numeric id and a port 1..65535");
            }
            if (out.put(id, v.substring(at + 1)) != null) {
                throw new ConfigException("'controller.quorum.voters' names controller " + id + " twice");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    public String listenerHost() { return hostPort("listeners")[0]; }
    public int listenerPort() { return port("listeners", hostPort("listeners")[1]); }

    /** The API host given to brokers: the advertised one, else the listener's, else (wildcard) this machine's name. */
    public String advertisedHost() {
        if (!values.get("advertised.listeners").isBlank()) {
            return hostPort("advertised.listeners")[0];
        }
        String host = listenerHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            try {
                return java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.net.UnknownHostException e) {
                return "127.0.0.1";
            }
        }
        return host;
    }

    /** The advertised port, or -1 to use the port actually bound. */
    public int advertisedPort() {
        return values.get("advertised.listeners").isBlank() ? -1 : port("advertised.listeners", hostPort("advertised.listeners")[1]);
    }

    public ControllerSettings settings() {
        return new ControllerSettings(clusterId(), numPartitions(), defaultReplicationFactor(), uncleanLeaderElection(),
                sessionTimeoutMs(), connectionGraceMs());
    }

    public Map<String, String> asMap() { return Map.copyOf(values); }

    private String[] hostPort(String key) {
        String v = values.get(key).trim();
        int scheme = v.indexOf("://");
        if (scheme >= 0) {
            v = v.substring(scheme + 3);
        }
        if (v.contains(",")) {
            v = v.substring(0, v.indexOf(','));
        }
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException("'" + key + "' must be [CONTROLLER://]host:port, got '" + values.get(key) + "'");
        }
        return new String[] {v.substring(0, colon), v.substring(colon + 1)};
    }

    private static int port(String key, String s) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new ConfigException("'" + key + "' port must be 0..65535, got '" + s + "'");
    }

    private long longValue(String key, long min, long max) {
        String v = values.get(key);
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + key + "' must be a number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new ConfigException("'" + key + "' must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }
}

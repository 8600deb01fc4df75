package io.fjord.broker;

import io.fjord.storage.ConfigException;
import io.fjord.storage.LogConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A broker's settings, read from a Java properties file with Kafka's names and meanings.
 * Every key is documented in README.md ("Configuration") with its default; an unknown key is
 * rejected with its name so a typo never silently falls back to a default.
 */
public final class BrokerConfig {

    /** One documented setting: its name, default (null = required or none) and what it does. */
    public record Setting(String name, String defaultValue, String doc) {}

    public static final List<Setting> SETTINGS = List.of(
            new Setting("node.id", "1", "This broker's id (Kafka's broker.id is accepted as an alias)."),
            new Setting("listeners", "PLAINTEXT://127.0.0.1:9092",
                    "Where the gRPC server listens, host:port with an optional PLAINTEXT:// prefix; port 0 picks a free port."),
            new Setting("advertised.listeners", "",
                    "The address clients are told to use; empty = the listener's."),
            new Setting("log.dirs", "/tmp/fjord-logs", "Directory holding partition directories (log.dir is an alias)."),
            new Setting("broker.rack", "", "Rack of this broker, reported in metadata."),
            new Setting("cluster.id", "fjord-local", "Cluster id reported in metadata."),
            new Setting("num.partitions", "1", "Partitions of a topic created without a partition count."),
            new Setting("default.replication.factor", "1", "Replication factor of a topic created without one."),
            new Setting("auto.create.topics.enable", "false",
                    "Create a topic on first produce or metadata request. Kafka defaults to true; Fjord to false so a typo never creates a topic."),
            new Setting("message.max.bytes", "1048588", "Largest record batch accepted (topic config max.message.bytes)."),
            new Setting("socket.request.max.bytes", "104857600", "Largest gRPC request accepted, in bytes."),
            new Setting("log.segment.bytes", "1073741824", "Segment size before a roll (topic config segment.bytes)."),
            new Setting("log.roll.ms", "604800000", "Segment age before a roll (topic config segment.ms); log.roll.hours is accepted too."),
            new Setting("log.index.interval.bytes", "4096", "Bytes between offset-index entries (index.interval.bytes)."),
            new Setting("log.index.size.max.bytes", "10485760", "Largest offset index per segment (segment.index.bytes)."),
            new Setting("log.retention.ms", "604800000",
                    "Delete segments older than this; -1 keeps them (retention.ms). log.retention.minutes/hours are accepted too."),
            new Setting("log.retention.bytes", "-1", "Delete oldest segments while a partition is larger (retention.bytes); -1 = no limit."),
            new Setting("log.retention.check.interval.ms", "300000", "How often retention runs."),
            new Setting("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE),
                    "fsync after this many records (flush.messages). The default never forces fsync: like Kafka, durability comes from the OS page cache (survives a process crash) and from replication."),
            new Setting("log.flush.interval.ms", String.valueOf(Long.MAX_VALUE), "fsync when unflushed data is older than this (flush.ms)."),
            new Setting("log.flush.scheduler.interval.ms", "1000", "How often the flush policy is checked."),
            new Setting("log.message.timestamp.type", "CreateTime", "CreateTime or LogAppendTime (message.timestamp.type)."),
            new Setting("min.insync.replicas", "1", "Default for the topic config min.insync.replicas."),
            new Setting("unclean.leader.election.enable", "false", "Default for the topic config of the same name."),
            new Setting("log.cleanup.policy", "delete", "Default cleanup.policy of topics."),
            new Setting("controller.quorum.bootstrap.servers", "",
                    "host:port list of the controllers' API listeners. Set: the broker joins the cluster those controllers run (registers, heartbeats, follows the metadata log, forwards topic admin). Empty: a standalone broker that keeps its own topic list."),
            new Setting("broker.heartbeat.interval.ms", "500",
                    "How often the broker heartbeats to the active controller (Kafka: 2000; shorter so a dead controller connection is noticed sooner)."),
            new Setting("controlled.shutdown.enable", "true",
                    "On SIGTERM, ask the controller to move this broker's leaderships away before stopping (waits up to shutdown.timeout.ms)."),
            new Setting("replica.lag.time.max.ms", "30000",
                    "A follower that has not caught up with the leader for this long is proposed out of the ISR."),
            new Setting("replica.fetch.wait.max.ms", "500", "How long a follower's fetch waits at the leader for new data."),
            new Setting("replica.fetch.min.bytes", "1", "Bytes a follower's fetch waits for before the leader answers."),
            new Setting("replica.fetch.max.bytes", "1048576", "Bytes a follower fetches per partition per request (at least one batch)."),
            new Setting("replica.fetch.response.max.bytes", "10485760", "Bytes a follower fetches per request over all partitions."),
            new Setting("replica.fetch.backoff.ms", "1000", "How long a follower waits after a fetch error before fetching that partition again."),
            new Setting("num.io.threads", "8", "Threads serving gRPC calls."),
            new Setting("shutdown.timeout.ms", "10000", "How long shutdown waits for in-flight calls."));

    private static final Map<String, String> ALIASES = Map.of(
            "broker.id", "node.id",
            "log.dir", "log.dirs");

    private final Map<String, String> values;

    private BrokerConfig(Map<String, String> values) {
        this.values = values;
    }

    public static BrokerConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> raw;
        try {
            raw = io.fjord.metadata.common.PropertiesFile.read(file, overrides);
        } catch (IOException e) {
            throw new ConfigException("cannot read broker config " + file + ": " + e.getMessage());
        }
        return of(raw);
    }

    public static BrokerConfig of(Map<String, String> raw) {
        Map<String, String> values = new TreeMap<>();
        for (Setting s : SETTINGS) {
            values.put(s.name(), s.defaultValue());
        }
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String key = ALIASES.getOrDefault(e.getKey(), e.getKey());
            String value = e.getValue();
            switch (key) {
                case "log.roll.hours" -> { key = "log.roll.ms"; value = String.valueOf(parseLong(e.getKey(), value) * 3_600_000L); }
                case "log.retention.hours" -> { key = "log.retention.ms"; value = String.valueOf(hoursOrMinutes(e.getKey(), value, 3_600_000L)); }
                case "log.retention.minutes" -> { key = "log.retention.ms"; value = String.valueOf(hoursOrMinutes(e.getKey(), value, 60_000L)); }
                default -> { }
            }
            if (!values.containsKey(key)) {
                throw new ConfigException("Unknown broker config '" + e.getKey() + "'; see README.md, section Configuration, for the settings that exist");
            }
            values.put(key, value);
        }
        BrokerConfig c = new BrokerConfig(values);
        c.validate();
        return c;
    }

    private static long hoursOrMinutes(String key, String value, long unitMs) {
        long v = parseLong(key, value);
        return v < 0 ? -1 : v * unitMs;
    }

    private void validate() {
        nodeId();
        listenerPort();
        intValue("num.partitions", 1);
        intValue("default.replication.factor", 1);
        intValue("num.io.threads", 1);
        logDefaults();
        replicationConfig();
    }

    public int nodeId() { return intValue("node.id", 0); }
    public Path logDir() { return Path.of(values.get("log.dirs").split(",")[0].trim()); }
    public String rack() { return values.get("broker.rack"); }
    public String clusterId() { return values.get("cluster.id"); }
    public int numPartitions() { return intValue("num.partitions", 1); }
    public int defaultReplicationFactor() { return intValue("default.replication.factor", 1); }
    public boolean autoCreateTopics() { return bool("auto.create.topics.enable"); }
    public int socketRequestMaxBytes() { return intValue("socket.request.max.bytes", 1024); }
    public long retentionCheckIntervalMs() { return longValue("log.retention.check.interval.ms", 1); }
    public long flushSchedulerIntervalMs() { return longValue("log.flush.scheduler.interval.ms", 1); }
    public int ioThreads() { return intValue("num.io.threads", 1); }
    public long shutdownTimeoutMs() { return longValue("shutdown.timeout.ms", 0); }
    public long heartbeatIntervalMs() { return longValue("broker.heartbeat.interval.ms", 1); }
    public boolean controlledShutdownEnable() { return bool("controlled.shutdown.enable"); }

    /** The controllers' API addresses; empty for a standalone broker. */
    public List<String> controllerBootstrapServers() {
        List<String> out = new java.util.ArrayList<>();
        for (String s : values.get("controller.quorum.bootstrap.servers").split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** The replica.* settings, as the replication module reads them. */
    public io.fjord.replication.ReplicationConfig replicationConfig() {
        try {
            return io.fjord.replication.ReplicationConfig.fromMap(values, io.fjord.replication.ReplicationConfig.defaults());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    public boolean isClusterMember() { return !controllerBootstrapServers().isEmpty(); }

    public String listenerHost() { return hostPort("listeners")[0]; }
    public int listenerPort() { return parsePort("listeners", hostPort("listeners")[1]); }

    /** The host clients should use: the advertised listener's, or the listener's. */
    public String advertisedHost() {
        String adv = values.get("advertised.listeners");
        return adv.isBlank() ? listenerHost() : hostPort("advertised.listeners")[0];
    }

    /** The advertised port, or -1 to use the port actually bound. */
    public int advertisedPort() {
        String adv = values.get("advertised.listeners");
        return adv.isBlank() ? -1 : parsePort("advertised.listeners", hostPort("advertised.listeners")[1]);
    }

    /** Topic-config defaults derived from the broker's log.* settings. */
    public LogConfig logDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("segment.bytes", values.get("log.segment.bytes"));
        m.put("segment.ms", values.get("log.roll.ms"));
        m.put("index.interval.bytes", values.get("log.index.interval.bytes"));
        m.put("segment.index.bytes", values.get("log.index.size.max.bytes"));
        m.put("retention.ms", values.get("log.retention.ms"));
        m.put("retention.bytes", values.get("log.retention.bytes"));
        m.put("flush.messages", values.get("log.flush.interval.messages"));
        m.put("flush.ms", values.get("log.flush.interval.ms"));
        m.put("max.message.bytes", values.get("message.max.bytes"));
        m.put("message.timestamp.type", values.get("log.message.timestamp.type"));
        m.put("min.insync.replicas", values.get("min.insync.replicas"));
        m.put("unclean.leader.election.enable", values.get("unclean.leader.election.enable"));
        m.put("cleanup.policy", values.get("log.cleanup.policy"));
        try {
            return LogConfig.fromMap(m, LogConfig.defaults());
        } catch (ConfigException e) {
            throw new ConfigException("broker log defaults: " + e.getMessage());
        }
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
            throw new ConfigException("'" + key + "' must be host:port, got '" + values.get(key) + "'");
        }
        return new String[] {v.substring(0, colon), v.substring(colon + 1)};
    }

    private static int parsePort(String key, String s) {
        long p = parseLong(key, s);
        if (p < 0 || p > 65535) {
            throw new ConfigException("'" + key + "' port must be 0..65535, got " + s);
        }
        return (int) p;
    }

    private int intValue(String key, int min) {
        long v = parseLong(key, values.get(key));
        if (v < min || v > Integer.MAX_VALUE) {
            throw new ConfigException("'" + key + "' must be an integer >= " + min + ", got '" + values.get(key) + "'");
        }
        return (int) v;
    }

    private long longValue(String key, long min) {
        long v = parseLong(key, values.get(key));
        if (v < min) {
            throw new ConfigException("'" + key + "' must be >= " + min + ", got '" + values.get(key) + "'");
        }
        return v;
    }

    private boolean bool(String key) {
        String v = values.get(key);
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new ConfigException("'" + key + "' must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static long parseLong(String key, String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + key + "' must be a number, got '" + s + "'");
        }
    }
}

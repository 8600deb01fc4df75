package io.fjord.storage;

import io.fjord.wire.RecordBatchHeader;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The per-topic settings of a partition log, under Kafka's topic-config names and with Kafka's defaults
 * and ranges, so that a topic config that works in Kafka means the same here.
 *
 * <p>Brokers hand topic configs over as a string map; {@link #fromMap} overlays it on a base (the
 * broker's defaults) and rejects unknown keys and bad values with a {@link ConfigException} naming the
 * key, the value and what is allowed. The canonical constructor checks the same ranges, so no invalid
 * LogConfig exists. Some fields are stored for other parts of the broker and unused by the log itself:
 * {@code minInsyncReplicas}, {@code uncleanLeaderElectionEnable}, and {@code COMPACT} in
 * {@code cleanupPolicy} (compaction comes later). {@code fileDeleteDelayMs} is accepted but segments
 * are deleted at once in this version.
 *
 * @param segmentBytes segment.bytes: roll when the active segment would grow past this; at most 2 GiB - 1
 *        because index entries hold int32 file positions
 * @param segmentMs segment.ms: roll when the active segment's first batch is older than this
 * @param indexIntervalBytes index.interval.bytes: bytes appended between two offset-index entries
 * @param segmentIndexBytes segment.index.bytes: size of each index file, bounding entries per segment
 * @param retentionMs retention.ms: delete segments whose newest timestamp is older; -1 keeps forever
 * @param retentionBytes retention.bytes: delete oldest segments while the log is larger; -1 unlimited
 * @param flushMessages flush.messages: fsync after this many messages; Long.MAX_VALUE never
 * @param flushMs flush.ms: fsync when the last fsync is this old; Long.MAX_VALUE never
 * @param maxMessageBytes max.message.bytes: largest record batch accepted from producers
 * @param logAppendTime message.timestamp.type = LogAppendTime (else CreateTime)
 * @param fileDeleteDelayMs file.delete.delay.ms: accepted for compatibility; deletion is immediate
 * @param cleanupPolicy cleanup.policy: delete and/or compact; retention applies only with delete
 * @param minInsyncReplicas min.insync.replicas: for acks=all produce
 * @param uncleanLeaderElectionEnable unclean.leader.election.enable
 */
public record LogConfig(long segmentBytes, long segmentMs, int indexIntervalBytes, int segmentIndexBytes,
                        long retentionMs, long retentionBytes, long flushMessages, long flushMs, int maxMessageBytes,
                        boolean logAppendTime, long fileDeleteDelayMs, Set<CleanupPolicy> cleanupPolicy,
                        int minInsyncReplicas, boolean uncleanLeaderElectionEnable) {

    /** cleanup.policy values. */
    public enum CleanupPolicy {
        DELETE, COMPACT;

        /** The name used in topic configs. */
        public String configName() { return name().toLowerCase(Locale.ROOT); }
    }

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    /** Every accepted key, in a stable order (used in error messages). */
    public static final Set<String> NAMES = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
            SEGMENT_BYTES, SEGMENT_MS, INDEX_INTERVAL_BYTES, SEGMENT_INDEX_BYTES, RETENTION_MS, RETENTION_BYTES,
            FLUSH_MESSAGES, FLUSH_MS, MAX_MESSAGE_BYTES, MESSAGE_TIMESTAMP_TYPE, FILE_DELETE_DELAY_MS,
            CLEANUP_POLICY, MIN_INSYNC_REPLICAS, UNCLEAN_LEADER_ELECTION_ENABLE)));

    private static final String CREATE_TIME = "CreateTime";
    private static final String LOG_APPEND_TIME = "LogAppendTime";
    /** Kafka's lower bound for segment.bytes (the legacy record overhead). */
    private static final long MIN_SEGMENT_BYTES = 14;

    public LogConfig {
        check(SEGMENT_BYTES, segmentBytes, MIN_SEGMENT_BYTES, Integer.MAX_VALUE);
        check(SEGMENT_MS, segmentMs, 1, Long.MAX_VALUE);
        check(INDEX_INTERVAL_BYTES, indexIntervalBytes, 0, Integer.MAX_VALUE);
        check(SEGMENT_INDEX_BYTES, segmentIndexBytes, 4, Integer.MAX_VALUE);
        check(RETENTION_MS, retentionMs, -1, Long.MAX_VALUE);
        check(RETENTION_BYTES, retentionBytes, -1, Long.MAX_VALUE);
        check(FLUSH_MESSAGES, flushMessages, 1, Long.MAX_VALUE);
        check(FLUSH_MS, flushMs, 0, Long.MAX_VALUE);
        check(MAX_MESSAGE_BYTES, maxMessageBytes, 0, Integer.MAX_VALUE);
        check(FILE_DELETE_DELAY_MS, fileDeleteDelayMs, 0, Long.MAX_VALUE);
        check(MIN_INSYNC_REPLICAS, minInsyncReplicas, 1, Integer.MAX_VALUE);
        if (cleanupPolicy == null || cleanupPolicy.isEmpty()) {
            throw new ConfigException("Invalid value '' for topic config '" + CLEANUP_POLICY
                    + "': must be a comma-separated list of delete and compact");
        }
        cleanupPolicy = Collections.unmodifiableSet(EnumSet.copyOf(cleanupPolicy));
    }

    /** Kafka's defaults. */
    public static LogConfig defaults() {
        return new LogConfig(1_073_741_824L, 604_800_000L, 4096, 10_485_760, 604_800_000L, -1L,
                Long.MAX_VALUE, Long.MAX_VALUE, 1_048_588, false, 60_000L, EnumSet.of(CleanupPolicy.DELETE), 1, false);
    }

    /**
     * {@code base} with the entries of {@code props} applied. Keys are Kafka topic-config names; values
     * are trimmed.
     *
     * @throws ConfigException for an unknown key or a value that does not parse or is out of range
     */
    public static LogConfig fromMap(Map<String, String> props, LogConfig base) {
        Map<String, String> merged = base.toMap();
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (!NAMES.contains(e.getKey())) {
                throw new ConfigException("Unknown topic config '" + e.getKey() + "'; known topic configs are "
                        + String.join(", ", NAMES));
            }
            if (e.getValue() == null) {
                throw new ConfigException("Invalid value null for topic config '" + e.getKey() + "': a value is required");
            }
            merged.put(e.getKey(), e.getValue().trim());
        }
        return new LogConfig(parseLong(merged, SEGMENT_BYTES), parseLong(merged, SEGMENT_MS),
                parseInt(merged, INDEX_INTERVAL_BYTES), parseInt(merged, SEGMENT_INDEX_BYTES),
                parseLong(merged, RETENTION_MS), parseLong(merged, RETENTION_BYTES),
                parseLong(merged, FLUSH_MESSAGES), parseLong(merged, FLUSH_MS), parseInt(merged, MAX_MESSAGE_BYTES),
                parseTimestampType(merged.get(MESSAGE_TIMESTAMP_TYPE)), parseLong(merged, FILE_DELETE_DELAY_MS),
                parseCleanupPolicy(merged.get(CLEANUP_POLICY)), parseInt(merged, MIN_INSYNC_REPLICAS),
                parseBoolean(merged, UNCLEAN_LEADER_ELECTION_ENABLE));
    }

    /** Every setting under its topic-config name; {@code fromMap(toMap(), any)} gives back this config. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SEGMENT_BYTES, Long.toString(segmentBytes));
        m.put(SEGMENT_MS, Long.toString(segmentMs));
        m.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
        m.put(SEGMENT_INDEX_BYTES, Integer.toString(segmentIndexBytes));
        m.put(RETENTION_MS, Long.toString(retentionMs));
        m.put(RETENTION_BYTES, Long.toString(retentionBytes));
        m.put(FLUSH_MESSAGES, Long.toString(flushMessages));
        m.put(FLUSH_MS, Long.toString(flushMs));
        m.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
        m.put(MESSAGE_TIMESTAMP_TYPE, logAppendTime ? LOG_APPEND_TIME : CREATE_TIME);
        m.put(FILE_DELETE_DELAY_MS, Long.toString(fileDeleteDelayMs));
        m.put(CLEANUP_POLICY, cleanupPolicy.stream().map(CleanupPolicy::configName).collect(Collectors.joining(",")));
        m.put(MIN_INSYNC_REPLICAS, Integer.toString(minInsyncReplicas));
        m.put(UNCLEAN_LEADER_ELECTION_ENABLE, Boolean.toString(uncleanLeaderElectionEnable));
        return m;
    }

    /** True when time and size retention apply (cleanup.policy contains delete). */
    public boolean deleteRetentionEnabled() { return cleanupPolicy.contains(CleanupPolicy.DELETE); }

    /** The timestamp-type attribute bit appends with this config stamp into batches, 0 for CreateTime. */
    int timestampTypeAttribute() { return logAppendTime ? RecordBatchHeader.TIMESTAMP_TYPE_MASK : 0; }

    private static void check(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException("Invalid value '" + value + "' for topic config '" + key + "': " + range(min, max));
        }
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE) {
            return "must be an integer >= " + min;
        }
        return "must be an integer between " + min + " and " + max;
    }

    private static long parseLong(Map<String, String> m, String key) {
        String v = m.get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("Invalid value '" + v + "' for topic config '" + key + "': must be an integer");
        }
    }

    private static int parseInt(Map<String, String> m, String key) {
        long v = parseLong(m, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ConfigException("Invalid value '" + v + "' for topic config '" + key
                    + "': must be an integer at most " + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    private static boolean parseBoolean(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ConfigException("Invalid value '" + v + "' for topic config '" + key + "': must be true or false");
    }

    private static boolean parseTimestampType(String v) {
        if (v.equals(CREATE_TIME)) {
            return false;
        }
        if (v.equals(LOG_APPEND_TIME)) {
            return true;
        }
        throw new ConfigException("Invalid value '" + v + "' for topic config '" + MESSAGE_TIMESTAMP_TYPE
                + "': must be " + CREATE_TIME + " or " + LOG_APPEND_TIME);
    }

    private static Set<CleanupPolicy> parseCleanupPolicy(String v) {
        Set<CleanupPolicy> policies = EnumSet.noneOf(CleanupPolicy.class);
        for (String part : v.split(",", -1)) {
            String p = part.trim();
            if (p.equals("delete")) {
                policies.add(CleanupPolicy.DELETE);
            } else if (p.equals("compact")) {
                policies.add(CleanupPolicy.COMPACT);
            } else {
                throw new ConfigException("Invalid value '" + v + "' for topic config '" + CLEANUP_POLICY
                        + "': must be a comma-separated list of delete and compact");
            }
        }
        return policies;
    }
}

package io.fjord.metadata.controller;

import io.fjord.metadata.common.ConfigException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The topic configs a topic may override: exactly Kafka's names, with Kafka's types and ranges (the
 * same as data-plane's LogConfig), so that a config accepted here is accepted by every broker.
 */
public final class TopicConfigs {
    private TopicConfigs() {}

    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    private enum Kind { INT, LONG, BOOLEAN, TIMESTAMP_TYPE, CLEANUP_POLICY }

    private record Def(Kind kind, long min, long max) {}

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();

    static {
        DEFS.put("segment.bytes", new Def(Kind.INT, 14, Integer.MAX_VALUE));
        DEFS.put("segment.ms", new Def(Kind.LONG, 1, Long.MAX_VALUE));
        DEFS.put("segment.index.bytes", new Def(Kind.INT, 4, Integer.MAX_VALUE));
        DEFS.put("index.interval.bytes", new Def(Kind.INT, 0, Integer.MAX_VALUE));
        DEFS.put("retention.ms", new Def(Kind.LONG, -1, Long.MAX_VALUE));
        DEFS.put("retention.bytes", new Def(Kind.LONG, -1, Long.MAX_VALUE));
        DEFS.put("flush.messages", new Def(Kind.LONG, 1, Long.MAX_VALUE));
        DEFS.put("flush.ms", new Def(Kind.LONG, 0, Long.MAX_VALUE));
        DEFS.put("max.message.bytes", new Def(Kind.INT, 0, Integer.MAX_VALUE));
        DEFS.put("message.timestamp.type", new Def(Kind.TIMESTAMP_TYPE, 0, 0));
        DEFS.put("file.delete.delay.ms", new Def(Kind.LONG, 0, Long.MAX_VALUE));
        DEFS.put("cleanup.policy", new Def(Kind.CLEANUP_POLICY, 0, 0));
        DEFS.put("min.insync.replicas", new Def(Kind.INT, 1, Integer.MAX_VALUE));
        DEFS.put(UNCLEAN_LEADER_ELECTION_ENABLE, new Def(Kind.BOOLEAN, 0, 0));
    }

    /** Every accepted name, in a stable order. */
    public static Set<String> names() {
        return DEFS.keySet();
    }

    /** @throws ConfigException naming the first unknown key or bad value */
    public static void validate(Map<String, String> configs) {
        for (Map.Entry<String, String> e : configs.entrySet()) {
            validate(e.getKey(), e.getValue());
        }
    }

    public static void validateName(String key) {
        if (!DEFS.containsKey(key)) {
            throw new ConfigException("Unknown topic config '" + key + "'; known topic configs are "
                    + String.join(", ", DEFS.keySet()));
        }
    }

    public static void validate(String key, String rawValue) {
        validateName(key);
        Def d = DEFS.get(key);
        String v = rawValue == null ? "" : rawValue.trim();
        switch (d.kind()) {
            case INT, LONG -> {
                long n;
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw bad(key, v, "must be an integer");
                }
                if (n < d.min() || n > d.max()) {
                    throw bad(key, v, d.max() == Long.MAX_VALUE ? "must be an integer >= " + d.min()
                            : "must be an integer between " + d.min() + " and " + d.max());
                }
            }
            case BOOLEAN -> {
                if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                    throw bad(key, v, "must be true or false");
                }
            }
            case TIMESTAMP_TYPE -> {
                if (!v.equals("CreateTime") && !v.equals("LogAppendTime")) {
                    throw bad(key, v, "must be CreateTime or LogAppendTime");
                }
            }
            case CLEANUP_POLICY -> {
                for (String part : v.split(",", -1)) {
                    String p = part.trim();
                    if (!p.equals("delete") && !p.equals("compact")) {
                        throw bad(key, v, "must be a comma-separated list of delete and compact");
                    }
                }
            }
        }
    }

    private static ConfigException bad(String key, String value, String why) {
        return new ConfigException("Invalid value '" + value + "' for topic config '" + key + "': " + why);
    }
}

package io.fjord.clients.common.config;

import io.fjord.clients.common.errors.ConfigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configs a client accepts: name, type, default and validator, as Kafka's ConfigDef. Parsing
 * rejects unknown names (Kafka only warns; Fjord refuses, so a typo cannot silently leave a default
 * in force) and bad values, naming the key and what is allowed.
 */
public final class ConfigDef {
    /** Marks a config that has no default and must be given. */
    public static final Object NO_DEFAULT = new Object();

    public enum Type { BOOLEAN, INT, LONG, DOUBLE, STRING, LIST, CLASS }

    /** Checks a parsed value; throws ConfigException naming the key. */
    @FunctionalInterface
    public interface Validator {
        void ensureValid(String name, Object value);
    }

    public record Key(String name, Type type, Object defaultValue, Validator validator, String doc) {}

    private final String clientKind;
    private final Map<String, Key> keys = new LinkedHashMap<>();

    /** @param clientKind "producer", "consumer" or "admin client", for messages */
    public ConfigDef(String clientKind) {
        this.clientKind = clientKind;
    }

    public ConfigDef define(String name, Type type, Object defaultValue, Validator validator, String doc) {
        if (keys.containsKey(name)) {
            throw new IllegalStateException("config " + name + " defined twice");
        }
        Object parsedDefault = defaultValue == NO_DEFAULT || defaultValue == null ? defaultValue : parse(name, type, defaultValue);
        keys.put(name, new Key(name, type, parsedDefault, validator, doc));
        return this;
    }

    public ConfigDef define(String name, Type type, Object defaultValue, String doc) {
        return define(name, type, defaultValue, null, doc);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    public Map<String, Key> keys() {
        return Collections.unmodifiableMap(keys);
    }

    /** Parses user-given configs (String or typed values) into typed values with defaults filled in. */
    public Map<String, Object> parse(Map<?, ?> props) {
        Map<String, Object> given = new HashMap<>();
        for (Map.Entry<?, ?> e : props.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new ConfigException("Config keys must be strings, but the " + clientKind + " was given the key "
                        + e.getKey() + " of type " + (e.getKey() == null ? "null" : e.getKey().getClass().getName()) + ".");
            }
            if (!keys.containsKey(name)) {
                throw new ConfigException("Unknown " + clientKind + " config '" + name + "'. Known " + clientKind
                        + " configs: " + String.join(", ", new TreeSet<>(keys.keySet())) + ".");
            }
            given.put(name, e.getValue());
        }
        Map<String, Object> values = new TreeMap<>();
        for (Key key : keys.values()) {
            Object value;
            if (given.containsKey(key.name)) {
                value = given.get(key.name) == null ? null : parse(key.name, key.type, given.get(key.name));
            } else if (key.defaultValue == NO_DEFAULT) {
                throw new ConfigException("Missing required " + clientKind + " config '" + key.name + "': " + key.doc);
            } else {
                value = key.defaultValue;
            }
            if (key.validator != null) {
                key.validator.ensureValid(key.name, value);
            }
            values.put(key.name, value);
        }
        return values;
    }

    static Object parse(String name, Type type, Object value) {
        try {
            switch (type) {
                case BOOLEAN:
                    if (value instanceof Boolean) {
                        return value;
                    }
                    String b = value.toString().trim().toLowerCase(Locale.ROOT);
                    if (b.equals("true") || b.equals("false")) {
                        return Boolean.parseBoolean(b);
                    }
                    throw bad(name, value, "true or false");
                case INT:
                    if (value instanceof Integer) {
                        return value;
                    }
                    if (value instanceof Number n && n.longValue() == n.intValue() && !(value instanceof Double)) {
                        return n.intValue();
                    }
                    return Integer.parseInt(value.toString().trim());
                case LONG:
                    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                        return ((Number) value).longValue();
                    }
                    return Long.parseLong(value.toString().trim());
                case DOUBLE:
                    if (value instanceof Number n) {
                        return n.doubleValue();
                    }
                    return Double.parseDouble(value.toString().trim());
                case STRING:
                    if (value instanceof String || value instanceof Number) {
                        return value.toString().trim();
                    }
                    throw bad(name, value, "a string");
                case LIST:
                    if (value instanceof List<?> l) {
                        List<String> out = new ArrayList<>();
                        l.forEach(v -> out.add(String.valueOf(v).trim()));
                        return List.copyOf(out);
                    }
                    String s = value.toString().trim();
                    return s.isEmpty() ? List.of() : Arrays.stream(s.split("\\s*,\\s*")).filter(x -> !x.isEmpty()).toList();
                case CLASS:
                    if (value instanceof Class<?>) {
                        return value;
                    }
                    String className = value.toString().trim();
                    try {
                        ClassLoader cl = Thread.currentThread().getContextClassLoader();
                        return Class.forName(className, true, cl != null ? cl : ConfigDef.class.getClassLoader());
                    } catch (ClassNotFoundException | LinkageError e) {
                        throw new ConfigException("Config '" + name + "': class " + className + " could not be found"
                                + " on the classpath.", e);
                    }
                default:
                    throw new IllegalStateException("unknown type " + type);
            }
        } catch (NumberFormatException e) {
            throw bad(name, value, type == Type.INT ? "an integer" : type == Type.LONG ? "a long integer" : "a number");
        }
    }

    private static ConfigException bad(String name, Object value, String expected) {
        return new ConfigException("Invalid value '" + value + "' for config '" + name + "': expected " + expected + ".");
    }

    /** Numeric lower/upper bounds (inclusive). */
    public static Validator atLeast(long min) {
        return between(min, Long.MAX_VALUE);
    }

    public static Validator between(long min, long max) {
        return (name, value) -> {
            if (value == null) {
                throw new ConfigException("Config '" + name + "' must not be null.");
            }
            long v = ((Number) value).longValue();
            if (v < min || v > max) {
                String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
                throw new ConfigException("Invalid value " + value + " for config '" + name + "': must be " + range + ".");
            }
        };
    }

    /** One of the given strings, case-insensitively. */
    public static Validator oneOf(String... allowed) {
        return (name, value) -> {
            for (String a : allowed) {
                if (a.equalsIgnoreCase(String.valueOf(value))) {
                    return;
                }
            }
            throw new ConfigException("Invalid value '" + value + "' for config '" + name + "': must be one of "
                    + String.join(", ", allowed) + ".");
        };
    }

    /** A list that has at least one entry. */
    public static Validator nonEmptyList() {
        return (name, value) -> {
            if (value == null || ((List<?>) value).isEmpty()) {
                throw new ConfigException("Config '" + name + "' must list at least one entry.");
            }
        };
    }
}

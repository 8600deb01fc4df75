package io.fjord.metadata.image;

import io.fjord.proto.metadata.ConfigRecord;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Changes to topic config overrides.
 *
 * <p>Threading: confined to the thread replaying.
 */
public final class ConfigsDelta {
    private final ConfigsImage base;
    private boolean reset;
    /** Full new override map per changed topic; empty = no overrides left. */
    private final Map<String, Map<String, String>> changed = new HashMap<>();

    ConfigsDelta(ConfigsImage base) {
        this.base = base;
    }

    void reset() {
        reset = true;
        changed.clear();
    }

    public Map<String, String> topicConfig(String topic) {
        Map<String, String> m = changed.get(topic);
        if (m != null) {
            return m;
        }
        return reset ? Map.of() : base.topicConfig(topic);
    }

    void replay(ConfigRecord r) {
        Map<String, String> m = new TreeMap<>(topicConfig(r.getTopic()));
        if (r.hasValue()) {
            m.put(r.getName(), r.getValue());
        } else {
            m.remove(r.getName());
        }
        changed.put(r.getTopic(), m);
    }

    void removeTopic(String topic) {
        changed.put(topic, Map.of());
    }

    ConfigsImage apply() {
        if (!reset && changed.isEmpty()) {
            return base;
        }
        Map<String, Map<String, String>> all = new HashMap<>(reset ? Map.of() : base.byTopic());
        all.putAll(changed);
        return new ConfigsImage(all);
    }
}

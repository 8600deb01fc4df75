package io.fjord.metadata.image;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Topic config overrides, by topic name. Immutable; a topic without overrides has no entry. */
public record ConfigsImage(Map<String, Map<String, String>> byTopic) {
    public static final ConfigsImage EMPTY = new ConfigsImage(Map.of());

    public ConfigsImage {
        Map<String, Map<String, String>> copy = new TreeMap<>();
        byTopic.forEach((k, v) -> {
            if (!v.isEmpty()) {
                copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v)));
            }
        });
        byTopic = Collections.unmodifiableMap(copy);
    }

    /** The overrides of a topic, empty when none. */
    public Map<String, String> topicConfig(String topic) {
        return byTopic.getOrDefault(topic, Map.of());
    }
}

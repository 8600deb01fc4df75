package io.fjord.metadata.image;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** Every topic, by id and by name. Immutable; both maps hold the same TopicImage objects. */
public record TopicsImage(Map<String, TopicImage> byId, Map<String, TopicImage> byName) {
    public static final TopicsImage EMPTY = of(Map.of());

    /** Builds the name index from the id map. */
    public static TopicsImage of(Map<String, TopicImage> byId) {
        Map<String, TopicImage> names = new TreeMap<>();
        for (TopicImage t : byId.values()) {
            names.put(t.name(), t);
        }
        return new TopicsImage(Collections.unmodifiableMap(new HashMap<>(byId)), Collections.unmodifiableMap(names));
    }

    public TopicImage topic(String name) {
        return byName.get(name);
    }

    public TopicImage topicById(String id) {
        return byId.get(id);
    }

    /** Topics in name order. */
    public Collection<TopicImage> topics() {
        return byName.values();
    }
}

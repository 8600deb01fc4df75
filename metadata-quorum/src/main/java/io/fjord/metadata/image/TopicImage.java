package io.fjord.metadata.image;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** A topic: name, id, and its partitions by index. Immutable. */
public record TopicImage(String name, String id, Map<Integer, PartitionRegistration> partitions) {
    public TopicImage {
        partitions = Collections.unmodifiableMap(new TreeMap<>(partitions));
    }

    public PartitionRegistration partition(int partition) {
        return partitions.get(partition);
    }
}

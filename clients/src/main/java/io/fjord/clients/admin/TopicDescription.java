package io.fjord.clients.admin;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A topic as the cluster metadata describes it.
 *
 * @param configs topic-level overrides only, sorted by name (see FjordAdmin.describeConfigs for every value in force)
 */
public record TopicDescription(String name, String topicId, List<TopicPartitionInfo> partitions,
                               Map<String, String> configs) {
    public TopicDescription {
        partitions = List.copyOf(partitions);
        configs = Collections.unmodifiableSortedMap(new TreeMap<>(configs));
    }

    /** The replica count of the first partition (all partitions have the same count when created by Fjord). */
    public int replicationFactor() {
        return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
    }
}

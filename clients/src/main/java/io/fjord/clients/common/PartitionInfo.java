package io.fjord.clients.common;

import java.util.List;
import java.util.Objects;

/**
 * One partition as the cluster metadata describes it.
 *
 * @param leader null while the partition has no leader (an election is in progress or every replica is down)
 * @param replicas the assigned replicas, preferred leader first
 * @param isr the in-sync replicas
 */
public record PartitionInfo(String topic, int partition, Node leader, List<Node> replicas, List<Node> isr) {
    public PartitionInfo {
        Objects.requireNonNull(topic, "topic");
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}

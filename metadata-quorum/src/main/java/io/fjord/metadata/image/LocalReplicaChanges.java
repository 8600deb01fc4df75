package io.fjord.metadata.image;

import java.util.Map;

/**
 * What one broker must do after a delta: partitions it now leads, partitions it now follows (including
 * ones whose leader, leader epoch or ISR changed) and partitions whose replica it must delete.
 * Maps are sorted by partition.
 */
public record LocalReplicaChanges(Map<TopicPartition, PartitionInfo> leaders,
                                  Map<TopicPartition, PartitionInfo> followers,
                                  Map<TopicPartition, PartitionInfo> deletes) {

    /**
     * @param registration the new registration for leaders and followers; the last known one for deletes
     */
    public record PartitionInfo(TopicPartition topicPartition, String topicId, PartitionRegistration registration) {}

    public boolean isEmpty() {
        return leaders.isEmpty() && followers.isEmpty() && deletes.isEmpty();
    }
}

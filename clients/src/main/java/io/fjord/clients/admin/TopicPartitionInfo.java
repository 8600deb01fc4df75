package io.fjord.clients.admin;

import io.fjord.clients.common.Node;
import java.util.List;

/**
 * One partition of a described topic.
 *
 * @param leader null when the partition has no leader
 * @param highWatermark as reported by the leader; -1 when the leader could not be asked
 * @param logStartOffset as reported by the answering broker; -1 when unknown
 * @param logEndOffset as reported by the answering broker; -1 when unknown
 */
public record TopicPartitionInfo(int partition, Node leader, List<Node> replicas, List<Node> isr, int leaderEpoch,
                                 int partitionEpoch, long highWatermark, long logStartOffset, long logEndOffset) {
    public TopicPartitionInfo {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean hasHighWatermark() {
        return highWatermark >= 0;
    }
}

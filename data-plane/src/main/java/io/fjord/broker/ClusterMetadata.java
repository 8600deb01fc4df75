package io.fjord.broker;

import io.fjord.proto.NodeEndpoint;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What the broker knows about the cluster, for answering Metadata and pointing clients at leaders:
 * from the metadata log's image when controllers run the cluster, or from the local topic registry
 * of a standalone broker.
 */
interface ClusterMetadata {
    record PartitionView(int partition, int leader, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr) {}

    record TopicView(String name, String topicId, Map<String, String> configs, SortedMap<Integer, PartitionView> partitions) {}

    String clusterId();

    /** The active controller's id, or -1 when none is known. */
    int controllerId();

    /** Brokers clients may use: registered and unfenced. */
    List<NodeEndpoint> liveBrokers();

    Optional<NodeEndpoint> broker(int id);

    Collection<TopicView> topics();

    Optional<TopicView> topic(String name);
}

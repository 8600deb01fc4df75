package io.fjord.clients.testing;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.internals.Cluster;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import java.util.List;

/** Builds Cluster snapshots for unit tests without any server. */
public final class TestClusters {
    private TestClusters() {}

    /**
     * @param leaders leader id per partition (-1: no leader); brokers 1..brokerCount exist
     */
    public static Cluster cluster(String topic, int brokerCount, int... leaders) {
        MetadataResponse.Builder r = MetadataResponse.newBuilder();
        for (int id = 1; id <= brokerCount; id++) {
            r.addBrokers(NodeEndpoint.newBuilder().setNodeId(id).setHost("h" + id).setPort(9000 + id));
        }
        TopicMetadata.Builder t = TopicMetadata.newBuilder().setName(topic).setErrorCode(ErrorCode.NONE);
        for (int p = 0; p < leaders.length; p++) {
            t.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(leaders[p]));
        }
        return Cluster.fromResponse(r.addTopics(t).build());
    }

    public static List<Integer> available(Cluster c, String topic) {
        return c.availablePartitionsForTopic(topic).stream().map(PartitionInfo::partition).toList();
    }

    public static Node node(Cluster c, int id) {
        return c.node(id);
    }
}

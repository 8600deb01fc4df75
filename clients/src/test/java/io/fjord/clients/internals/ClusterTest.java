package io.fjord.clients.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.testing.TestClusters;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.TopicMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void leaderHintReplacesTheLeaderUnlessItIsOlder() {
        Cluster c = TestClusters.cluster("t", 2, 1, -1);
        assertEquals(1, c.leaderFor(TP).id());
        Node newLeader = new Node(3, "h3", 9003);
        Cluster moved = c.withLeader(TP, newLeader, 4);
        assertEquals(newLeader, moved.leaderFor(TP));
        assertEquals(4, moved.partition(TP).leaderEpoch());
        assertEquals(newLeader, moved.node(3), "a leader not listed among brokers becomes known");
        assertSame(moved, moved.withLeader(TP, c.node(1), 3), "an older epoch does not win");
        assertNull(c.leaderFor(new TopicPartition("t", 1)));
        assertEquals(List.of(0), TestClusters.available(c, "t"));
    }

    @Test
    void topicErrorsAreKeptApartFromTopics() {
        Cluster c = Cluster.fromResponse(MetadataResponse.newBuilder().addTopics(TopicMetadata.newBuilder()
                .setName("gone").setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)).build());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, c.topicError("gone"));
        assertNull(c.partitionCount("gone"));
        assertNull(c.topicError("never-asked"));
        assertEquals(List.of(), c.partitionsForTopic("gone"));
    }

    @Test
    void bootstrapServersParse() {
        List<Node> nodes = BootstrapServers.parse(List.of("a:1", " b:2 ", "[::1]:9092"));
        assertEquals(List.of(-1, -2, -3), nodes.stream().map(Node::id).toList());
        assertEquals("::1", nodes.get(2).host());
        assertEquals("[::1]:9092", nodes.get(2).address());
    }
}

package io.fjord.clients.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.testing.FakeCluster;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FjordAdminClusterAndOffsetsTest {
    private FakeCluster cluster;
    private FjordAdmin admin;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap(), "default.api.timeout.ms", 5000));
    }

    @AfterEach
    void stop() {
        admin.close();
        cluster.close();
    }

    @Test
    void describeClusterReturnsIdControllerAndBrokers() {
        ClusterDescription d = admin.describeCluster();
        assertEquals("fake", d.clusterId());
        assertEquals(1, d.controllerId());
        assertEquals(Set.of(1, 2), d.nodes().stream().map(Node::id).collect(Collectors.toSet()));
        Set<String> bootstrap = Set.of(cluster.bootstrap().split(","));
        assertEquals(bootstrap, d.nodes().stream().map(Node::address).collect(Collectors.toSet()));
    }

    @Test
    void listOffsetsAsksEachLeaderForEarliestLatestAndByTimestamp() throws Exception {
        cluster.createTopic("t", 2);
        TopicPartition p0 = new TopicPartition("t", 0);
        TopicPartition p1 = new TopicPartition("t", 1);
        try (FjordProducer<String, String> producer = new FjordProducer<>(
                Map.of("bootstrap.servers", cluster.bootstrap(), "retry.backoff.ms", 10),
                new StringSerializer(), new StringSerializer())) {
            // one record per batch: the fake searches timestamps per batch
            for (long ts : new long[] {1000, 2000, 3000}) {
                producer.send(new ProducerRecord<>("t", 0, ts, "k", "v")).get(10, TimeUnit.SECONDS);
            }
            producer.send(new ProducerRecord<>("t", 1, 7000L, "k", "v")).get(10, TimeUnit.SECONDS);
        }
        cluster.moveLeader("t", 1, 1);

        Map<TopicPartition, ListOffsetsResultInfo> earliest = admin.listOffsets(
                Map.of(p0, OffsetSpec.earliest(), p1, OffsetSpec.earliest()));
        assertEquals(0, earliest.get(p0).offset());
        assertEquals(0, earliest.get(p1).offset());

        Map<TopicPartition, ListOffsetsResultInfo> latest = admin.listOffsets(
                Map.of(p0, OffsetSpec.latest(), p1, OffsetSpec.latest()));
        assertEquals(3, latest.get(p0).offset());
        assertEquals(1, latest.get(p1).offset());
        assertEquals(Optional.of(0), latest.get(p0).leaderEpoch());
        assertEquals(Optional.of(1), latest.get(p1).leaderEpoch(), "the moved partition's new leader answered");

        Map<TopicPartition, ListOffsetsResultInfo> byTime = admin.listOffsets(
                Map.of(p0, OffsetSpec.forTimestamp(1500), p1, OffsetSpec.forTimestamp(7001)));
        assertEquals(1, byTime.get(p0).offset());
        assertEquals(2000, byTime.get(p0).timestamp());
        assertEquals(-1, byTime.get(p1).offset());
        assertEquals(-1, byTime.get(p1).timestamp());
    }
}

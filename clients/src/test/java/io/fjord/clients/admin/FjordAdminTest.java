package io.fjord.clients.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.errors.InvalidPartitionsException;
import io.fjord.clients.common.errors.InvalidReplicationFactorException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.errors.TopicExistsException;
import io.fjord.clients.common.errors.UnknownTopicOrPartitionException;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.testing.FakeCluster;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FjordAdminTest {
    private FakeCluster cluster;
    private FjordAdmin admin;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap(), "default.api.timeout.ms", 5000));
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        cluster.close();
    }

    @Test
    void createListDescribeDelete() throws Exception {
        Map<String, CreatedTopic> created = admin.createTopics(List.of(
                new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "1000")),
                new NewTopic("defaults", Optional.empty(), Optional.empty())));
        assertEquals(3, created.get("orders").numPartitions());
        assertEquals("id-orders", created.get("orders").topicId());
        assertEquals(1, created.get("defaults").numPartitions());
        assertEquals(Set.of("orders", "defaults"), admin.listTopics());

        try (FjordProducer<String, String> producer = new FjordProducer<>(
                Map.of("bootstrap.servers", cluster.bootstrap()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("orders", 1, "k", "v" + i)).get();
            }
        }
        TopicDescription d = admin.describeTopics(List.of("orders")).get("orders");
        assertEquals("id-orders", d.topicId());
        assertEquals(Map.of("retention.ms", "1000"), d.configs());
        assertEquals(1, d.replicationFactor());
        assertEquals(List.of(1, 2, 1), d.partitions().stream().map(p -> p.leader().id()).toList());
        assertEquals(5, d.partitions().get(1).highWatermark(), "asked of partition 1's leader, broker 2");
        assertEquals(0, d.partitions().get(0).highWatermark());

        Map<String, ConfigEntry> configs = admin.describeConfigs("orders");
        assertEquals(new ConfigEntry("retention.ms", "1000", false), configs.get("retention.ms"));
        assertTrue(admin.describeConfigs("defaults").get("retention.ms").isDefault());

        admin.createPartitions(Map.of("orders", 5));
        assertEquals(5, admin.describeTopics(List.of("orders")).get("orders").partitions().size());

        admin.deleteTopics(List.of("orders"));
        assertFalse(admin.listTopics().contains("orders"));
    }

    @Test
    void failuresAreTypedAndCarryTheBrokersMessage() {
        admin.createTopics(List.of(new NewTopic("a", 1, (short) 1)));
        TopicExistsException exists = assertThrows(TopicExistsException.class,
                () -> admin.createTopics(List.of(new NewTopic("a", 1, (short) 1), new NewTopic("b", 1, (short) 9))));
        assertTrue(exists.getMessage().contains("Create topic 'a' failed with TOPIC_ALREADY_EXISTS"), exists.getMessage());
        assertTrue(exists.getMessage().contains("Topic 'a' already exists."), exists.getMessage());
        assertEquals(1, exists.getSuppressed().length, "the other failure rides along");
        assertTrue(exists.getSuppressed()[0] instanceof InvalidReplicationFactorException);

        UnknownTopicOrPartitionException unknown = assertThrows(UnknownTopicOrPartitionException.class,
                () -> admin.describeTopics(List.of("nope")));
        assertTrue(unknown.getMessage().contains("'nope'") && unknown.getMessage().contains("does not exist"),
                unknown.getMessage());
        assertThrows(UnknownTopicOrPartitionException.class, () -> admin.deleteTopics(List.of("nope")));
        InvalidPartitionsException fewer = assertThrows(InvalidPartitionsException.class,
                () -> admin.createPartitions(Map.of("a", 1)));
        assertTrue(fewer.getMessage().contains("higher than the requested 1"), fewer.getMessage());
    }

    @Test
    void unreachableClusterTimesOutWithAClearMessage() {
        try (FjordAdmin dead = FjordAdmin.create(Map.of("bootstrap.servers", "127.0.0.1:1",
                "default.api.timeout.ms", 300, "retry.backoff.ms", 20))) {
            TimeoutException e = assertThrows(TimeoutException.class, dead::listTopics);
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
            assertTrue(e.getMessage().contains("default.api.timeout.ms=300"), e.getMessage());
        }
    }
}

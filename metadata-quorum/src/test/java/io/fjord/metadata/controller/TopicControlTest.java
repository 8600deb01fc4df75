package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TopicControlTest {
    private final ControlFixture f = new ControlFixture();

    private CreateTopicsResponse create(CreatableTopic.Builder... topics) {
        CreateTopicsRequest.Builder b = CreateTopicsRequest.newBuilder();
        for (CreatableTopic.Builder t : topics) {
            b.addTopics(t);
        }
        return f.commit(f.topics.createTopics(f.image, b.build()));
    }

    @Test
    void createSpreadsLeadersEvenlyAndStartsWithFullIsr() {
        f.liveBrokers("a", "b", "c");
        f.createTopic("t", 9, 3);
        Map<Integer, Integer> leaders = new HashMap<>();
        for (PartitionRegistration p : f.image.topics().topic("t").partitions().values()) {
            leaders.merge(p.leader(), 1, Integer::sum);
            assertEquals(p.replicas(), p.isr());
            assertEquals(p.replicas().get(0), p.leader());
            assertEquals(0, p.leaderEpoch());
        }
        assertEquals(Map.of(1, 3, 2, 3, 3, 3), leaders);
    }

    @Test
    void replicationFactorAboveLiveBrokersIsRefusedClearly() {
        f.liveBrokers("", "");
        f.register(3, "inc-3", "");   // registered but still fenced: does not count
        CreateTopicsResponse r = create(CreatableTopic.newBuilder().setName("t").setNumPartitions(1).setReplicationFactor(3));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, r.getTopics(0).getErrorCode());
        assertTrue(r.getTopics(0).getErrorMessage().contains("live (unfenced) brokers, 2"), r.getTopics(0).getErrorMessage());
        assertNull(f.image.topics().topic("t"));
    }

    @Test
    void badNamesCountsConfigsAndDuplicatesAreRefused() {
        f.liveBrokers("");
        CreateTopicsResponse r = create(
                CreatableTopic.newBuilder().setName("bad name").setNumPartitions(1).setReplicationFactor(1),
                CreatableTopic.newBuilder().setName("zero").setNumPartitions(0).setReplicationFactor(1),
                CreatableTopic.newBuilder().setName("cfg").setNumPartitions(1).setReplicationFactor(1).putConfigs("retention.msx", "1"),
                CreatableTopic.newBuilder().setName("typ").setNumPartitions(1).setReplicationFactor(1).putConfigs("segment.bytes", "big"),
                CreatableTopic.newBuilder().setName("dup").setNumPartitions(1).setReplicationFactor(1),
                CreatableTopic.newBuilder().setName("dup").setNumPartitions(1).setReplicationFactor(1),
                CreatableTopic.newBuilder().setName("ok").setNumPartitions(-1).setReplicationFactor(-1).putConfigs("cleanup.policy", "compact"));
        assertEquals(ErrorCode.INVALID_TOPIC, r.getTopics(0).getErrorCode());
        assertEquals(ErrorCode.INVALID_PARTITIONS, r.getTopics(1).getErrorCode());
        assertEquals(ErrorCode.INVALID_CONFIG, r.getTopics(2).getErrorCode());
        assertTrue(r.getTopics(2).getErrorMessage().contains("'retention.msx'"), r.getTopics(2).getErrorMessage());
        assertEquals(ErrorCode.INVALID_CONFIG, r.getTopics(3).getErrorCode());
        assertTrue(r.getTopics(3).getErrorMessage().contains("segment.bytes"));
        assertEquals(ErrorCode.INVALID_REQUEST, r.getTopics(4).getErrorCode());
        assertEquals(ErrorCode.NONE, r.getTopics(6).getErrorCode());
        assertEquals(1, f.image.topics().byName().size());
        assertEquals(Map.of("cleanup.policy", "compact"), f.image.configs().topicConfig("ok"));
        CreateTopicsResponse again = create(CreatableTopic.newBuilder().setName("ok").setNumPartitions(1).setReplicationFactor(1));
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, again.getTopics(0).getErrorCode());
    }

    @Test
    void validateOnlyWritesNothing() {
        f.liveBrokers("");
        var result = f.topics.createTopics(f.image, CreateTopicsRequest.newBuilder().setValidateOnly(true)
                .addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(3).setReplicationFactor(1)).build());
        assertTrue(result.records().isEmpty());
        assertEquals(ErrorCode.NONE, result.response().getTopics(0).getErrorCode());
    }

    @Test
    void partitionsOnlyGrowAndDeleteRemovesTheTopic() {
        f.liveBrokers("", "");
        f.createTopic("t", 2, 2);
        var grow = f.commit(f.topics.createPartitions(f.image, CreatePartitionsRequest.newBuilder()
                .addTopics(CreatePartitionsTopic.newBuilder().setName("t").setCount(5)).build()));
        assertEquals(ErrorCode.NONE, grow.getResults(0).getErrorCode());
        assertEquals(5, f.image.topics().topic("t").partitions().size());
        assertEquals(2, f.partition("t", 4).replicas().size());
        var shrink = f.commit(f.topics.createPartitions(f.image, CreatePartitionsRequest.newBuilder()
                .addTopics(CreatePartitionsTopic.newBuilder().setName("t").setCount(3)).build()));
        assertEquals(ErrorCode.INVALID_PARTITIONS, shrink.getResults(0).getErrorCode());
        var del = f.commit(f.topics.deleteTopics(f.image, DeleteTopicsRequest.newBuilder().addNames("t").addNames("nope").build()));
        assertEquals(ErrorCode.NONE, del.getTopics(0).getErrorCode());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, del.getTopics(1).getErrorCode());
        assertNull(f.image.topics().topic("t"));
    }

    @Test
    void alterConfigsValidatesKeysAndValues() {
        f.liveBrokers("");
        f.createTopic("t", 1, 1);
        var ok = f.commit(f.topics.alterConfigs(f.image, AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder()
                .setTopic("t").putSet("retention.ms", "60000").putSet("min.insync.replicas", "1")).build()));
        assertEquals(ErrorCode.NONE, ok.getResults(0).getErrorCode());
        assertEquals(Map.of("retention.ms", "60000", "min.insync.replicas", "1"), f.image.configs().topicConfig("t"));
        var bad = f.commit(f.topics.alterConfigs(f.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setTopic("t").putSet("log.retention.ms", "1"))
                .addResources(AlterConfigsResource.newBuilder().setTopic("t").putSet("unclean.leader.election.enable", "maybe"))
                .addResources(AlterConfigsResource.newBuilder().setTopic("t").putSet("message.timestamp.type", "LogAppendTime").addDelete("retention.ms"))
                .addResources(AlterConfigsResource.newBuilder().setTopic("nope").putSet("retention.ms", "1")).build()));
        assertEquals(ErrorCode.INVALID_CONFIG, bad.getResults(0).getErrorCode());
        assertTrue(bad.getResults(0).getErrorMessage().contains("'log.retention.ms'"));
        assertEquals(ErrorCode.INVALID_CONFIG, bad.getResults(1).getErrorCode());
        assertEquals(ErrorCode.NONE, bad.getResults(2).getErrorCode());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, bad.getResults(3).getErrorCode());
        assertEquals(Map.of("message.timestamp.type", "LogAppendTime", "min.insync.replicas", "1"), f.image.configs().topicConfig("t"));
    }

    @Test
    void enablingUncleanElectionElectsOfflinePartitions() {
        f.liveBrokers("", "");
        f.createTopic("t", 1, 2);
        int leader = f.partition("t", 0).leader();
        int follower = 3 - leader;
        // The follower drops out of the ISR, then the leader dies: offline.
        var reg = f.partition("t", 0);
        f.commit(f.replication.alterPartition(f.image, ReplicationControlTest.alter(leader, f.image.cluster().broker(leader).epoch(),
                "t", 0, reg.leaderEpoch(), reg.partitionEpoch(), leader)));
        f.time.sleep(ControlFixture.SESSION_MS / 2);
        f.heartbeat(follower, false);
        f.time.sleep(ControlFixture.SESSION_MS / 2 + 1);
        f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds()));
        assertEquals(-1, f.partition("t", 0).leader());
        f.commit(f.topics.alterConfigs(f.image, AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder()
                .setTopic("t").putSet("unclean.leader.election.enable", "true")).build()));
        assertEquals(follower, f.partition("t", 0).leader());
        assertEquals(java.util.List.of(follower), f.partition("t", 0).isr());
    }

    @Test
    void concurrentCreatesOfOneNameKeepTheFirstAtReplay() {
        f.liveBrokers("");
        var a = f.topics.createTopics(f.image, CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName("t").setNumPartitions(1).setReplicationFactor(1).putConfigs("retention.ms", "1")).build());
        var b = f.topics.createTopics(f.image, CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName("t").setNumPartitions(3).setReplicationFactor(1).putConfigs("retention.ms", "2")).build());
        f.commit(a);
        f.commit(b);
        assertEquals(a.response().getTopics(0).getTopicId(), f.image.topics().topic("t").id());
        assertEquals(1, f.image.topics().topic("t").partitions().size());
        assertEquals("1", f.image.configs().topicConfig("t").get("retention.ms"));
    }
}

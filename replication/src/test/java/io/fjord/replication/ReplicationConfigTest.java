package io.fjord.replication;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionRequest;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.proto.controller.AlterPartitionTopicResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicationConfigTest {
    @Test
    void kafkaDefaults() {
        ReplicationConfig c = ReplicationConfig.defaults();
        assertEquals(Map.of("replica.lag.time.max.ms", "30000", "replica.fetch.wait.max.ms", "500",
                "replica.fetch.min.bytes", "1", "replica.fetch.max.bytes", "1048576",
                "replica.fetch.response.max.bytes", "10485760", "replica.fetch.backoff.ms", "1000"), c.toMap());
        assertEquals(ReplicationConfig.NAMES, c.toMap().keySet());
    }

    @Test
    void readsBrokerPropertiesAndNamesBadValues() {
        ReplicationConfig c = ReplicationConfig.fromMap(Map.of("replica.lag.time.max.ms", "10000", "log.dirs", "/x"),
                ReplicationConfig.defaults());
        assertEquals(10_000L, c.replicaLagTimeMaxMs());
        assertEquals(500, c.replicaFetchWaitMaxMs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicationConfig.fromMap(Map.of("replica.fetch.max.bytes", "lots"), ReplicationConfig.defaults()));
        assertTrue(e.getMessage().contains("replica.fetch.max.bytes") && e.getMessage().contains("lots"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReplicationConfig.fromMap(Map.of("replica.lag.time.max.ms", "0"), ReplicationConfig.defaults()));
    }

    @Test
    void alterPartitionRequestsGroupByTopicAndIndexResults() {
        AlterPartitionRequest req = AlterPartitionRequests.build(1, 42L, List.of(
                new AlterPartitionProposal(new TopicPartition("a", 0), 3, 7, List.of(1, 2)),
                new AlterPartitionProposal(new TopicPartition("b", 1), 4, 8, List.of(1)),
                new AlterPartitionProposal(new TopicPartition("a", 2), 3, 9, List.of(1, 3))));
        assertEquals(1, req.getBrokerId());
        assertEquals(42L, req.getBrokerEpoch());
        assertEquals(List.of("a", "b"), req.getTopicsList().stream().map(t -> t.getTopic()).toList());
        assertEquals(2, req.getTopics(0).getPartitionsCount());
        assertEquals(9, req.getTopics(0).getPartitions(1).getPartitionEpoch());
        assertEquals(List.of(1, 3), req.getTopics(0).getPartitions(1).getNewIsrList());

        AlterPartitionResult r = AlterPartitionResult.newBuilder().setPartition(2).setErrorCode(ErrorCode.NONE).build();
        AlterPartitionResponse resp = AlterPartitionResponse.newBuilder()
                .addTopics(AlterPartitionTopicResult.newBuilder().setTopic("a").addPartitions(r)).build();
        assertEquals(Map.of(new TopicPartition("a", 2), r), AlterPartitionRequests.results(resp));
        assertEquals(Map.of(), AlterPartitionRequests.results(resp.toBuilder().setErrorCode(ErrorCode.NOT_CONTROLLER).build()));
    }
}

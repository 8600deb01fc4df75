package io.fjord.replication.follower;

import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.follower.FetcherManager.FollowTarget;
import io.fjord.replication.inmemory.InMemoryLeaderClient;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FetcherManagerTest {
    static final TopicPartition A = new TopicPartition("t", 0);
    static final TopicPartition B = new TopicPartition("t", 1);

    final FetcherManager manager = new FetcherManager(1, 9L, ReplicationConfig.defaults(), id -> new InMemoryLeaderClient(),
            new FetcherDriver.Listener() {});
    final InMemoryReplicaLog logA = new InMemoryReplicaLog();
    final InMemoryReplicaLog logB = new InMemoryReplicaLog();

    @Test
    void oneFetcherPerSourceBrokerAndPartitionsMoveWithTheirLeader() {
        assertEquals(Set.of(2, 3), manager.addPartitions(Map.of(A, new FollowTarget(2, 1, logA), B, new FollowTarget(3, 1, logB))));
        assertEquals(Set.of(A), manager.driver(2).orElseThrow().fetcher().partitions());

        assertEquals(Set.of(3), manager.addPartitions(Map.of(A, new FollowTarget(3, 2, logA))), "a new leader, a new epoch");
        assertEquals(Set.of(), manager.driver(2).orElseThrow().fetcher().partitions());
        assertEquals(Set.of(A, B), manager.driver(3).orElseThrow().fetcher().partitions());
        assertEquals(Optional.of(3), manager.sourceOf(A));
        assertEquals(List.of(2), manager.removeIdleFetchers());
        assertEquals(Set.of(3), manager.drivers().keySet());

        assertEquals(Set.of(), manager.addPartitions(Map.of(A, new FollowTarget(2, 1, logA))), "stale metadata");
        assertEquals(Optional.of(3), manager.sourceOf(A));

        assertEquals(Set.of(3), manager.removePartitions(List.of(A, B)), "this broker leads them now");
        assertEquals(List.of(3), manager.removeIdleFetchers());
    }

    @Test
    void pollAllSendsOneRequestPerSource() {
        Map<Integer, InMemoryLeaderClient> clients = new java.util.HashMap<>();
        FetcherManager m = new FetcherManager(1, 9L, ReplicationConfig.defaults(),
                id -> clients.computeIfAbsent(id, k -> new InMemoryLeaderClient()), new FetcherDriver.Listener() {});
        m.addPartitions(Map.of(A, new FollowTarget(2, 1, logA), B, new FollowTarget(2, 1, logB)));
        assertEquals(Long.MAX_VALUE, m.pollAll(0));
        assertEquals(1, clients.get(2).pending());
        assertEquals(2, clients.get(2).peek().orElseThrow().request().getTopics(0).getPartitionsCount());
        m.setBrokerEpoch(10L);
        clients.get(2).fail(new RuntimeException("reset"));
        assertEquals(1_000L, m.pollAll(0));
        assertEquals(Long.MAX_VALUE, m.pollAll(1_000));
        assertEquals(10L, clients.get(2).peek().orElseThrow().request().getReplicaEpoch());
    }

    @Test
    void aBrokerDoesNotFollowItself() {
        assertThrows(IllegalArgumentException.class, () -> manager.addPartitions(Map.of(A, new FollowTarget(1, 1, logA))));
    }
}

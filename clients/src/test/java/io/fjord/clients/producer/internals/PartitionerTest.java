package io.fjord.clients.producer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.internals.Cluster;
import io.fjord.clients.testing.TestClusters;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    private static final String TOPIC = "t";

    @Test
    void keyedRecordsLandWhereKafkasProducerPutsThem() {
        Random random = new Random(42);
        Cluster cluster = TestClusters.cluster(TOPIC, 1, 1);
        Partitioner partitioner = new Partitioner(new StickyPartitionCache(new Random(1)));
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(200);
            assertEquals(BuiltInPartitioner.partitionForKey(key, partitions),
                    partitioner.partition(TOPIC, null, key, cluster, partitions), "key of " + key.length + " bytes");
        }
        for (String key : new String[] {"", "a", "order-17", "ünïcode-κλειδί", "0123456789abcdef0123456789abcdef"}) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            assertEquals(BuiltInPartitioner.partitionForKey(bytes, 6), partitioner.partition(TOPIC, null, bytes, cluster, 6));
        }
    }

    @Test
    void explicitPartitionWinsOverKeyAndStickiness() {
        Cluster cluster = TestClusters.cluster(TOPIC, 1, 1, 1, 1);
        Partitioner partitioner = new Partitioner(new StickyPartitionCache(new Random(1)));
        assertEquals(2, partitioner.partition(TOPIC, 2, "k".getBytes(StandardCharsets.UTF_8), cluster, 3));
        assertEquals(1, partitioner.partition(TOPIC, 1, null, cluster, 3));
        assertTrue(Partitioner.isSticky(null, null));
        assertTrue(!Partitioner.isSticky(null, new byte[0]) && !Partitioner.isSticky(0, null));
    }

    @Test
    void nullKeysStickToOnePartitionUntilANewBatchIsNeeded() {
        Cluster cluster = TestClusters.cluster(TOPIC, 2, 1, 2, 1, 2, 1, 2);
        StickyPartitionCache sticky = new StickyPartitionCache(new Random(7));
        int first = sticky.partition(TOPIC, cluster);
        for (int i = 0; i < 100; i++) {
            assertEquals(first, sticky.partition(TOPIC, cluster), "sticks while the batch has room");
        }
        Set<Integer> visited = new HashSet<>();
        int current = first;
        for (int i = 0; i < 200; i++) {
            int next = sticky.nextPartition(TOPIC, cluster, current);
            assertNotEquals(current, next, "a new batch moves to another partition");
            assertEquals(next, sticky.partition(TOPIC, cluster));
            visited.add(next);
            current = next;
        }
        assertEquals(6, visited.size(), "every partition is used over time");
    }

    @Test
    void aStaleNewBatchSignalDoesNotMoveThePartitionAgain() {
        Cluster cluster = TestClusters.cluster(TOPIC, 1, 1, 1, 1);
        StickyPartitionCache sticky = new StickyPartitionCache(new Random(3));
        int first = sticky.partition(TOPIC, cluster);
        int second = sticky.nextPartition(TOPIC, cluster, first);
        assertEquals(second, sticky.nextPartition(TOPIC, cluster, first),
                "another thread already moved off 'first': keep the new choice");
    }

    @Test
    void onlyPartitionsWithALeaderAreChosen() {
        Cluster cluster = TestClusters.cluster(TOPIC, 1, -1, 1, -1, 1);
        StickyPartitionCache sticky = new StickyPartitionCache(new Random(11));
        int current = sticky.partition(TOPIC, cluster);
        for (int i = 0; i < 50; i++) {
            assertTrue(current == 1 || current == 3, "chose leaderless partition " + current);
            current = sticky.nextPartition(TOPIC, cluster, current);
        }
        Cluster single = TestClusters.cluster(TOPIC, 1, -1, -1, 1);
        StickyPartitionCache one = new StickyPartitionCache(new Random(5));
        assertEquals(2, one.partition(TOPIC, single));
        assertEquals(2, one.nextPartition(TOPIC, single, 2), "with one available partition it stays there");
    }
}

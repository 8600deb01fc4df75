package io.fjord.clients.producer.internals;

import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.internals.Cluster;
import io.fjord.wire.Murmur2;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Sticky partitioning of records without key, as KIP-480 (Kafka's StickyPartitionCache): every such
 * record of a topic goes to one partition until a new batch has to be created for it (the last was
 * full or already sent), then a different partition is picked at random among those with a leader.
 * Larger batches, lower latency than round-robin.
 *
 * <p>Threading: thread-safe. The random source is injected so that tests are repeatable.
 */
public final class StickyPartitionCache {
    private final ConcurrentMap<String, Integer> indexCache = new ConcurrentHashMap<>();
    private final Random random;

    public StickyPartitionCache(Random random) {
        this.random = random;
    }

    /** The topic's current sticky partition, choosing one if there is none yet. */
    public int partition(String topic, Cluster cluster) {
        Integer part = indexCache.get(topic);
        return part != null ? part : nextPartition(topic, cluster, -1);
    }

    /**
     * Moves the topic off {@code prevPartition} (unless another thread already did) and returns the
     * partition now in use.
     */
    public int nextPartition(String topic, Cluster cluster, int prevPartition) {
        Integer oldPart = indexCache.get(topic);
        if (oldPart != null && oldPart != prevPartition) {
            return oldPart;
        }
        List<PartitionInfo> partitions = cluster.partitionsForTopic(topic);
        List<PartitionInfo> available = cluster.availablePartitionsForTopic(topic);
        int newPart;
        if (available.isEmpty()) {
            newPart = Murmur2.toPositive(random.nextInt()) % partitions.size();
        } else if (available.size() == 1) {
            newPart = available.get(0).partition();
        } else {
            do {
                newPart = available.get(Murmur2.toPositive(random.nextInt()) % available.size()).partition();
            } while (oldPart != null && newPart == oldPart);
        }
        if (oldPart == null) {
            indexCache.putIfAbsent(topic, newPart);
        } else {
            indexCache.replace(topic, prevPartition, newPart);
        }
        return indexCache.get(topic);
    }
}

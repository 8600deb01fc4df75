package io.fjord.clients.producer.internals;

import io.fjord.clients.internals.Cluster;
import io.fjord.wire.Murmur2;

/**
 * Chooses a record's partition as Kafka's producer does: an explicit partition wins; a key goes to
 * {@code toPositive(murmur2(key)) % numPartitions} (so it lands where a Kafka producer would put it);
 * no key: the sticky partition.
 */
public final class Partitioner {
    private final StickyPartitionCache sticky;

    public Partitioner(StickyPartitionCache sticky) {
        this.sticky = sticky;
    }

    /** @param numPartitions the topic's partition count in {@code cluster} */
    public int partition(String topic, Integer explicitPartition, byte[] keyBytes, Cluster cluster, int numPartitions) {
        if (explicitPartition != null) {
            return explicitPartition;
        }
        if (keyBytes != null) {
            return Murmur2.partition(keyBytes, numPartitions);
        }
        return sticky.partition(topic, cluster);
    }

    /** Whether a record goes to the sticky partition (and so may switch when a new batch is needed). */
    public static boolean isSticky(Integer explicitPartition, byte[] keyBytes) {
        return explicitPartition == null && keyBytes == null;
    }

    public int onNewBatch(String topic, Cluster cluster, int prevPartition) {
        return sticky.nextPartition(topic, cluster, prevPartition);
    }
}

package io.fjord.metadata.controller;

import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka's auto leader rebalance: a partition's preferred leader is its first replica; after a
 * failover the survivors lead everything, so once the preferred replica is alive, unfenced and back
 * in the ISR, leadership moves back to it. As in Kafka, a broker's partitions move only when the
 * share of its preferred partitions that it does not lead exceeds
 * {@code leader.imbalance.per.broker.percentage}. Pure: image in, records out.
 */
public final class PreferredLeaders {
    private PreferredLeaders() {}

    public static List<MetadataRecord> rebalance(MetadataImage image, int imbalancePercentage) {
        Map<Integer, Integer> preferredCount = new HashMap<>();
        Map<Integer, List<MetadataRecord>> moves = new HashMap<>();
        for (TopicImage t : image.topics().topics()) {
            for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
                PartitionRegistration reg = e.getValue();
                if (reg.replicas().isEmpty()) {
                    continue;
                }
                int preferred = reg.replicas().get(0);
                preferredCount.merge(preferred, 1, Integer::sum);
                if (reg.leader() != preferred && reg.isr().contains(preferred) && image.cluster().isActive(preferred)) {
                    moves.computeIfAbsent(preferred, k -> new ArrayList<>()).add(MetadataRecord.newBuilder()
                            .setPartitionChange(PartitionChangeRecord.newBuilder().setTopicId(t.id()).setPartition(e.getKey())
                                    .setLeader(preferred).setExpectedPartitionEpoch(-1))
                            .build());
                }
            }
        }
        List<MetadataRecord> out = new ArrayList<>();
        for (Map.Entry<Integer, List<MetadataRecord>> m : moves.entrySet()) {
            int total = preferredCount.getOrDefault(m.getKey(), 0);
            if (total > 0 && m.getValue().size() * 100L > (long) imbalancePercentage * total) {
                out.addAll(m.getValue());
            }
        }
        return out;
    }
}

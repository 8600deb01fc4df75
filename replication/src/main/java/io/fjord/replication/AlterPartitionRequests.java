package io.fjord.replication;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionRequest;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.proto.controller.AlterPartitionTopic;
import io.fjord.proto.controller.AlterPartitionTopicResult;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds controller.proto AlterPartition requests from proposals and indexes the answers. */
public final class AlterPartitionRequests {
    private AlterPartitionRequests() {}

    /** One request for many proposals, grouped by topic in the order given. */
    public static AlterPartitionRequest build(int brokerId, long brokerEpoch, Collection<AlterPartitionProposal> proposals) {
        Map<String, AlterPartitionTopic.Builder> topics = new LinkedHashMap<>();
        for (AlterPartitionProposal p : proposals) {
            topics.computeIfAbsent(p.partition().topic(), t -> AlterPartitionTopic.newBuilder().setTopic(t))
                    .addPartitions(p.toData());
        }
        AlterPartitionRequest.Builder b = AlterPartitionRequest.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch);
        topics.values().forEach(b::addTopics);
        return b.build();
    }

    /**
     * The per-partition results of a response. A request-level error (NOT_CONTROLLER,
     * STALE_BROKER_EPOCH...) is not a verdict on any proposal: the caller keeps them pending and sends
     * them again; this returns an empty map for it.
     */
    public static Map<TopicPartition, AlterPartitionResult> results(AlterPartitionResponse response) {
        Map<TopicPartition, AlterPartitionResult> out = new LinkedHashMap<>();
        if (response.getErrorCode() != ErrorCode.NONE) {
            return out;
        }
        for (AlterPartitionTopicResult t : response.getTopicsList()) {
            for (AlterPartitionResult r : t.getPartitionsList()) {
                out.put(new TopicPartition(t.getTopic(), r.getPartition()), r);
            }
        }
        return out;
    }
}

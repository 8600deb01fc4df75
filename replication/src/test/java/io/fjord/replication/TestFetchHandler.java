package io.fjord.replication;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.FetchableTopicResponse;
import io.fjord.replication.leader.FollowerFetchResponder;
import io.fjord.replication.leader.PartitionRole;

import java.util.function.BiConsumer;
import java.util.function.Function;

/** Answers a whole follower FetchRequest the way a broker would (minus the long poll), for tests. */
public final class TestFetchHandler {
    private TestFetchHandler() {}

    /**
     * @param roles this broker's role per partition, null when it does not host one
     * @param outcomes told each partition's outcome (new HW, ISR proposal)
     */
    public static FetchResponse handle(FetchRequest request, Function<TopicPartition, PartitionRole> roles, long nowMs,
                                       BiConsumer<TopicPartition, FollowerFetchResponder.Outcome> outcomes) {
        FetchResponse.Builder resp = FetchResponse.newBuilder().setErrorCode(ErrorCode.NONE);
        int budget = request.getMaxBytes();
        for (FetchTopic topic : request.getTopicsList()) {
            FetchableTopicResponse.Builder t = FetchableTopicResponse.newBuilder().setTopic(topic.getTopic());
            for (FetchPartition fp : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), fp.getPartition());
                PartitionRole role = roles.apply(tp);
                if (role == null) {
                    t.addPartitions(FetchPartitionData.newBuilder().setPartition(fp.getPartition())
                            .setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                FollowerFetchResponder.Outcome o = FollowerFetchResponder.respond(role, request.getReplicaId(), fp,
                        Math.max(budget, 0), nowMs);
                budget -= o.data().getRecords().size();
                outcomes.accept(tp, o);
                t.addPartitions(o.data());
            }
            resp.addTopics(t);
        }
        return resp.build();
    }

    /** Whether any partition of the response has something for the follower (else a broker would long-poll). */
    public static boolean isActionable(FetchResponse response) {
        return response.getTopicsList().stream().flatMap(t -> t.getPartitionsList().stream())
                .anyMatch(p -> p.getErrorCode() != ErrorCode.NONE || p.hasDivergingEpoch() || !p.getRecords().isEmpty());
    }
}

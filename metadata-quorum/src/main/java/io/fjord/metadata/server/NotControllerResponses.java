package io.fjord.metadata.server;

import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreatableTopicResult;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreatePartitionsTopic;
import io.fjord.proto.CreatePartitionsTopicResult;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeletableTopicResult;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResource;
import io.fjord.proto.controller.AlterConfigsResponse;
import io.fjord.proto.controller.AlterConfigsResult;

/** NOT_CONTROLLER answers for admin requests, which carry an error per topic rather than per call. */
final class NotControllerResponses {
    private NotControllerResponses() {}

    static CreateTopicsResponse createTopics(CreateTopicsRequest req, String message) {
        CreateTopicsResponse.Builder b = CreateTopicsResponse.newBuilder();
        for (CreatableTopic t : req.getTopicsList()) {
            b.addTopics(CreatableTopicResult.newBuilder().setName(t.getName()).setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(message));
        }
        return b.build();
    }

    static DeleteTopicsResponse deleteTopics(DeleteTopicsRequest req, String message) {
        DeleteTopicsResponse.Builder b = DeleteTopicsResponse.newBuilder();
        for (String name : req.getNamesList()) {
            b.addTopics(DeletableTopicResult.newBuilder().setName(name).setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(message));
        }
        return b.build();
    }

    static CreatePartitionsResponse createPartitions(CreatePartitionsRequest req, String message) {
        CreatePartitionsResponse.Builder b = CreatePartitionsResponse.newBuilder();
        for (CreatePartitionsTopic t : req.getTopicsList()) {
            b.addResults(CreatePartitionsTopicResult.newBuilder().setName(t.getName()).setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(message));
        }
        return b.build();
    }

    static AlterConfigsResponse alterConfigs(AlterConfigsRequest req, String message) {
        AlterConfigsResponse.Builder b = AlterConfigsResponse.newBuilder();
        for (AlterConfigsResource r : req.getResourcesList()) {
            b.addResults(AlterConfigsResult.newBuilder().setTopic(r.getTopic()).setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(message));
        }
        return b.build();
    }
}

package io.fjord.broker;

import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;

/** Where topic admin requests that reach a broker are carried out: locally, or at the active controller. */
interface AdminBackend {
    CreateTopicsResponse create(CreateTopicsRequest req);

    DeleteTopicsResponse delete(DeleteTopicsRequest req);

    CreatePartitionsResponse createPartitions(CreatePartitionsRequest req);

    io.fjord.proto.AlterTopicConfigsResponse alterConfigs(io.fjord.proto.AlterTopicConfigsRequest req);

    /** Creates a topic with the defaults, for auto.create.topics.enable; failures are ignored (the caller sees the topic missing). */
    void autoCreate(String name);
}

package io.fjord.broker;

import io.fjord.metadata.broker.ControllerClient;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreatableTopicResult;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeletableTopicResult;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.AlterTopicConfigs;
import io.fjord.proto.AlterTopicConfigsRequest;
import io.fjord.proto.AlterTopicConfigsResponse;
import io.fjord.proto.AlterTopicConfigsResult;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResource;
import io.fjord.proto.controller.AlterConfigsResponse;
import io.fjord.proto.controller.AlterConfigsResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Predicate;

/**
 * Forwards topic admin to the active controller (the client follows NOT_CONTROLLER redirects), then
 * waits briefly until this broker's own metadata shows the result, so a client that creates a
 * topic and produces to it at once finds it here.
 */
final class ControllerAdmin implements AdminBackend {
    private static final Logger log = LoggerFactory.getLogger(ControllerAdmin.class);
    private static final long CATCH_UP_WAIT_MS = 5_000;

    private final ControllerClient controller;
    private final ClusterMetadata metadata;

    ControllerAdmin(ControllerClient controller, ClusterMetadata metadata) {
        this.controller = controller;
        this.metadata = metadata;
    }

    @Override
    public CreateTopicsResponse create(CreateTopicsRequest req) {
        CreateTopicsResponse resp = controller.createTopics(req);
        if (!req.getValidateOnly()) {
            for (CreatableTopicResult r : resp.getTopicsList()) {
                if (r.getErrorCode() == ErrorCode.NONE) {
                    awaitLocal(r.getName(), name -> metadata.topic(name).map(t -> t.partitions().size() >= r.getNumPartitions()).orElse(false));
                }
            }
        }
        return resp;
    }

    @Override
    public DeleteTopicsResponse delete(DeleteTopicsRequest req) {
        DeleteTopicsResponse resp = controller.deleteTopics(req);
        for (DeletableTopicResult r : resp.getTopicsList()) {
            if (r.getErrorCode() == ErrorCode.NONE) {
                awaitLocal(r.getName(), name -> metadata.topic(name).isEmpty());
            }
        }
        return resp;
    }

    @Override
    public CreatePartitionsResponse createPartitions(CreatePartitionsRequest req) {
        return controller.createPartitions(req);
    }

    @Override
    public AlterTopicConfigsResponse alterConfigs(AlterTopicConfigsRequest req) {
        AlterConfigsRequest.Builder fwd = AlterConfigsRequest.newBuilder().setValidateOnly(req.getValidateOnly());
        for (AlterTopicConfigs t : req.getTopicsList()) {
            fwd.addResources(AlterConfigsResource.newBuilder().setTopic(t.getTopic()).putAllSet(t.getSetMap()).addAllDelete(t.getDeleteList()));
        }
        AlterConfigsResponse r = controller.alterConfigs(fwd.build());
        AlterTopicConfigsResponse.Builder out = AlterTopicConfigsResponse.newBuilder();
        for (AlterConfigsResult res : r.getResultsList()) {
            out.addResults(AlterTopicConfigsResult.newBuilder().setTopic(res.getTopic()).setErrorCode(res.getErrorCode())
                    .setErrorMessage(res.getErrorMessage()));
        }
        return out.build();
    }

    @Override
    public void autoCreate(String name) {
        if (metadata.topic(name).isPresent() || TopicRegistry.invalidNameReason(name) != null) {
            return;
        }
        try {
            create(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder().setName(name)
                    .setNumPartitions(-1).setReplicationFactor(-1)).build());
        } catch (RuntimeException e) {
            log.warn("Auto-creating topic {} failed: {}", name, e.getMessage());
        }
    }

    /** Polls this broker's image; the metadata stream usually delivers within milliseconds. */
    private void awaitLocal(String name, Predicate<String> done) {
        long deadline = System.nanoTime() + CATCH_UP_WAIT_MS * 1_000_000L;
        while (!done.test(name) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package io.fjord.broker;

import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.ConfigEntry;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.DescribeConfigsRequest;
import io.fjord.proto.DescribeConfigsResponse;
import io.fjord.proto.DescribeConfigsResult;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchStreamRequest;
import io.fjord.proto.FetchStreamResponse;
import io.fjord.proto.ListOffsetsPartition;
import io.fjord.proto.ListOffsetsPartitionResponse;
import io.fjord.proto.ListOffsetsRequest;
import io.fjord.proto.ListOffsetsResponse;
import io.fjord.proto.ListOffsetsTopic;
import io.fjord.proto.ListOffsetsTopicResponse;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicMetadata;
import io.fjord.storage.LogConfig;
import io.fjord.storage.TimestampOffset;
import io.fjord.proto.InitProducerIdRequest;
import io.fjord.proto.InitProducerIdResponse;
import io.fjord.proto.ProduceStreamRequest;
import io.fjord.proto.ProduceStreamResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gRPC face of the broker. Each RPC delegates to a handler; a handler's unexpected exception
 * becomes one INTERNAL status here (the only place that maps exceptions to gRPC statuses), while
 * expected failures travel as per-partition error codes inside normal responses.
 */
final class BrokerGrpcService extends BrokerServiceGrpc.BrokerServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(BrokerGrpcService.class);

    static final long LATEST_TIMESTAMP = -1L;
    static final long EARLIEST_TIMESTAMP = -2L;
    static final long MAX_TIMESTAMP = -3L;

    private final BrokerConfig config;
    private final ClusterMetadata metadata;
    private final ReplicaManager replicas;
    private final Leadership leadership;
    private final ProduceHandler produce;
    private final FetchPurgatory fetches;
    private final Set<OpenStream> openStreams = ConcurrentHashMap.newKeySet();
    private final AdminBackend admin;
    private final ProducerIdManager producerIds;

    BrokerGrpcService(BrokerConfig config, ClusterMetadata metadata, ReplicaManager replicas, Leadership leadership,
                      ProduceHandler produce, FetchPurgatory fetches, AdminBackend admin, ProducerIdManager producerIds) {
        this.config = config;
        this.metadata = metadata;
        this.replicas = replicas;
        this.leadership = leadership;
        this.produce = produce;
        this.fetches = fetches;
        this.admin = admin;
        this.producerIds = producerIds;
    }

    @Override
    public void produce(ProduceRequest req, StreamObserver<ProduceResponse> out) {
        try {
            handleProduce(req, resp -> {
                out.onNext(resp);
                out.onCompleted();
            });
        } catch (RuntimeException e) {
            log.error("Produce failed", e);
            out.onError(Status.INTERNAL.withDescription("Produce failed on broker " + config.nodeId() + ": " + e).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<ProduceStreamRequest> produceStream(StreamObserver<ProduceStreamResponse> out) {
        return track(new ProduceStream(config.nodeId(), this::handleProduce, (ServerCallStreamObserver<ProduceStreamResponse>) out));
    }

    /** Both produce RPCs: creates missing topics when auto.create.topics.enable, then appends. */
    private void handleProduce(ProduceRequest req, java.util.function.Consumer<ProduceResponse> respond) {
        if (config.autoCreateTopics()) {
            req.getTopicsList().forEach(t -> admin.autoCreate(t.getTopic()));
        }
        produce.handle(req, respond);
    }

    @Override
    public void initProducerId(InitProducerIdRequest req, StreamObserver<InitProducerIdResponse> out) {
        unary(out, () -> {
            InitProducerIdResponse.Builder r = InitProducerIdResponse.newBuilder().setProducerId(-1).setProducerEpoch(-1);
            if (!req.getTransactionalId().isEmpty()) {
                return r.setErrorCode(ErrorCode.INVALID_REQUEST).setErrorMessage("transactional.id '" + req.getTransactionalId()
                        + "': transactions are not supported; unset transactional.id (idempotence works without it)").build();
            }
            try {
                return r.setErrorCode(ErrorCode.NONE).setProducerId(producerIds.nextProducerId()).setProducerEpoch(0).build();
            } catch (ProducerIdManager.ProducerIdsUnavailableException e) {
                return r.setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage("broker " + config.nodeId()
                        + " cannot hand out producer ids now: " + e.getMessage() + "; retry").build();
            }
        }, "InitProducerId");
    }

    @Override
    public void fetch(FetchRequest req, StreamObserver<FetchResponse> out) {
        try {
            fetches.fetch(req, out);
        } catch (RuntimeException e) {
            log.error("Fetch failed", e);
            out.onError(Status.INTERNAL.withDescription("Fetch failed on broker " + config.nodeId() + ": " + e).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<FetchStreamRequest> fetchStream(StreamObserver<FetchStreamResponse> out) {
        return track(new FetchStream(config.nodeId(), fetches::fetch, (ServerCallStreamObserver<FetchStreamResponse>) out));
    }

    private <S extends OpenStream> S track(S stream) {
        openStreams.removeIf(OpenStream::isFinished);
        openStreams.add(stream);
        return stream;
    }

    /**
     * Ends every open ProduceStream and FetchStream (at shutdown, after parked fetches were answered):
     * a fetch stream at once, a produce stream once the answers it owes are out.
     */
    void endStreams() {
        openStreams.forEach(OpenStream::shutdown);
        openStreams.clear();
    }

    @Override
    public void listOffsets(ListOffsetsRequest req, StreamObserver<ListOffsetsResponse> out) {
        unary(out, () -> {
            ListOffsetsResponse.Builder resp = ListOffsetsResponse.newBuilder();
            for (ListOffsetsTopic t : req.getTopicsList()) {
                ListOffsetsTopicResponse.Builder tr = ListOffsetsTopicResponse.newBuilder().setTopic(t.getTopic());
                for (ListOffsetsPartition lp : t.getPartitionsList()) {
                    tr.addPartitions(listOffset(t.getTopic(), lp, req.getReplicaId()));
                }
                resp.addTopics(tr);
            }
            return resp.build();
        }, "ListOffsets");
    }

    private ListOffsetsPartitionResponse listOffset(String topic, ListOffsetsPartition lp, int replicaId) {
        ListOffsetsPartitionResponse.Builder r = ListOffsetsPartitionResponse.newBuilder()
                .setPartition(lp.getPartition()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        TopicPartitionKey tp = new TopicPartitionKey(topic, lp.getPartition());
        Leadership.Check check = leadership.leaderFor(tp);
        if (!check.ok()) {
            if (check.hint() != null) {
                r.setCurrentLeader(check.hint());
            }
            return r.setErrorCode(check.error()).setErrorMessage(check.message()).build();
        }
        Partition p = check.leader();
        r.setLeaderEpoch(p.leaderEpoch()).setErrorCode(ErrorCode.NONE);
        long ts = lp.getTimestamp();
        if (ts == LATEST_TIMESTAMP) {
            return r.setOffset(replicaId >= 0 ? p.log().logEndOffset() : p.highWatermark()).build();
        }
        if (ts == EARLIEST_TIMESTAMP) {
            return r.setOffset(p.log().logStartOffset()).build();
        }
        if (ts < MAX_TIMESTAMP) {
            return r.setErrorCode(ErrorCode.INVALID_REQUEST).setErrorMessage("timestamp " + ts + " is neither >= 0 nor -1, -2, -3").build();
        }
        Optional<TimestampOffset> found = ts == MAX_TIMESTAMP ? p.log().offsetOfMaxTimestamp() : p.log().offsetForTimestamp(ts);
        found.filter(f -> f.offset() < p.highWatermark() || replicaId >= 0)
                .ifPresent(f -> r.setTimestamp(f.timestamp()).setOffset(f.offset()));
        return r.build();
    }

    @Override
    public void metadata(MetadataRequest req, StreamObserver<MetadataResponse> out) {
        unary(out, () -> {
            MetadataResponse.Builder resp = MetadataResponse.newBuilder().setClusterId(metadata.clusterId())
                    .setControllerId(metadata.controllerId()).addAllBrokers(metadata.liveBrokers());
            List<String> names = new ArrayList<>();
            if (req.getAllTopics() || req.getTopicsCount() == 0) {
                metadata.topics().forEach(t -> names.add(t.name()));
            } else {
                names.addAll(req.getTopicsList());
            }
            for (String name : names) {
                if (config.autoCreateTopics() && !req.getAllTopics()) {
                    admin.autoCreate(name);
                }
                resp.addTopics(topicMetadata(name));
            }
            return resp.build();
        }, "Metadata");
    }

    private TopicMetadata topicMetadata(String name) {
        java.util.Set<Integer> live = new java.util.HashSet<>();
        metadata.liveBrokers().forEach(b -> live.add(b.getNodeId()));
        TopicMetadata.Builder tm = TopicMetadata.newBuilder().setName(name);
        Optional<ClusterMetadata.TopicView> found = metadata.topic(name);
        if (found.isEmpty()) {
            return tm.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + name + "' does not exist").build();
        }
        ClusterMetadata.TopicView t = found.get();
        tm.setErrorCode(ErrorCode.NONE).setTopicId(t.topicId()).putAllConfigs(t.configs());
        for (ClusterMetadata.PartitionView v : t.partitions().values()) {
            PartitionMetadata.Builder pm = PartitionMetadata.newBuilder().setPartition(v.partition())
                    .setErrorCode(v.leader() < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE)
                    .setLeaderId(v.leader()).setLeaderEpoch(v.leaderEpoch()).setPartitionEpoch(v.partitionEpoch())
                    .addAllReplicas(v.replicas()).addAllIsr(v.isr())
                    .setHighWatermark(-1).setLogStartOffset(-1).setLogEndOffset(-1);
            for (int replica : v.replicas()) {
                if (!live.contains(replica)) {
                    pm.addOfflineReplicas(replica);
                }
            }
            Partition local = replicas.get(new TopicPartitionKey(name, v.partition()));
            if (local != null && local.isLeader()) {
                pm.setHighWatermark(local.highWatermark()).setLogStartOffset(local.log().logStartOffset())
                        .setLogEndOffset(local.log().logEndOffset());
            }
            tm.addPartitions(pm);
        }
        return tm.build();
    }

    @Override
    public void createTopics(CreateTopicsRequest req, StreamObserver<CreateTopicsResponse> out) {
        unary(out, () -> admin.create(req), "CreateTopics");
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest req, StreamObserver<DeleteTopicsResponse> out) {
        unary(out, () -> admin.delete(req), "DeleteTopics");
    }

    @Override
    public void createPartitions(CreatePartitionsRequest req, StreamObserver<CreatePartitionsResponse> out) {
        unary(out, () -> admin.createPartitions(req), "CreatePartitions");
    }

    @Override
    public void alterConfigs(io.fjord.proto.AlterTopicConfigsRequest req, StreamObserver<io.fjord.proto.AlterTopicConfigsResponse> out) {
        unary(out, () -> admin.alterConfigs(req), "AlterConfigs");
    }

    @Override
    public void describeConfigs(DescribeConfigsRequest req, StreamObserver<DescribeConfigsResponse> out) {
        unary(out, () -> {
            DescribeConfigsResponse.Builder resp = DescribeConfigsResponse.newBuilder();
            for (String name : req.getTopicsList()) {
                DescribeConfigsResult.Builder r = DescribeConfigsResult.newBuilder().setTopic(name);
                Optional<ClusterMetadata.TopicView> t = metadata.topic(name);
                if (t.isEmpty()) {
                    resp.addResults(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + name + "' does not exist"));
                    continue;
                }
                r.setErrorCode(ErrorCode.NONE);
                Map<String, String> overrides = t.get().configs();
                LogConfig effective = replicas.configFor(overrides);
                for (Map.Entry<String, String> e : effective.toMap().entrySet()) {
                    boolean isDefault = !overrides.containsKey(e.getKey());
                    if (!isDefault || req.getIncludeDefaults()) {
                        r.addEntries(ConfigEntry.newBuilder().setName(e.getKey()).setValue(e.getValue()).setIsDefault(isDefault));
                    }
                }
                resp.addResults(r);
            }
            return resp.build();
        }, "DescribeConfigs");
    }

    private <T> void unary(StreamObserver<T> out, Supplier<T> body, String rpc) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            log.error("{} failed", rpc, e);
            out.onError(Status.INTERNAL.withDescription(rpc + " failed on broker " + config.nodeId() + ": " + e).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}

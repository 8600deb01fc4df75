package io.fjord.clients.testing;

import com.google.protobuf.ByteString;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.ConfigEntry;
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
import io.fjord.proto.DescribeConfigsRequest;
import io.fjord.proto.DescribeConfigsResponse;
import io.fjord.proto.DescribeConfigsResult;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.FetchableTopicResponse;
import io.fjord.proto.ListOffsetsPartition;
import io.fjord.proto.ListOffsetsPartitionResponse;
import io.fjord.proto.ListOffsetsRequest;
import io.fjord.proto.ListOffsetsResponse;
import io.fjord.proto.ListOffsetsTopic;
import io.fjord.proto.ListOffsetsTopicResponse;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.InitProducerIdRequest;
import io.fjord.proto.InitProducerIdResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceStreamRequest;
import io.fjord.proto.ProduceStreamResponse;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicMetadata;
import io.fjord.proto.TopicProduceData;
import io.fjord.proto.TopicProduceResponse;
import io.fjord.wire.BatchValidator;
import io.fjord.wire.RecordBatchHeader;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One broker of a {@link FakeCluster}: answers for the partitions it leads, NOT_LEADER_OR_FOLLOWER otherwise. */
final class FakeBroker extends BrokerServiceGrpc.BrokerServiceImplBase {
    private final FakeCluster cluster;
    final int id;
    int port;

    FakeBroker(FakeCluster cluster, int id) {
        this.cluster = cluster;
        this.id = id;
    }

    @Override
    public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> obs) {
        MetadataResponse.Builder r = MetadataResponse.newBuilder().setClusterId("fake").setControllerId(1);
        synchronized (cluster) {
            for (FakeBroker b : cluster.brokers) {
                r.addBrokers(cluster.endpoint(b.id));
            }
            Collection<String> names = request.getAllTopics() ? cluster.topics.keySet() : request.getTopicsList();
            for (String name : names) {
                List<FakeCluster.Log> logs = cluster.topics.get(name);
                TopicMetadata.Builder t = TopicMetadata.newBuilder().setName(name);
                if (logs == null) {
                    r.addTopics(t.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("no topic " + name));
                    continue;
                }
                t.setTopicId(cluster.topicIds.get(name)).putAllConfigs(cluster.topicConfigs.get(name));
                for (int p = 0; p < logs.size(); p++) {
                    FakeCluster.Log log = logs.get(p);
                    int leader = cluster.staleMetadataLeader != null ? cluster.staleMetadataLeader : log.leaderId;
                    t.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(leader)
                            .setLeaderEpoch(cluster.staleMetadataLeader != null ? 0 : log.leaderEpoch)
                            .addReplicas(log.leaderId).addIsr(log.leaderId)
                            .setHighWatermark(log.leaderId == id ? log.nextOffset : -1)
                            .setLogStartOffset(0).setLogEndOffset(log.leaderId == id ? log.nextOffset : -1));
                }
                r.addTopics(t);
            }
        }
        reply(obs, r.build());
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> obs) {
        handleProduce(request, r -> reply(obs, r));
    }

    @Override
    public StreamObserver<ProduceStreamRequest> produceStream(StreamObserver<ProduceStreamResponse> obs) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ProduceStreamRequest req) {
                handleProduce(req.getRequest(), r -> {
                    if (req.getRequest().getAcks() != 0) {
                        synchronized (obs) {
                            obs.onNext(ProduceStreamResponse.newBuilder().setCorrelationId(req.getCorrelationId()).setResponse(r).build());
                        }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                synchronized (obs) {
                    obs.onCompleted();
                }
            }
        };
    }

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> obs) {
        long id;
        synchronized (cluster) {
            id = cluster.nextProducerId++;
        }
        reply(obs, InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.NONE).setProducerId(id).setProducerEpoch(0).build());
    }

    private void handleProduce(ProduceRequest request, java.util.function.Consumer<ProduceResponse> respond) {
        ProduceResponse.Builder r = ProduceResponse.newBuilder();
        synchronized (cluster) {
            cluster.produceRequests++;
            for (TopicProduceData t : request.getTopicsList()) {
                TopicProduceResponse.Builder tr = TopicProduceResponse.newBuilder().setTopic(t.getTopic());
                for (PartitionProduceData p : t.getPartitionsList()) {
                    tr.addPartitions(append(t.getTopic(), p));
                }
                r.addTopics(tr);
            }
            if (cluster.holdProduce) {
                cluster.heldProduces.add(() -> respond.accept(r.build()));
                return;
            }
        }
        respond.accept(r.build());
    }

    private PartitionProduceResponse append(String topic, PartitionProduceData p) {
        PartitionProduceResponse.Builder pr = PartitionProduceResponse.newBuilder().setPartition(p.getPartition())
                .setBaseOffset(-1).setLogAppendTimeMs(-1);
        List<FakeCluster.Log> logs = cluster.topics.get(topic);
        if (logs == null || p.getPartition() >= logs.size()) {
            return pr.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).build();
        }
        FakeCluster.Log log = logs.get(p.getPartition());
        if (log.leaderId != id) {
            return pr.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(cluster.hint(log)).build();
        }
        Deque<ErrorCode> faults = cluster.produceFaults.get(topic + "-" + p.getPartition());
        if (faults != null && !faults.isEmpty()) {
            return pr.setErrorCode(faults.pollFirst()).setErrorMessage("injected fault").build();
        }
        ByteBuffer buf = ByteBuffer.allocate(p.getRecords().size());
        p.getRecords().copyTo(buf);
        buf.flip();
        BatchValidator.Result valid = BatchValidator.validate(buf, Integer.MAX_VALUE, true);
        if (!valid.ok()) {
            return pr.setErrorCode(ErrorCode.INVALID_RECORD).setErrorMessage(valid.message()).build();
        }
        long base = log.nextOffset;
        int pos = 0;
        while (pos < buf.limit()) {
            int size = RecordBatchHeader.sizeInBytes(buf, pos);
            ByteBuffer batch = ByteBuffer.allocate(size);
            batch.put(buf.duplicate().position(pos).limit(pos + size)).flip();
            RecordBatchHeader.setBaseOffset(batch, 0, log.nextOffset);
            log.nextOffset += RecordBatchHeader.lastOffsetDelta(batch, 0) + 1;
            log.batches.add(batch);
            pos += size;
        }
        return pr.setErrorCode(ErrorCode.NONE).setBaseOffset(base).setLogStartOffset(0).build();
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> obs) {
        for (FetchTopic t : request.getTopicsList()) {
            for (FetchPartition p : t.getPartitionsList()) {
                cluster.recordFetch(t.getTopic(), p.getPartition(), p.getFetchOffset());
            }
        }
        FetchResponse first = answerFetch(request);
        if (hasData(first) || request.getMaxWaitMs() <= 0) {
            reply(obs, first);
        } else {
            cluster.scheduler.schedule(() -> reply(obs, answerFetch(request)), request.getMaxWaitMs(), TimeUnit.MILLISECONDS);
        }
    }

    private static boolean hasData(FetchResponse r) {
        return r.getTopicsList().stream().flatMap(t -> t.getPartitionsList().stream())
                .anyMatch(p -> !p.getRecords().isEmpty() || p.getErrorCode() != ErrorCode.NONE);
    }

    private FetchResponse answerFetch(FetchRequest request) {
        FetchResponse.Builder r = FetchResponse.newBuilder();
        synchronized (cluster) {
            for (FetchTopic t : request.getTopicsList()) {
                FetchableTopicResponse.Builder tr = FetchableTopicResponse.newBuilder().setTopic(t.getTopic());
                for (FetchPartition p : t.getPartitionsList()) {
                    tr.addPartitions(read(t.getTopic(), p));
                }
                r.addTopics(tr);
            }
        }
        return r.build();
    }

    private FetchPartitionData read(String topic, FetchPartition p) {
        FetchPartitionData.Builder d = FetchPartitionData.newBuilder().setPartition(p.getPartition());
        List<FakeCluster.Log> logs = cluster.topics.get(topic);
        if (logs == null || p.getPartition() >= logs.size()) {
            return d.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).build();
        }
        FakeCluster.Log log = logs.get(p.getPartition());
        if (log.leaderId != id) {
            return d.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(cluster.hint(log)).build();
        }
        d.setHighWatermark(log.nextOffset).setLogStartOffset(0).setLogEndOffset(log.nextOffset);
        if (p.getFetchOffset() < 0 || p.getFetchOffset() > log.nextOffset) {
            return d.setErrorCode(ErrorCode.OFFSET_OUT_OF_RANGE).build();
        }
        ByteString data = ByteString.EMPTY;
        for (ByteBuffer b : log.batches) {
            if (RecordBatchHeader.lastOffset(b, 0) < p.getFetchOffset()) {
                continue;
            }
            if (!data.isEmpty() && data.size() + b.limit() > p.getPartitionMaxBytes()) {
                break;
            }
            data = data.concat(ByteString.copyFrom(b.duplicate()));
        }
        return d.setRecords(data).build();
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> obs) {
        ListOffsetsResponse.Builder r = ListOffsetsResponse.newBuilder();
        synchronized (cluster) {
            for (ListOffsetsTopic t : request.getTopicsList()) {
                ListOffsetsTopicResponse.Builder tr = ListOffsetsTopicResponse.newBuilder().setTopic(t.getTopic());
                for (ListOffsetsPartition p : t.getPartitionsList()) {
                    ListOffsetsPartitionResponse.Builder pr = ListOffsetsPartitionResponse.newBuilder()
                            .setPartition(p.getPartition()).setTimestamp(-1);
                    List<FakeCluster.Log> logs = cluster.topics.get(t.getTopic());
                    if (logs == null || p.getPartition() >= logs.size()) {
                        pr.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    } else if (logs.get(p.getPartition()).leaderId != id) {
                        pr.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(cluster.hint(logs.get(p.getPartition())));
                    } else {
                        FakeCluster.Log log = logs.get(p.getPartition());
                        pr.setLeaderEpoch(log.leaderEpoch);
                        if (p.getTimestamp() >= 0) {
                            offsetForTime(log, p.getTimestamp(), pr);
                        } else {
                            pr.setOffset(p.getTimestamp() == -2 ? 0 : log.nextOffset);
                        }
                    }
                    tr.addPartitions(pr);
                }
                r.addTopics(tr);
            }
        }
        reply(obs, r.build());
    }

    /**
     * Searches at batch granularity (the first batch whose max timestamp reaches the target), which is
     * exact when each batch holds one record, as the tests that search by time arrange.
     */
    private static void offsetForTime(FakeCluster.Log log, long timestamp, ListOffsetsPartitionResponse.Builder pr) {
        for (ByteBuffer b : log.batches) {
            if (RecordBatchHeader.maxTimestamp(b, 0) >= timestamp) {
                pr.setOffset(RecordBatchHeader.baseOffset(b, 0)).setTimestamp(RecordBatchHeader.maxTimestamp(b, 0));
                return;
            }
        }
        pr.setOffset(-1).setTimestamp(-1);
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> obs) {
        CreateTopicsResponse.Builder r = CreateTopicsResponse.newBuilder();
        synchronized (cluster) {
            for (CreatableTopic t : request.getTopicsList()) {
                CreatableTopicResult.Builder tr = CreatableTopicResult.newBuilder().setName(t.getName());
                int partitions = t.getNumPartitions() == -1 ? 1 : t.getNumPartitions();
                if (cluster.topics.containsKey(t.getName())) {
                    tr.setErrorCode(ErrorCode.TOPIC_ALREADY_EXISTS).setErrorMessage("Topic '" + t.getName() + "' already exists.");
                } else if (partitions < 1) {
                    tr.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("Number of partitions must be larger than 0.");
                } else if (t.getReplicationFactor() > cluster.brokers.size()) {
                    tr.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR)
                            .setErrorMessage("Replication factor: " + t.getReplicationFactor() + " larger than available brokers: "
                                    + cluster.brokers.size() + ".");
                } else {
                    cluster.createTopic(t.getName(), partitions);
                    cluster.topicConfigs.get(t.getName()).putAll(t.getConfigsMap());
                    tr.setErrorCode(ErrorCode.NONE).setTopicId(cluster.topicIds.get(t.getName()))
                            .setNumPartitions(partitions).setReplicationFactor(1);
                }
                r.addTopics(tr);
            }
        }
        reply(obs, r.build());
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> obs) {
        DeleteTopicsResponse.Builder r = DeleteTopicsResponse.newBuilder();
        synchronized (cluster) {
            for (String name : request.getNamesList()) {
                boolean existed = cluster.topics.remove(name) != null;
                r.addTopics(DeletableTopicResult.newBuilder().setName(name)
                        .setErrorCode(existed ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
            }
        }
        reply(obs, r.build());
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> obs) {
        CreatePartitionsResponse.Builder r = CreatePartitionsResponse.newBuilder();
        synchronized (cluster) {
            for (CreatePartitionsTopic t : request.getTopicsList()) {
                List<FakeCluster.Log> logs = cluster.topics.get(t.getName());
                CreatePartitionsTopicResult.Builder tr = CreatePartitionsTopicResult.newBuilder().setName(t.getName());
                if (logs == null) {
                    tr.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                } else if (t.getCount() <= logs.size()) {
                    tr.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("Topic currently has " + logs.size()
                            + " partitions, which is higher than the requested " + t.getCount() + ".");
                } else {
                    while (logs.size() < t.getCount()) {
                        FakeCluster.Log log = new FakeCluster.Log();
                        log.leaderId = cluster.brokers.get(logs.size() % cluster.brokers.size()).id;
                        logs.add(log);
                    }
                    tr.setErrorCode(ErrorCode.NONE);
                }
                r.addResults(tr);
            }
        }
        reply(obs, r.build());
    }

    @Override
    public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> obs) {
        DescribeConfigsResponse.Builder r = DescribeConfigsResponse.newBuilder();
        synchronized (cluster) {
            for (String name : request.getTopicsList()) {
                DescribeConfigsResult.Builder tr = DescribeConfigsResult.newBuilder().setTopic(name);
                Map<String, String> configs = cluster.topicConfigs.get(name);
                if (configs == null || !cluster.topics.containsKey(name)) {
                    tr.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    List<ConfigEntry> entries = new ArrayList<>();
                    configs.forEach((k, v) -> entries.add(ConfigEntry.newBuilder().setName(k).setValue(v).build()));
                    if (request.getIncludeDefaults() && !configs.containsKey("retention.ms")) {
                        entries.add(ConfigEntry.newBuilder().setName("retention.ms").setValue("604800000").setIsDefault(true).build());
                    }
                    tr.setErrorCode(ErrorCode.NONE).addAllEntries(entries);
                }
                r.addResults(tr);
            }
        }
        reply(obs, r.build());
    }

    private static <T> void reply(StreamObserver<T> obs, T value) {
        try {
            obs.onNext(value);
            obs.onCompleted();
        } catch (RuntimeException e) {
            // the client went away (deadline, close): nothing to answer
        }
    }
}

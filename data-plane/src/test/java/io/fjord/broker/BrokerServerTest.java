package io.fjord.broker;

import com.google.protobuf.ByteString;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.ListOffsetsPartition;
import io.fjord.proto.ListOffsetsPartitionResponse;
import io.fjord.proto.ListOffsetsRequest;
import io.fjord.proto.ListOffsetsTopic;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceStreamRequest;
import io.fjord.proto.ProduceStreamResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.storage.Time;
import io.fjord.wire.CompressionType;
import io.fjord.wire.Header;
import io.fjord.wire.Record;
import io.fjord.wire.RecordBatch;
import io.fjord.wire.RecordBatchBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real broker in this JVM, driven through its gRPC API. */
class BrokerServerTest {
    @TempDir
    Path dir;
    private BrokerServer broker;
    private ManagedChannel channel;
    private BrokerServiceGrpc.BrokerServiceBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        broker = new BrokerServer(BrokerConfig.of(Map.of("listeners", "127.0.0.1:0", "log.dirs", dir.toString(),
                "message.max.bytes", "10000")), Time.SYSTEM);
        broker.start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.port()).usePlaintext().build();
        stub = BrokerServiceGrpc.newBlockingStub(channel);
        CreateTopicsResponse r = call().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(2).setReplicationFactor(1)).build());
        assertEquals(ErrorCode.NONE, r.getTopics(0).getErrorCode(), r.toString());
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        broker.close();
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub call() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ByteBuffer batch(int n, String prefix) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, 256);
        for (int i = 0; i < n; i++) {
            b.append(1_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8), (prefix + i).getBytes(StandardCharsets.UTF_8),
                    new Header[] {new Header("h", new byte[] {(byte) i})});
        }
        return b.build();
    }

    private PartitionProduceResponse produce(int partition, ByteBuffer records, int acks) {
        return call().produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(5000)
                .addTopics(TopicProduceData.newBuilder().setTopic("t").addPartitions(
                        PartitionProduceData.newBuilder().setPartition(partition).setRecords(ByteString.copyFrom(records))))
                .build()).getTopics(0).getPartitions(0);
    }

    private static FetchRequest fetchRequest(int partition, long offset, int maxWaitMs, int minBytes) {
        return FetchRequest.newBuilder().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes).setMaxBytes(1 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic("t").addPartitions(FetchPartition.newBuilder()
                        .setPartition(partition).setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20)))
                .build();
    }

    private FetchPartitionData fetch(int partition, long offset) {
        return call().fetch(fetchRequest(partition, offset, 0, 1)).getTopics(0).getPartitions(0);
    }

    private static List<Record> records(ByteString bytes) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch b : RecordBatch.batches(bytes.asReadOnlyByteBuffer())) {
            b.ensureValid();
            out.addAll(b.records());
        }
        return out;
    }

    @Test
    void produceAssignsOffsetsAndFetchReturnsTheSameRecords() {
        PartitionProduceResponse p1 = produce(0, batch(3, "a"), 1);
        PartitionProduceResponse p2 = produce(0, batch(2, "b"), 1);
        assertEquals(ErrorCode.NONE, p1.getErrorCode());
        assertEquals(0, p1.getBaseOffset());
        assertEquals(3, p2.getBaseOffset());

        FetchPartitionData d = fetch(0, 0);
        assertEquals(ErrorCode.NONE, d.getErrorCode());
        assertEquals(5, d.getHighWatermark());
        List<Record> rs = records(d.getRecords());
        assertEquals(5, rs.size());
        assertEquals(4, rs.get(4).offset());
        assertEquals("b1", new String(rs.get(4).valueBytes(), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {1}, rs.get(4).headers()[0].value());
        assertEquals(1_001L, rs.get(4).timestamp());
        // Fetching from the middle of a batch returns that whole batch; the client skips earlier records.
        assertEquals(0, records(fetch(0, 1).getRecords()).get(0).offset());
        assertTrue(fetch(0, 5).getRecords().isEmpty());
    }

    @Test
    void corruptOrOversizedBatchIsRejectedAndNothingIsWritten() {
        ByteBuffer bad = batch(3, "x");
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x55));
        assertEquals(ErrorCode.INVALID_RECORD, produce(0, bad, 1).getErrorCode());

        ByteBuffer badMagic = batch(1, "x");
        badMagic.put(16, (byte) 1);
        assertEquals(ErrorCode.INVALID_RECORD, produce(0, badMagic, 1).getErrorCode());

        RecordBatchBuilder big = new RecordBatchBuilder(CompressionType.NONE, 20_000);
        big.append(1L, null, new byte[15_000], new Header[0]);
        PartitionProduceResponse tooLarge = produce(0, big.build(), 1);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, tooLarge.getErrorCode());
        assertFalse(tooLarge.getErrorMessage().isEmpty());

        assertEquals(0, fetch(0, 0).getHighWatermark());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, call().produce(ProduceRequest.newBuilder().setAcks(1)
                .addTopics(TopicProduceData.newBuilder().setTopic("nope").addPartitions(PartitionProduceData.newBuilder()
                        .setPartition(0).setRecords(ByteString.copyFrom(batch(1, "x"))))).build())
                .getTopics(0).getPartitions(0).getErrorCode());
    }

    @Test
    void fetchOutsideTheLogIsOffsetOutOfRange() {
        produce(1, batch(2, "a"), 1);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, fetch(1, 3).getErrorCode());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, fetch(1, -1).getErrorCode());
    }

    @Test
    void fetchLongPollsUntilDataArrives() throws Exception {
        BrokerServiceGrpc.BrokerServiceFutureStub async = BrokerServiceGrpc.newFutureStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        var pending = async.fetch(fetchRequest(0, 0, 10_000, 1));
        // The fetch must still be parked: nothing has been written yet.
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(2))
                .until(() -> !pending.isDone());
        produce(0, batch(1, "late"), 1);
        FetchResponse r = pending.get(5, TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(elapsedMs < 9_000, "answered on append, not on timeout: " + elapsedMs + " ms");
        assertEquals("late0", new String(records(r.getTopics(0).getPartitions(0).getRecords()).get(0).valueBytes(), StandardCharsets.UTF_8));

        // With no data the fetch answers empty after max_wait_ms.
        long t1 = System.nanoTime();
        FetchResponse empty = call().fetch(fetchRequest(1, 0, 300, 1));
        assertTrue((System.nanoTime() - t1) / 1_000_000 >= 250);
        assertTrue(empty.getTopics(0).getPartitions(0).getRecords().isEmpty());
    }

    @Test
    void listOffsetsEarliestLatestAndByTimestamp() {
        produce(0, batch(3, "a"), 1);
        assertEquals(0, listOffset(0, -2).getOffset());
        assertEquals(3, listOffset(0, -1).getOffset());
        ListOffsetsPartitionResponse byTime = listOffset(0, 1_001L);
        assertEquals(0, byTime.getOffset(), "the batch holding timestamp 1001 starts at 0");
        assertEquals(-1, listOffset(0, 5_000L).getOffset());
    }

    private ListOffsetsPartitionResponse listOffset(int partition, long ts) {
        return call().listOffsets(ListOffsetsRequest.newBuilder().setReplicaId(-1).addTopics(ListOffsetsTopic.newBuilder()
                .setTopic("t").addPartitions(ListOffsetsPartition.newBuilder().setPartition(partition).setTimestamp(ts)
                        .setCurrentLeaderEpoch(-1))).build()).getTopics(0).getPartitions(0);
    }

    @Test
    void topicsSurviveRestartAndDeleteRemovesThem() throws Exception {
        produce(0, batch(4, "a"), 1);
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, call().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(1)).build()).getTopics(0).getErrorCode());
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, call().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("u").setNumPartitions(1).setReplicationFactor(3)).build())
                .getTopics(0).getErrorCode());
        assertEquals(ErrorCode.INVALID_CONFIG, call().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("u").setNumPartitions(1).putConfigs("retention.msx", "1")).build())
                .getTopics(0).getErrorCode());
        assertEquals(ErrorCode.INVALID_TOPIC, call().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("bad/name").setNumPartitions(1)).build()).getTopics(0).getErrorCode());

        stop();
        start0();
        MetadataResponse md = call().metadata(MetadataRequest.newBuilder().setAllTopics(true).build());
        assertEquals(1, md.getTopicsCount());
        assertEquals(2, md.getTopics(0).getPartitionsCount());
        assertEquals(4, fetch(0, 0).getHighWatermark());

        assertEquals(ErrorCode.NONE, call().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("t").build()).getTopics(0).getErrorCode());
        assertEquals(0, call().metadata(MetadataRequest.newBuilder().setAllTopics(true).build()).getTopicsCount());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, fetch(0, 0).getErrorCode());
    }

    private void start0() throws Exception {
        broker = new BrokerServer(BrokerConfig.of(Map.of("listeners", "127.0.0.1:0", "log.dirs", dir.toString())), Time.SYSTEM);
        broker.start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.port()).usePlaintext().build();
        stub = BrokerServiceGrpc.newBlockingStub(channel);
    }

    @Test
    void alterConfigsSetsAndDeletesOverridesAndRejectsUnknownKeys() {
        var ok = call().alterConfigs(io.fjord.proto.AlterTopicConfigsRequest.newBuilder().addTopics(io.fjord.proto.AlterTopicConfigs
                .newBuilder().setTopic("t").putSet("retention.ms", "1234").putSet("segment.bytes", "100000")).build());
        assertEquals(ErrorCode.NONE, ok.getResults(0).getErrorCode(), ok.toString());
        var described = call().describeConfigs(io.fjord.proto.DescribeConfigsRequest.newBuilder().addTopics("t").build());
        assertTrue(described.getResults(0).getEntriesList().stream().anyMatch(e -> e.getName().equals("retention.ms") && e.getValue().equals("1234")),
                described.toString());
        call().alterConfigs(io.fjord.proto.AlterTopicConfigsRequest.newBuilder().addTopics(io.fjord.proto.AlterTopicConfigs
                .newBuilder().setTopic("t").addDelete("retention.ms")).build());
        described = call().describeConfigs(io.fjord.proto.DescribeConfigsRequest.newBuilder().addTopics("t").build());
        assertTrue(described.getResults(0).getEntriesList().stream().noneMatch(e -> e.getName().equals("retention.ms")), described.toString());
        assertEquals(1, described.getResults(0).getEntriesCount(), "segment.bytes stays");

        var bad = call().alterConfigs(io.fjord.proto.AlterTopicConfigsRequest.newBuilder().addTopics(io.fjord.proto.AlterTopicConfigs
                .newBuilder().setTopic("t").putSet("retention.msx", "1")).build());
        assertEquals(ErrorCode.INVALID_CONFIG, bad.getResults(0).getErrorCode());
        assertTrue(bad.getResults(0).getErrorMessage().contains("retention.msx"), bad.toString());
    }

    /**
     * Consumer fetches of 64 KiB and more are read into pooled buffers that go back to the pool once
     * the answer is sent; many concurrent fetches of two partitions whose records name their partition
     * and offset would see each other's bytes if a buffer were reused before its answer was serialized.
     */
    @Test
    void concurrentLargeFetchesEachGetTheirOwnBytes() throws Exception {
        int perPartition = 0;
        for (int batch = 0; batch < 24; batch++) {
            for (int partition = 0; partition < 2; partition++) {
                RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, 10_000);
                for (int i = 0; i < 9; i++) {
                    b.append(1_000L, null, padded("p" + partition + "-" + (perPartition + i)).array(), new Header[0]);
                }
                assertEquals(ErrorCode.NONE, produce(partition, b.build(), 1).getErrorCode());
            }
            perPartition += 9;
        }
        int records = perPartition;
        List<CompletableFuture<Integer>> fetchers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int partition = t % 2;
            fetchers.add(CompletableFuture.supplyAsync(() -> {
                int checked = 0;
                for (int round = 0; round < 30; round++) {
                    long from = (round * 7L) % 40; // batches start at multiples of 9, so the answers differ
                    FetchPartitionData d = fetch(partition, from);
                    assertTrue(d.getRecords().size() >= 64 << 10, "a read large enough to be pooled: " + d.getRecords().size());
                    List<Record> rs = records(d.getRecords()); // ensureValid: a CRC over bytes from another read fails
                    assertEquals(records - rs.get(0).offset(), rs.size());
                    for (Record r : rs) {
                        assertEquals(padded("p" + partition + "-" + r.offset()), ByteBuffer.wrap(r.valueBytes()));
                        checked++;
                    }
                }
                return checked;
            }));
        }
        for (CompletableFuture<Integer> f : fetchers) {
            assertTrue(f.get(60, TimeUnit.SECONDS) > 0);
        }
    }

    private static ByteBuffer padded(String value) {
        byte[] v = new byte[900];
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(s, 0, v, 0, s.length);
        return ByteBuffer.wrap(v);
    }

    /**
     * A producer's stream never half-closes by itself; shutdown ends it once its answers are out instead
     * of waiting shutdown.timeout.ms (10 s by default) for it.
     */
    @Test
    void shutdownEndsAnOpenProduceStreamAtOnce() throws Exception {
        CompletableFuture<ProduceStreamResponse> answer = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        StreamObserver<ProduceStreamRequest> requests = BrokerServiceGrpc.newStub(channel).produceStream(new StreamObserver<>() {
            @Override
            public void onNext(ProduceStreamResponse r) {
                answer.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                ended.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        });
        requests.onNext(ProduceStreamRequest.newBuilder().setCorrelationId(7).setRequest(ProduceRequest.newBuilder().setAcks(1)
                .setTimeoutMs(5000).addTopics(TopicProduceData.newBuilder().setTopic("t").addPartitions(
                        PartitionProduceData.newBuilder().setPartition(0).setRecords(ByteString.copyFrom(batch(2, "s")))))).build());
        ProduceStreamResponse r = answer.get(10, TimeUnit.SECONDS);
        assertEquals(7, r.getCorrelationId());
        assertEquals(ErrorCode.NONE, r.getResponse().getTopics(0).getPartitions(0).getErrorCode());

        long startNs = System.nanoTime();
        broker.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertTrue(tookMs < 5_000, "shutdown took " + tookMs + " ms with a producer's stream open");
        ended.get(5, TimeUnit.SECONDS); // the broker completed the call; the producer retries elsewhere
    }

    @Test
    void concurrentProducersGetDisjointOffsets() throws Exception {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fs.add(CompletableFuture.supplyAsync(() -> {
                long sum = 0;
                for (int j = 0; j < 50; j++) {
                    sum += produce(0, batch(2, "c"), 1).getBaseOffset();
                }
                return sum;
            }));
        }
        long total = 0;
        for (var f : fs) {
            total += f.get(30, TimeUnit.SECONDS);
        }
        // 400 batches of 2 records at base offsets 0, 2, ..., 798: their sum is fixed.
        assertEquals(2L * (399L * 400L / 2), total);
        assertEquals(800, fetch(0, 0).getHighWatermark());
    }
}

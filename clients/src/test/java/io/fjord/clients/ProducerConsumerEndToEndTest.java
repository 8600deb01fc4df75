package io.fjord.clients;

import static io.fjord.clients.ClientTestSupport.consumer;
import static io.fjord.clients.ClientTestSupport.pollUntil;
import static io.fjord.clients.ClientTestSupport.producer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.CorruptRecordException;
import io.fjord.clients.common.errors.NoOffsetForPartitionException;
import io.fjord.clients.common.errors.OffsetOutOfRangeException;
import io.fjord.clients.common.errors.RecordTooLargeException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.ConsumerRecords;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.consumer.TimestampType;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.producer.RecordMetadata;
import io.fjord.clients.testing.FakeCluster;
import io.fjord.proto.ErrorCode;
import io.fjord.wire.Header;
import io.fjord.wire.Murmur2;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProducerConsumerEndToEndTest {
    private FakeCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        cluster.createTopic("t", 3);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        return tps;
    }

    @Test
    void theConsumerFetchesOneAheadOfBufferedDataInOrderAndDropsItAfterASeek() throws Exception {
        int batches = 8;
        try (FjordProducer<String, String> producer = producer(cluster)) {
            for (int i = 0; i < batches * 5; i++) {
                producer.send(new ProducerRecord<>("t", 0, null, "v" + i));
                if (i % 5 == 4) {
                    producer.flush(); // batches of 5 records
                }
            }
        }
        assertEquals(batches, cluster.batches("t", 0).size());
        TopicPartition tp = new TopicPartition("t", 0);
        // One batch per fetch (the first batch always comes, whatever max.partition.fetch.bytes says).
        try (FjordConsumer<String, String> consumer = consumer(cluster, "max.partition.fetch.bytes", 1, "max.poll.records", 1)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = new ArrayList<>(pollUntil(consumer, 1));
            assertEquals(0, got.get(0).offset());
            assertEquals(1, consumer.position(tp));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.fetchOffsets("t", 0).contains(5L));
            assertEquals(1, consumer.position(tp), "the fetch at offset 5 went out while offsets 1-4 were still buffered");

            got.addAll(pollUntil(consumer, 11));
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i).offset());
                assertEquals("v" + i, got.get(i).value());
            }
            consumer.seek(tp, 3); // data fetched ahead for offsets 12-19 is now stale
            List<ConsumerRecord<String, String>> rest = pollUntil(consumer, batches * 5 - 3);
            assertEquals(batches * 5 - 3, rest.size());
            for (int i = 0; i < rest.size(); i++) {
                assertEquals(3 + i, rest.get(i).offset(), "in order, without gaps or duplicates after the seek");
                assertEquals("v" + (3 + i), rest.get(i).value());
            }
        }
    }

    @Test
    void recordsRoundTripWithOffsetsKeysHeadersAndTimestamps() throws Exception {
        int n = 300;
        Map<Integer, List<Long>> callbackOffsets = Collections.synchronizedMap(new HashMap<>());
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (FjordProducer<String, String> producer = producer(cluster)) {
            for (int i = 0; i < n; i++) {
                Header h = new Header("h", ("hv" + i).getBytes(StandardCharsets.UTF_8));
                futures.add(producer.send(new ProducerRecord<>("t", null, 1000L + i, "key-" + i, "value-" + i, List.of(h)),
                        (m, e) -> callbackOffsets.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(m.offset())));
            }
            producer.flush();
            assertTrue(futures.stream().allMatch(Future::isDone), "flush waits for every record");
        }
        for (int i = 0; i < n; i++) {
            RecordMetadata m = futures.get(i).get();
            assertEquals(Murmur2.partition(("key-" + i).getBytes(StandardCharsets.UTF_8), 3), m.partition());
            assertEquals(1000L + i, m.timestamp());
            assertEquals(("value-" + i).length(), m.serializedValueSize());
        }
        callbackOffsets.forEach((p, offsets) -> {
            List<Long> sorted = new ArrayList<>(offsets);
            Collections.sort(sorted);
            assertEquals(sorted, offsets, "callbacks of partition " + p + " run in offset order");
        });
        assertEquals(n, cluster.logEndOffset("t", 0) + cluster.logEndOffset("t", 1) + cluster.logEndOffset("t", 2));
        assertTrue(cluster.produceRequests() < n / 5, "records are batched: " + cluster.produceRequests() + " requests");

        try (FjordConsumer<String, String> consumer = consumer(cluster)) {
            List<TopicPartition> tps = partitions("t", 3);
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<ConsumerRecord<String, String>> records = pollUntil(consumer, n);
            assertEquals(n, records.size());
            Map<String, ConsumerRecord<String, String>> byKey = new HashMap<>();
            records.forEach(r -> byKey.put(r.key(), r));
            for (int i = 0; i < n; i++) {
                ConsumerRecord<String, String> r = byKey.get("key-" + i);
                RecordMetadata m = futures.get(i).get();
                assertEquals("value-" + i, r.value());
                assertEquals(m.partition(), r.partition());
                assertEquals(m.offset(), r.offset());
                assertEquals(1000L + i, r.timestamp());
                assertEquals(TimestampType.CREATE_TIME, r.timestampType());
                assertEquals(List.of(new Header("h", ("hv" + i).getBytes(StandardCharsets.UTF_8))), r.headers());
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            for (TopicPartition tp : tps) {
                assertEquals(cluster.logEndOffset("t", tp.partition()), ends.get(tp));
                assertEquals(ends.get(tp), consumer.position(tp));
                assertEquals(0L, consumer.beginningOffsets(tps).get(tp));
            }
        }
    }

    @Test
    void pollSkipsRecordsBeforeThePositionAndHandsOutMaxPollRecords() throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster, "linger.ms", 60_000)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("t", 0, null, "v" + i));
            }
            producer.flush();
        }
        assertEquals(1, cluster.batches("t", 0).size(), "one batch holds all ten");
        TopicPartition tp = new TopicPartition("t", 0);
        try (FjordConsumer<String, String> consumer = consumer(cluster, "max.poll.records", 3)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 4);
            List<Long> offsets = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            while (offsets.size() < 6) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(5));
                if (!records.isEmpty()) {
                    sizes.add(records.count());
                }
                records.records(tp).forEach(r -> offsets.add(r.offset()));
            }
            assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L), offsets);
            assertEquals(List.of(3, 3), sizes);
            assertEquals(10, consumer.position(tp));
            consumer.seek(tp, 8);
            assertEquals(List.of(8L, 9L), pollUntil(consumer, 2).stream().map(ConsumerRecord::offset).toList());
        }
    }

    @Test
    void autoOffsetResetDecidesWhereToStart() throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster)) {
            producer.send(new ProducerRecord<>("t", 1, "k", "old")).get();
        }
        TopicPartition tp = new TopicPartition("t", 1);
        try (FjordConsumer<String, String> earliest = consumer(cluster, "auto.offset.reset", "earliest")) {
            earliest.assign(List.of(tp));
            assertEquals("old", pollUntil(earliest, 1).get(0).value());
        }
        try (FjordConsumer<String, String> latest = consumer(cluster);
             FjordProducer<String, String> producer = producer(cluster)) {
            latest.assign(List.of(tp));
            assertEquals(1, latest.position(tp), "latest: the end of the log");
            producer.send(new ProducerRecord<>("t", 1, "k", "new")).get();
            assertEquals(List.of("new"), pollUntil(latest, 1).stream().map(ConsumerRecord::value).toList());
        }
        try (FjordConsumer<String, String> none = consumer(cluster, "auto.offset.reset", "none")) {
            none.assign(List.of(tp, new TopicPartition("t", 2)));
            NoOffsetForPartitionException e = assertThrows(NoOffsetForPartitionException.class,
                    () -> none.poll(Duration.ofMillis(100)));
            assertEquals(2, e.partitions().size());
            assertTrue(e.getMessage().contains("t-1") && e.getMessage().contains("t-2"), e.getMessage());
        }
    }

    @Test
    void outOfRangePositionIsResetOrReported() throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster)) {
            producer.send(new ProducerRecord<>("t", 0, "k", "v0")).get();
        }
        TopicPartition tp = new TopicPartition("t", 0);
        try (FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "earliest")) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 1000);
            assertEquals("v0", pollUntil(consumer, 1).get(0).value());
        }
        try (FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "none")) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 1000);
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> pollUntil(consumer, 1));
            assertEquals(Map.of(tp, 1000L), e.offsetOutOfRangePartitions());
        }
    }

    @Test
    void retriableProduceErrorsAreRetriedAndFatalOnesFailTheRecord() throws Exception {
        cluster.failNextProduces("t", 0, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.REQUEST_TIMED_OUT);
        cluster.failNextProduces("t", 1, ErrorCode.RECORD_TOO_LARGE);
        AtomicReference<Exception> callbackError = new AtomicReference<>();
        try (FjordProducer<String, String> producer = producer(cluster)) {
            assertEquals(0, producer.send(new ProducerRecord<>("t", 0, "k", "v")).get().offset());
            Future<RecordMetadata> failed = producer.send(new ProducerRecord<>("t", 1, "k", "v"),
                    (m, e) -> callbackError.set(e));
            ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Produce to t-1 failed with RECORD_TOO_LARGE"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("injected fault"), e.getCause().getMessage());
            assertTrue(callbackError.get() instanceof RecordTooLargeException);
        }
    }

    @Test
    void leaderHintsRouteProduceAndFetchWithoutFreshMetadata() throws Exception {
        TopicPartition tp = new TopicPartition("t", 0);
        // A long retry.backoff.ms: the resend to the hinted leader must not wait for it (KIP-951).
        try (FjordProducer<String, String> producer = producer(cluster, "retry.backoff.ms", 30_000);
             FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "earliest")) {
            assertEquals(0, producer.send(new ProducerRecord<>("t", 0, "k", "before")).get().offset());
            consumer.assign(List.of(tp));
            assertEquals("before", pollUntil(consumer, 1).get(0).value());
            cluster.moveLeader("t", 0, 2);
            cluster.staleMetadata(1); // metadata keeps naming broker 1: only the error's hint points at broker 2
            long start = System.nanoTime();
            assertEquals(1, producer.send(new ProducerRecord<>("t", 0, "k", "after")).get(10, TimeUnit.SECONDS).offset());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 5_000, "resent to the hinted leader at once, not after retry.backoff.ms: " + tookMs + " ms");
            assertEquals("after", pollUntil(consumer, 1).get(0).value());
        }
    }

    @Test
    void acksZeroCompletesWithoutOffset() throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster, "acks", "0")) {
            RecordMetadata m = producer.send(new ProducerRecord<>("t", 2, "k", "v")).get(10, TimeUnit.SECONDS);
            assertFalse(m.hasOffset());
            assertEquals(2, m.partition());
        }
    }

    @Test
    void sendToMissingTopicFailsAfterMaxBlock() {
        AtomicReference<Exception> callbackError = new AtomicReference<>();
        try (FjordProducer<String, String> producer = producer(cluster, "max.block.ms", 200)) {
            Future<RecordMetadata> f = producer.send(new ProducerRecord<>("nope", "v"), (m, e) -> callbackError.set(e));
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Topic nope not present in metadata after 200 ms"),
                    e.getCause().getMessage());
            assertTrue(callbackError.get() instanceof TimeoutException);
        }
    }

    @Test
    void fullBufferMemoryBlocksSendThenTimesOut() throws Exception {
        cluster.holdProduce(true);
        try (FjordProducer<String, String> producer = producer(cluster, "buffer.memory", 1024, "batch.size", 1024,
                "linger.ms", 0, "max.block.ms", 300)) {
            Future<RecordMetadata> first = producer.send(new ProducerRecord<>("t", 0, null, "x".repeat(900)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.produceRequests() == 1);
            long start = System.nanoTime();
            Future<RecordMetadata> second = producer.send(new ProducerRecord<>("t", 0, null, "y".repeat(900)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "send blocked for max.block.ms");
            ExecutionException e = assertThrows(ExecutionException.class, second::get);
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Failed to allocate"), e.getCause().getMessage());
            cluster.holdProduce(false);
            assertEquals(0, first.get(10, TimeUnit.SECONDS).offset());
        }
    }

    @Test
    void closeSendsLingeringRecordsAndGzipRoundTrips() throws Exception {
        Future<RecordMetadata> f;
        try (FjordProducer<String, String> producer = producer(cluster, "linger.ms", 60_000, "compression.type", "gzip")) {
            f = producer.send(new ProducerRecord<>("t", 2, "k", "compressed ".repeat(50)));
            assertFalse(f.isDone());
        }
        assertEquals(0, f.get(0, TimeUnit.SECONDS).offset(), "close() sent the lingering batch");
        assertThrows(IllegalStateException.class, () -> {
            FjordProducer<String, String> p = producer(cluster);
            p.close();
            p.send(new ProducerRecord<>("t", "v"));
        });
        try (FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "earliest")) {
            consumer.assign(List.of(new TopicPartition("t", 2)));
            assertEquals("compressed ".repeat(50), pollUntil(consumer, 1).get(0).value());
        }
    }

    @Test
    void manyThreadsShareOneProducer() throws Exception {
        List<Future<RecordMetadata>> futures = Collections.synchronizedList(new ArrayList<>());
        try (FjordProducer<String, String> producer = producer(cluster)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 250; i++) {
                        futures.add(producer.send(new ProducerRecord<>("t", null, "t" + id + "-" + i)));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            producer.flush();
        }
        Map<TopicPartition, List<Long>> offsets = new HashMap<>();
        for (Future<RecordMetadata> f : futures) {
            RecordMetadata m = f.get();
            offsets.computeIfAbsent(new TopicPartition(m.topic(), m.partition()), k -> new ArrayList<>()).add(m.offset());
        }
        long total = 0;
        for (Map.Entry<TopicPartition, List<Long>> e : offsets.entrySet()) {
            List<Long> sorted = new ArrayList<>(e.getValue());
            Collections.sort(sorted);
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(i, sorted.get(i), "offsets of " + e.getKey() + " are distinct and dense");
            }
            total += sorted.size();
        }
        assertEquals(1000, total);
    }

    @Test
    void corruptBatchIsReportedWithItsPartition() throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster)) {
            producer.send(new ProducerRecord<>("t", 0, "k", "value")).get();
        }
        ByteBuffer stored = cluster.batches("t", 0).get(0);
        stored.put(stored.limit() - 2, (byte) (stored.get(stored.limit() - 2) ^ 0x55));
        try (FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "earliest")) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> pollUntil(consumer, 1));
            assertTrue(e.getMessage().contains("t-0") && e.getMessage().contains("seek"), e.getMessage());
        }
    }

    @Test
    void metadataQueries() {
        try (FjordProducer<String, String> producer = producer(cluster);
             FjordConsumer<String, String> consumer = consumer(cluster)) {
            assertEquals(3, producer.partitionsFor("t").size());
            assertEquals(List.of(1, 2, 1), consumer.partitionsFor("t").stream().map(p -> p.leader().id()).toList());
            assertTrue(consumer.partitionsFor("missing").isEmpty());
            assertEquals(List.of("t"), List.copyOf(consumer.listTopics().keySet()));
            assertArrayEquals(new int[] {0, 1, 2}, consumer.listTopics().get("t").stream().mapToInt(p -> p.partition()).toArray());
        }
    }
}

package io.fjord.clients;

import static io.fjord.clients.ClientTestSupport.consumer;
import static io.fjord.clients.ClientTestSupport.producer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.WakeupException;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.ConsumerRecords;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.consumer.OffsetAndTimestamp;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.testing.FakeCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsumerPauseWakeupOffsetsForTimesTest {
    private final TopicPartition p0 = new TopicPartition("t", 0);
    private final TopicPartition p1 = new TopicPartition("t", 1);
    private FakeCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        cluster.createTopic("t", 2);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** One record per send, waited for, so each batch holds one record (the fake searches times per batch). */
    private void produce(TopicPartition tp, long... timestamps) throws Exception {
        try (FjordProducer<String, String> producer = producer(cluster)) {
            for (long ts : timestamps) {
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), ts, "k", tp + "@" + ts)).get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void pausedPartitionGetsNoRecordsAndResumeContinuesAtItsPosition() throws Exception {
        produce(p0, 1, 2, 3, 4, 5);
        produce(p1, 1, 2, 3, 4, 5);
        try (FjordConsumer<String, String> consumer = consumer(cluster, "max.poll.records", 2)) {
            consumer.assign(List.of(p0, p1));
            consumer.seekToBeginning(List.of());
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (seen.stream().noneMatch(r -> r.partition() == 0) && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
            }
            long p0Position = consumer.position(p0);
            assertTrue(p0Position > 0 && p0Position < 5, "p0 is part-way: " + p0Position);

            consumer.pause(List.of(p0));
            assertEquals(Set.of(p0), consumer.paused());
            while (consumer.position(p1) < 5 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                records.forEach(r -> assertEquals(1, r.partition(), "no records of the paused partition"));
            }
            assertEquals(5, consumer.position(p1));
            assertTrue(consumer.poll(Duration.ofMillis(200)).isEmpty(), "nothing while p0 is paused");
            assertEquals(p0Position, consumer.position(p0));

            consumer.resume(List.of(p0));
            assertEquals(Set.of(), consumer.paused());
            List<Long> p0Offsets = new ArrayList<>();
            while (consumer.position(p0) < 5 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> p0Offsets.add(r.offset()));
            }
            List<Long> expected = new ArrayList<>();
            for (long o = p0Position; o < 5; o++) {
                expected.add(o);
            }
            assertEquals(expected, p0Offsets);
        }
    }

    @Test
    void wakeupEndsABlockingPollFromAnotherThread() throws Exception {
        try (FjordConsumer<String, String> consumer = consumer(cluster)) {
            consumer.assign(List.of(p0));
            assertEquals(0, consumer.position(p0));
            CompletableFuture<ConsumerRecords<String, String>> poll =
                    CompletableFuture.supplyAsync(() -> consumer.poll(Duration.ofSeconds(30)));
            // the thread guard refuses us while the other thread is inside poll
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThrows(ConcurrentModificationException.class, consumer::assignment));
            long start = System.nanoTime();
            consumer.wakeup();
            ExecutionException e = assertThrows(ExecutionException.class, () -> poll.get(5, TimeUnit.SECONDS));
            assertInstanceOf(WakeupException.class, e.getCause());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));

            // the wakeup is used up: the consumer goes on working
            assertTrue(consumer.poll(Duration.ZERO).isEmpty());
        }
    }

    @Test
    void wakeupBeforePollMakesTheNextPollThrow() {
        try (FjordConsumer<String, String> consumer = consumer(cluster)) {
            consumer.assign(List.of(p0));
            consumer.wakeup();
            assertThrows(WakeupException.class, () -> consumer.poll(Duration.ofSeconds(30)));
            assertTrue(consumer.poll(Duration.ZERO).isEmpty());
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterTheTimeAndNullPastTheEnd() throws Exception {
        produce(p0, 1000, 2000, 3000);
        produce(p1, 5000);
        try (FjordConsumer<String, String> consumer = consumer(cluster)) {
            Map<TopicPartition, Long> search = new HashMap<>();
            search.put(p0, 1500L);
            search.put(p1, 4000L);
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(search);
            assertEquals(new OffsetAndTimestamp(1, 2000), found.get(p0));
            assertEquals(new OffsetAndTimestamp(0, 5000), found.get(p1));

            assertEquals(new OffsetAndTimestamp(0, 1000), consumer.offsetsForTimes(Map.of(p0, 0L)).get(p0));
            assertEquals(new OffsetAndTimestamp(2, 3000),
                    consumer.offsetsForTimes(Map.of(p0, 3000L), Duration.ofSeconds(5)).get(p0));

            Map<TopicPartition, OffsetAndTimestamp> pastEnd = consumer.offsetsForTimes(Map.of(p0, 3001L, p1, 5001L));
            assertEquals(Set.of(p0, p1), pastEnd.keySet());
            assertNull(pastEnd.get(p0));
            assertNull(pastEnd.get(p1));

            assertThrows(IllegalArgumentException.class, () -> consumer.offsetsForTimes(Map.of(p0, -1L)));
        }
    }
}

package io.fjord.clients;

import static io.fjord.clients.ClientTestSupport.consumer;
import static io.fjord.clients.ClientTestSupport.consumerConfigs;
import static io.fjord.clients.ClientTestSupport.pollUntil;
import static io.fjord.clients.ClientTestSupport.producer;
import static io.fjord.clients.ClientTestSupport.producerConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.OffsetOutOfRangeException;
import io.fjord.clients.common.errors.RecordTooLargeException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.serialization.StringDeserializer;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.clients.testing.FakeCluster;
import io.fjord.proto.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClientMetricsTest {
    private FakeCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster(2);
        cluster.createTopic("t", 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static double counter(MeterRegistry registry, String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void producerCountsRecordsBatchesBytesAndLatency() {
        int n = 200;
        FjordProducer<String, String> producer = producer(cluster, "client.id", "p1", "linger.ms", 20, "batch.size", 2048);
        try (producer) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>("t", "key-" + i, "value-" + i));
            }
            producer.flush();
            MeterRegistry m = producer.metrics();
            assertEquals(n, counter(m, "fjord.producer.records.sent", "client.id", "p1"));
            Timer latency = m.get("fjord.producer.request.latency").tag("client.id", "p1").timer();
            assertTrue(latency.count() >= 1, "request latency count " + latency.count());
            assertTrue(latency.totalTime(TimeUnit.NANOSECONDS) > 0);
            DistributionSummary size = m.get("fjord.producer.batch.size").summary();
            DistributionSummary records = m.get("fjord.producer.batch.records").summary();
            assertTrue(size.count() >= 3, "one batch per partition at least: " + size.count());
            assertTrue(size.mean() > 61, "a batch is more than its 61-byte header: " + size.mean());
            assertTrue(size.max() <= 2048 + 100, "batch.size bounds the batches: " + size.max());
            assertEquals(n, records.totalAmount(), "each batch counted once, with its records");
            assertEquals(size.count(), records.count());
            assertEquals(size.totalAmount(), counter(m, "fjord.producer.bytes.sent"), "every batch was acknowledged once");
            assertEquals(0, counter(m, "fjord.producer.retries"));
            assertNull(m.find("fjord.producer.errors").counter(), "no error counter before an error");
            assertEquals(0, m.get("fjord.producer.requests.in.flight").gauge().value());
            assertEquals(33554432, m.get("fjord.producer.buffer.total.bytes").gauge().value());
            double available = m.get("fjord.producer.buffer.available.bytes").gauge().value();
            assertTrue(available > 0 && available <= 33554432, "available " + available);
            for (Meter meter : m.getMeters()) {
                assertEquals("p1", meter.getId().getTag("client.id"), meter.getId().toString());
            }
        }
        // the producer's own registry is closed with it; its meters keep their values
        assertTrue(producer.metrics().isClosed());
        assertEquals(n, counter(producer.metrics(), "fjord.producer.records.sent"));
        assertEquals(33554432, producer.metrics().get("fjord.producer.buffer.available.bytes").gauge().value(),
                "all memory is back once closed");
    }

    @Test
    void retriableErrorCountsARetryAndFatalErrorsCountErrorsByClass() throws Exception {
        cluster.failNextProduces("t", 0, ErrorCode.NOT_ENOUGH_REPLICAS);
        cluster.failNextProduces("t", 1, ErrorCode.RECORD_TOO_LARGE);
        try (FjordProducer<String, String> producer = producer(cluster, "client.id", "p2")) {
            MeterRegistry m = producer.metrics();
            assertEquals(0, producer.send(new ProducerRecord<>("t", 0, "k", "v")).get(10, TimeUnit.SECONDS).offset());
            assertEquals(1, counter(m, "fjord.producer.retries", "client.id", "p2"));
            assertEquals(1, counter(m, "fjord.producer.records.sent"));
            assertEquals(1, m.get("fjord.producer.batch.records").summary().count(), "a retried batch is counted once");

            Future<?> failed = producer.send(new ProducerRecord<>("t", 1, "k", "v"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            assertEquals(1, counter(m, "fjord.producer.errors", "client.id", "p2", "error", "RecordTooLargeException"));
            assertEquals(1, counter(m, "fjord.producer.retries"), "a fatal error is not retried");
            assertEquals(1, counter(m, "fjord.producer.records.sent"));
        }
    }

    @Test
    void recordsFailedBeforeTheyAreQueuedCountAsErrors() {
        try (FjordProducer<String, String> producer = producer(cluster, "max.block.ms", 100)) {
            Future<?> f = producer.send(new ProducerRecord<>("missing", "v"));
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals(1, counter(producer.metrics(), "fjord.producer.errors", "error", "TimeoutException"));
            String id = producer.metrics().get("fjord.producer.errors").counter().getId().getTag("client.id");
            assertTrue(id.startsWith("producer-"), "a generated client.id: " + id);
        }
    }

    @Test
    void consumerCountsRecordsBytesFetchesAndLag() {
        int n = 120;
        try (FjordProducer<String, String> producer = producer(cluster)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>("t", i % 3, "k", "v" + i));
            }
            producer.flush();
        }
        List<TopicPartition> tps = List.of(new TopicPartition("t", 0), new TopicPartition("t", 1), new TopicPartition("t", 2));
        try (FjordConsumer<String, String> consumer = consumer(cluster, "client.id", "c1", "auto.offset.reset", "earliest",
                "max.poll.records", 7)) {
            MeterRegistry m = consumer.metrics();
            assertTrue(Double.isNaN(m.get("fjord.consumer.records.lag.max").gauge().value()), "no lag known before a fetch");
            consumer.assign(tps);
            assertEquals(n, pollUntil(consumer, n).size());
            assertEquals(n, counter(m, "fjord.consumer.records.consumed", "client.id", "c1"));
            assertTrue(counter(m, "fjord.consumer.bytes.consumed") > n * 3, "bytes " + counter(m, "fjord.consumer.bytes.consumed"));
            assertTrue(m.get("fjord.consumer.fetch.latency").timer().count() >= 1);
            assertEquals(0, m.get("fjord.consumer.records.lag.max").gauge().value(), "everything consumed");
            assertNull(m.find("fjord.consumer.fetch.errors").counter());

            consumer.seek(tps.get(0), 10_000); // out of range: reset to earliest, counted as a fetch error
            assertEquals(n / 3, pollUntil(consumer, n / 3).size());
            assertEquals(1, counter(m, "fjord.consumer.fetch.errors", "error", "OffsetOutOfRangeException"));
            assertEquals(n + n / 3, counter(m, "fjord.consumer.records.consumed"));
            for (Meter meter : m.getMeters()) {
                assertEquals("c1", meter.getId().getTag("client.id"), meter.getId().toString());
            }
        }
    }

    @Test
    void consumerLagIsHighWatermarkMinusPosition() {
        try (FjordProducer<String, String> producer = producer(cluster)) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("t", 0, "k", "v" + i));
            }
            producer.flush();
        }
        try (FjordConsumer<String, String> consumer = consumer(cluster, "auto.offset.reset", "earliest",
                "max.poll.records", 10)) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            assertEquals(10, pollUntil(consumer, 10).size());
            assertEquals(40, consumer.metrics().get("fjord.consumer.records.lag.max").gauge().value());
        }
    }

    @Test
    void aGivenRegistryIsSharedAndLosesTheClientsMetersOnClose() throws Exception {
        SimpleMeterRegistry shared = new SimpleMeterRegistry();
        FjordProducer<String, String> producer = new FjordProducer<>(producerConfigs(cluster, "client.id", "shared-p"),
                new StringSerializer(), new StringSerializer(), shared);
        FjordConsumer<String, String> consumer = new FjordConsumer<>(consumerConfigs(cluster, "client.id", "shared-c",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer(), shared);
        cluster.failNextProduces("t", 2, ErrorCode.INVALID_RECORD);
        assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("t", 2, "k", "bad")).get());
        producer.send(new ProducerRecord<>("t", 0, "k", "v")).get();
        assertTrue(producer.metrics() == shared && consumer.metrics() == shared);
        consumer.assign(List.of(new TopicPartition("t", 0)));
        assertEquals(1, pollUntil(consumer, 1).size());
        assertEquals(1, counter(shared, "fjord.producer.records.sent", "client.id", "shared-p"));
        assertEquals(1, counter(shared, "fjord.consumer.records.consumed", "client.id", "shared-c"));
        assertEquals(Set.of("shared-p", "shared-c"), clientIds(shared));

        producer.close();
        assertEquals(Set.of("shared-c"), clientIds(shared), "the producer's meters, error counters too, are gone");
        consumer.close();
        assertTrue(shared.getMeters().isEmpty(), shared.getMeters().toString());
        assertFalse(shared.isClosed(), "a registry given is the caller's to close");
        assertNotNull(producer.metrics());
    }

    private static Set<String> clientIds(MeterRegistry registry) {
        Set<String> ids = new TreeSet<>();
        registry.getMeters().forEach(meter -> ids.add(meter.getId().getTag("client.id")));
        return ids;
    }
}

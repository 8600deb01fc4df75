package io.fjord.clients.producer;

import io.fjord.broker.BrokerServer;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.StringDeserializer;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 5's idempotence claim against a real broker in this JVM: the producer's channel drops some
 * Produce answers after the broker appended (and committed) the batch, so the producer times the
 * request out and sends the batch again. With idempotence the broker recognises the retry and the
 * partition holds every record once, in send order; without it the same run writes duplicates,
 * which shows the check can fail.
 */
class IdempotentRetryTest {
    private static final String TOPIC = "idem";
    private static final int RECORDS = 3_000;
    private static final int DROPS = 4;

    @TempDir
    Path dir;
    private BrokerServer broker;
    private String bootstrap;

    @BeforeEach
    void start() throws Exception {
        bootstrap = AnswerFilter.startBroker(dir, TOPIC, 1, b -> broker = b);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "enable.idempotence={0}")
    @ValueSource(booleans = {true, false})
    void droppedAnswersAreRetriedWithoutDuplicatesOnlyWhenIdempotent(boolean idempotent) throws Exception {
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger dropped = new AtomicInteger();
        // Drops the 3rd, 10th, 17th ... answer on the produce stream, DROPS in all.
        AnswerFilter.Interceptor interceptor = new AnswerFilter.Interceptor(() -> {
            int n = answers.incrementAndGet();
            return n % 7 == 3 && dropped.incrementAndGet() <= DROPS;
        });
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("enable.idempotence", Boolean.toString(idempotent));
        props.put("acks", "all");
        props.put("batch.size", "2048");
        props.put("linger.ms", "2");
        props.put("max.in.flight.requests.per.connection", "5");
        props.put("request.timeout.ms", "1000");
        props.put("delivery.timeout.ms", "60000");
        props.put("retry.backoff.ms", "10");
        BrokerChannels.ChannelFactory factory = (host, port) -> new AnswerFilter.InterceptedChannel(BrokerChannels.PLAINTEXT.create(host, port), interceptor);
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (FjordProducer<String, String> producer = new FjordProducer<>(new ProducerConfig(props), new StringSerializer(),
                new StringSerializer(), factory, Time.SYSTEM)) {
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, "v-" + i)));
            }
            producer.flush();
        }
        for (int i = 0; i < RECORDS; i++) {
            acks.get(i).get(30, TimeUnit.SECONDS); // every record acknowledged
        }
        assertTrue(dropped.get() >= DROPS, "the test dropped " + dropped.get() + " answers; it needs " + DROPS + " to prove anything");

        List<String> values = readAll();
        Map<String, Integer> counts = new HashMap<>();
        values.forEach(v -> counts.merge(v, 1, Integer::sum));
        long duplicates = values.size() - counts.size();
        System.out.println("enable.idempotence=" + idempotent + ": " + dropped.get() + " answers dropped, " + values.size()
                + " records in the log for " + RECORDS + " sent, " + duplicates + " duplicate(s)");
        assertEquals(RECORDS, counts.size(), "every value is in the log");
        if (idempotent) {
            assertEquals(0, duplicates, "no retried batch was written twice");
            for (int i = 0; i < RECORDS; i++) {
                if (!values.get(i).equals("v-" + i)) {
                    fail("offset " + i + " holds " + values.get(i) + ", expected v-" + i + ": records out of send order");
                }
            }
        } else {
            assertTrue(duplicates > 0, "without idempotence a retried batch whose answer was lost is written again");
        }
    }

    private List<String> readAll() {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<String> out = new ArrayList<>();
        try (FjordConsumer<String, String> c = new FjordConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    assertEquals(out.size(), r.offset(), "offsets are dense");
                    out.add(r.value());
                }
            }
            assertEquals(end, out.size(), "read the whole log");
        }
        return out;
    }
}

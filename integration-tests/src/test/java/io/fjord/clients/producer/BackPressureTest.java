package io.fjord.clients.producer;

import io.fjord.broker.BrokerServer;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 5's back-pressure claim against a real broker in this JVM: the broker's answers never reach
 * the producer (lost on the way back, as on a congested or half-dead link), so nothing is ever
 * acknowledged and the producer is faster than the cluster. send() takes records until buffer.memory
 * is used up, then blocks for max.block.ms and fails with a TimeoutException that says what to do;
 * the records it holds never exceed buffer.memory, however many are offered.
 */
class BackPressureTest {
    private static final long BUFFER_MEMORY = 1L << 20;
    private static final int RECORD_BYTES = 1_000;
    private static final long MAX_BLOCK_MS = 500;

    @TempDir
    Path dir;
    private BrokerServer broker;
    private String bootstrap;

    @BeforeEach
    void start() throws Exception {
        bootstrap = AnswerFilter.startBroker(dir, "bp", 3, b -> broker = b);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aProducerFasterThanTheClusterBlocksThenTimesOutWithinBufferMemory() throws Exception {
        AnswerFilter.Interceptor loseAll = new AnswerFilter.Interceptor(() -> true);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("buffer.memory", Long.toString(BUFFER_MEMORY));
        props.put("batch.size", "16384");
        props.put("linger.ms", "0");
        props.put("max.block.ms", Long.toString(MAX_BLOCK_MS));
        props.put("request.timeout.ms", "60000");
        props.put("delivery.timeout.ms", "120000");
        BrokerChannels.ChannelFactory factory = (host, port) -> new AnswerFilter.InterceptedChannel(BrokerChannels.PLAINTEXT.create(host, port), loseAll);
        String value = "x".repeat(RECORD_BYTES);
        int offered = 100_000; // 100 MB offered against a 1 MiB buffer
        int accepted = 0;
        try (FjordProducer<String, String> producer = new FjordProducer<>(new ProducerConfig(props), new StringSerializer(),
                new StringSerializer(), factory, Time.SYSTEM)) {
            for (int i = 0; i < offered; i++) {
                long t0 = System.nanoTime();
                Future<RecordMetadata> f = producer.send(new ProducerRecord<>("bp", i % 3, null, value));
                long blockedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                if (!f.isDone()) {
                    accepted++;
                    assertTrue(accepted * (long) RECORD_BYTES <= BUFFER_MEMORY, accepted
                            + " records of " + RECORD_BYTES + " B held, more than buffer.memory=" + BUFFER_MEMORY);
                    continue;
                }
                ExecutionException e = assertThrows(ExecutionException.class, f::get, "a send past buffer.memory fails");
                assertInstanceOf(TimeoutException.class, e.getCause());
                String msg = e.getCause().getMessage();
                assertTrue(msg.contains("max blocking time " + MAX_BLOCK_MS + " ms") && msg.contains("buffer.memory"), msg);
                assertTrue(blockedMs >= MAX_BLOCK_MS - 10, "send blocked " + blockedMs + " ms before failing, expected max.block.ms");
                assertTrue(blockedMs < MAX_BLOCK_MS + 5_000, "send blocked " + blockedMs + " ms, far past max.block.ms");
                System.out.println("accepted " + accepted + " records (" + accepted * RECORD_BYTES / 1024 + " KiB) into a "
                        + BUFFER_MEMORY / 1024 + " KiB buffer; the next send blocked " + blockedMs + " ms and failed: " + msg);
                assertTrue(accepted > BUFFER_MEMORY / RECORD_BYTES / 2, "the buffer was used before blocking: " + accepted);
                producer.close(java.time.Duration.ZERO);
                return;
            }
        }
        fail("all " + offered + " sends were accepted although no answer ever came back");
    }
}

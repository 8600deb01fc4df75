package io.fjord.it;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.ByteArrayDeserializer;
import io.fjord.clients.common.serialization.ByteArraySerializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.wire.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The broker is a separate JVM. A million 100-byte records go to a 3-partition topic with acks=1;
 * then, while more records are in flight, the broker is SIGKILLed. After a restart (which runs
 * crash recovery) every acknowledged record is read back at the offset its acknowledgement named,
 * with the same key, value, headers and timestamp.
 */
class CrashRecoveryIT {
    private static final int RECORDS = 1_000_000;
    private static final int EXTRA = 200_000;
    private static final int VALUE_BYTES = 100;
    private static final long BASE_TS = 1_700_000_000_000L;

    @TempDir
    Path work;

    /** What the producer was told for record i: partition and offset, or nothing (-1). */
    private final int[] ackPartition = new int[RECORDS + EXTRA];
    private final long[] ackOffset = new long[RECORDS + EXTRA];

    static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        byte[] id = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(v, (byte) ('a' + i % 26));
        System.arraycopy(id, 0, v, 0, id.length);
        return v;
    }

    static Header[] headers(int i) {
        return new Header[] {new Header("seq", ByteBuffer.allocate(4).putInt(i).array()), new Header("empty", null)};
    }

    @Test
    void everyAcknowledgedRecordSurvivesSigkill() throws Exception {
        Arrays.fill(ackPartition, -1);
        try (BrokerProcess broker = new BrokerProcess(work, 1, Map.of()).start()) {
            try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("crash", 3, (short) 1)));
            }
            AtomicInteger failed = new AtomicInteger();
            AtomicReference<Exception> firstError = new AtomicReference<>();
            Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrap(), "acks", "1", "linger.ms", "5",
                    "batch.size", "65536", "delivery.timeout.ms", "30000", "request.timeout.ms", "10000", "retries", "0");
            try (FjordProducer<byte[], byte[]> producer = new FjordProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    send(producer, i, failed, firstError);
                }
                producer.flush();
                assertEquals(0, failed.get(), () -> "records failed before the crash: " + firstError.get());

                // More records in flight while the broker dies: those acknowledged must survive too.
                for (int i = RECORDS; i < RECORDS + EXTRA / 2; i++) {
                    send(producer, i, failed, firstError);
                }
                broker.kill();
                for (int i = RECORDS + EXTRA / 2; i < RECORDS + EXTRA; i++) {
                    send(producer, i, failed, firstError);
                }
                producer.close(Duration.ofSeconds(30));
            }

            broker.start();
            verify(broker.bootstrap());
        }
    }

    private void send(FjordProducer<byte[], byte[]> producer, int i, AtomicInteger failed, AtomicReference<Exception> firstError) {
        producer.send(new ProducerRecord<>("crash", null, BASE_TS + i, key(i), value(i), Arrays.asList(headers(i))), (md, e) -> {
            if (e == null) {
                ackPartition[i] = md.partition();
                ackOffset[i] = md.offset();
            } else {
                failed.incrementAndGet();
                firstError.compareAndSet(null, e);
            }
        });
    }

    private void verify(String bootstrap) {
        int acked = 0;
        for (int p : ackPartition) {
            if (p >= 0) {
                acked++;
            }
        }
        assertTrue(acked >= RECORDS, "all records before the kill were acknowledged: " + acked);

        // For each partition, the index of the record acknowledged at each offset.
        List<TopicPartition> tps = List.of(new TopicPartition("crash", 0), new TopicPartition("crash", 1), new TopicPartition("crash", 2));
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest", "max.poll.records", "5000");
        int seenAcked = 0;
        try (FjordConsumer<byte[], byte[]> consumer = new FjordConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            List<int[]> byOffset = new ArrayList<>();
            for (TopicPartition tp : tps) {
                int[] idx = new int[(int) (long) end.get(tp)];
                Arrays.fill(idx, -1);
                byOffset.add(idx);
            }
            for (int i = 0; i < ackPartition.length; i++) {
                if (ackPartition[i] >= 0) {
                    int[] idx = byOffset.get(ackPartition[i]);
                    long off = ackOffset[i];
                    assertTrue(off < idx.length, "record " + i + " acknowledged at " + ackPartition[i] + "/" + off
                            + " but the partition ends at " + idx.length + " after recovery");
                    assertEquals(-1, idx[(int) off], "two records acknowledged at the same offset");
                    idx[(int) off] = i;
                }
            }
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            long read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long[] next = new long[3];
            while (read < total) {
                if (System.nanoTime() > deadline) {
                    fail("read only " + read + " of " + total + " records in 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    assertEquals(next[r.partition()], r.offset(), "offsets are dense and in order");
                    next[r.partition()] = r.offset() + 1;
                    int i = byOffset.get(r.partition())[(int) r.offset()];
                    if (i < 0) {
                        continue; // written but never acknowledged (in flight at the kill): allowed
                    }
                    seenAcked++;
                    assertArrayEquals(key(i), r.key(), "key at " + r.partition() + "/" + r.offset());
                    assertArrayEquals(value(i), r.value(), "value at " + r.partition() + "/" + r.offset());
                    assertEquals(BASE_TS + i, r.timestamp(), "timestamp at " + r.partition() + "/" + r.offset());
                    List<Header> hs = r.headers();
                    assertEquals(2, hs.size());
                    assertEquals("seq", hs.get(0).key());
                    assertArrayEquals(headers(i)[0].value(), hs.get(0).value());
                    assertEquals("empty", hs.get(1).key());
                    assertNull(hs.get(1).value());
                }
            }
            assertNotNull(end);
        }
        assertEquals(acked, seenAcked, "every acknowledged record was read back");
    }
}

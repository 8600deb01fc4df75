package io.fjord.wire;

import static io.fjord.wire.TestBatches.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.TestBatches.Spec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our codec against kafka-clients itself, in both directions, so Kafka clients and tools interoperate. */
class KafkaParityTest {

    /** Producer and placement fields one batch carries, so both builders get the same ones. */
    record Params(long baseOffset, long producerId, short producerEpoch, int baseSequence, int leaderEpoch,
                          boolean transactional, boolean logAppendTime) {}

    static final Params PLAIN = new Params(0L, -1L, (short) -1, -1, -1, false, false);
    static final Params IDEMPOTENT = new Params(42L, 9_876_543_210L, (short) 7, 1_000, 12, false, false);
    static final Params TRANSACTIONAL = new Params(5L, 77L, (short) 1, Integer.MAX_VALUE - 2, 0, true, false);
    static final Params APPEND_TIME = new Params(100L, -1L, (short) -1, -1, 4, false, true);

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadsOurBatchesFieldForField(CompressionType compression) {
        for (Params p : List.of(PLAIN, IDEMPOTENT, TRANSACTIONAL, APPEND_TIME)) {
            List<Spec> specs = TestBatches.mixedSpecs();
            ByteBuffer ours = TestBatches.build(ourBuilder(compression, p), specs);
            assertKafkaReads(ours, compression, p, specs);
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void weReadKafkaBatchesFieldForField(CompressionType compression) {
        for (Params p : List.of(PLAIN, IDEMPOTENT, TRANSACTIONAL, APPEND_TIME)) {
            List<Spec> specs = TestBatches.mixedSpecs();
            assertWeRead(kafkaBatch(compression, p, specs), compression, p, specs);
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void randomBatchesInteroperateBothWays(CompressionType compression) {
        Random rnd = new Random(2024 + compression.id);
        for (int i = 0; i < 150; i++) {
            List<Spec> specs = TestBatches.randomSpecs(rnd, 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 300));
            Params p = new Params(rnd.nextInt(1 << 20), rnd.nextBoolean() ? -1L : rnd.nextInt(1 << 30),
                    (short) rnd.nextInt(100), rnd.nextInt(1 << 20), rnd.nextInt(50), false, false);
            assertKafkaReads(TestBatches.build(ourBuilder(compression, p), specs), compression, p, specs);
            assertWeRead(kafkaBatch(compression, p, specs), compression, p, specs);
        }
    }

    @Test
    void uncompressedBatchesAreByteForByteKafkas() {
        Random rnd = new Random(5);
        for (Params p : List.of(PLAIN, IDEMPOTENT, TRANSACTIONAL)) {
            for (List<Spec> specs : List.of(TestBatches.mixedSpecs(), TestBatches.randomSpecs(rnd, 200))) {
                byte[] ours = TestBatches.bytes(TestBatches.build(ourBuilder(CompressionType.NONE, p), specs));
                byte[] kafkas = TestBatches.bytes(kafkaBatch(CompressionType.NONE, p, specs));
                assertArrayEquals(kafkas, ours, "batch with " + specs.size() + " records, " + p);
            }
        }
    }

    @Test
    void severalKafkaBatchesInOneBufferAreAllRead() {
        List<Spec> a = TestBatches.mixedSpecs();
        List<Spec> b = List.of(new Spec(7L, utf8("x"), utf8("y"), null));
        ByteBuffer all = TestBatches.concat(kafkaBatch(CompressionType.GZIP, PLAIN, a),
                kafkaBatch(CompressionType.NONE, new Params(6L, -1L, (short) -1, -1, -1, false, false), b));
        List<RecordBatch> batches = new ArrayList<>();
        RecordBatch.batches(all).forEach(batches::add);
        assertEquals(2, batches.size());
        assertEquals(6L, batches.get(1).baseOffset());
        assertEquals(6L, batches.get(1).records().get(0).offset());
        assertTrue(BatchValidator.validate(all, 1 << 20, true).ok());
    }

    static RecordBatchBuilder ourBuilder(CompressionType compression, Params p) {
        return new RecordBatchBuilder(compression, 128)
                .baseOffset(p.baseOffset())
                .producer(p.producerId(), p.producerEpoch(), p.baseSequence())
                .partitionLeaderEpoch(p.leaderEpoch())
                .transactional(p.transactional())
                .logAppendTime(p.logAppendTime());
    }

    /** Kafka's log-append time is the time it was given; ours is the max record timestamp, so pass that. */
    static ByteBuffer kafkaBatch(CompressionType compression, Params p, List<Spec> specs) {
        long maxTs = specs.stream().mapToLong(Spec::timestamp).max().orElse(-1L);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256),
                org.apache.kafka.common.record.internal.RecordBatch.CURRENT_MAGIC_VALUE, kafkaCompression(compression),
                p.logAppendTime() ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME, p.baseOffset(),
                p.logAppendTime() ? maxTs : org.apache.kafka.common.record.internal.RecordBatch.NO_TIMESTAMP,
                p.producerId(), p.producerEpoch(), p.baseSequence(), p.transactional(), p.leaderEpoch());
        for (Spec s : specs) {
            builder.append(s.timestamp(), s.key(), s.value(), kafkaHeaders(s.headers()));
        }
        return builder.build().buffer();
    }

    static void assertKafkaReads(ByteBuffer buf, CompressionType compression, Params p, List<Spec> specs) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(buf.duplicate()).batches().forEach(batches::add);
        assertEquals(1, batches.size());
        MutableRecordBatch b = batches.get(0);
        b.ensureValid();
        assertTrue(b.isValid());
        long maxTs = specs.stream().mapToLong(Spec::timestamp).max().getAsLong();
        assertEquals(2, b.magic());
        assertEquals(compression.name, b.compressionType().name);
        assertEquals(p.logAppendTime() ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME, b.timestampType());
        assertEquals(p.baseOffset(), b.baseOffset());
        assertEquals(p.baseOffset() + specs.size() - 1, b.lastOffset());
        assertEquals(p.producerId(), b.producerId());
        assertEquals(p.producerEpoch(), b.producerEpoch());
        assertEquals(p.baseSequence(), b.baseSequence());
        assertEquals(p.leaderEpoch(), b.partitionLeaderEpoch());
        assertEquals(p.transactional(), b.isTransactional());
        assertEquals(false, b.isControlBatch());
        assertEquals(specs.size(), b.countOrNull());
        assertEquals(maxTs, b.maxTimestamp());
        assertEquals(buf.remaining(), b.sizeInBytes());
        int i = 0;
        for (org.apache.kafka.common.record.internal.Record r : b) {
            Spec s = specs.get(i);
            String where = "record " + i;
            r.ensureValid();
            assertEquals(p.baseOffset() + i, r.offset(), where);
            assertEquals(p.logAppendTime() ? maxTs : s.timestamp(), r.timestamp(), where);
            assertEquals(p.baseSequence() < 0 ? -1 : RecordBatchHeader.incrementSequence(p.baseSequence(), i), r.sequence());
            assertArrayEquals(s.key(), array(r.key()), where + " key");
            assertArrayEquals(s.value(), array(r.value()), where + " value");
            org.apache.kafka.common.header.Header[] headers = r.headers();
            Header[] expected = s.headers() == null ? new Header[0] : s.headers();
            assertEquals(expected.length, headers.length, where + " headers");
            for (int h = 0; h < headers.length; h++) {
                assertEquals(expected[h].key(), headers[h].key());
                assertArrayEquals(expected[h].value(), headers[h].value());
            }
            i++;
        }
        assertEquals(specs.size(), i);
    }

    static void assertWeRead(ByteBuffer buf, CompressionType compression, Params p, List<Spec> specs) {
        RecordBatch b = TestBatches.only(buf);
        b.ensureValid();
        long maxTs = specs.stream().mapToLong(Spec::timestamp).max().getAsLong();
        assertEquals(compression, b.compressionType());
        assertEquals(p.logAppendTime(), b.isLogAppendTime());
        assertEquals(p.baseOffset(), b.baseOffset());
        assertEquals(p.baseOffset() + specs.size() - 1, b.lastOffset());
        assertEquals(p.producerId(), b.producerId());
        assertEquals(p.producerEpoch(), b.producerEpoch());
        assertEquals(p.baseSequence(), b.baseSequence());
        assertEquals(p.leaderEpoch(), b.partitionLeaderEpoch());
        assertEquals(p.transactional(), b.isTransactional());
        assertEquals(specs.size(), b.recordCount());
        assertEquals(maxTs, b.maxTimestamp());
        assertEquals(specs.get(0).timestamp(), b.baseTimestamp());
        List<Record> records = b.records();
        assertEquals(specs.size(), records.size());
        for (int i = 0; i < specs.size(); i++) {
            Record r = records.get(i);
            TestBatches.assertRecord(specs.get(i), r, "record " + i);
            assertEquals(p.baseOffset() + i, r.offset());
            assertEquals(p.logAppendTime() ? maxTs : specs.get(i).timestamp(), r.timestamp());
            assertEquals(p.baseSequence() < 0 ? -1 : RecordBatchHeader.incrementSequence(p.baseSequence(), i), r.sequence());
        }
    }

    static Compression kafkaCompression(CompressionType c) {
        switch (c) {
            case NONE: return Compression.NONE;
            case GZIP: return Compression.gzip().build();
            case SNAPPY: return Compression.snappy().build();
            case LZ4: return Compression.lz4().build();
            case ZSTD: return Compression.zstd().build();
            default: throw new AssertionError(c);
        }
    }

    private static org.apache.kafka.common.header.Header[] kafkaHeaders(Header[] headers) {
        if (headers == null) {
            return org.apache.kafka.common.record.internal.Record.EMPTY_HEADERS;
        }
        org.apache.kafka.common.header.Header[] out = new org.apache.kafka.common.header.Header[headers.length];
        for (int i = 0; i < headers.length; i++) {
            out[i] = new RecordHeader(headers[i].key(), headers[i].value());
        }
        return out;
    }

    private static byte[] array(ByteBuffer b) {
        return b == null ? null : TestBatches.bytes(b);
    }
}

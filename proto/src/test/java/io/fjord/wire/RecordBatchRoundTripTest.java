package io.fjord.wire;

import static io.fjord.wire.TestBatches.assertRecord;
import static io.fjord.wire.TestBatches.build;
import static io.fjord.wire.TestBatches.only;
import static io.fjord.wire.TestBatches.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.TestBatches.Spec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchRoundTripTest {

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyFieldSurvivesTheRoundTrip(CompressionType compression) {
        List<Spec> specs = TestBatches.mixedSpecs();
        RecordBatchBuilder builder = new RecordBatchBuilder(compression, 16)
                .producer(4711L, (short) 3, 17).partitionLeaderEpoch(9).baseOffset(1000L);
        ByteBuffer buf = build(builder, specs);
        assertEquals(0, buf.position());
        assertEquals(builder.estimatedSizeInBytes(), buf.limit());

        RecordBatch batch = only(buf);
        assertEquals(1000L, batch.baseOffset());
        assertEquals(1000L + specs.size() - 1, batch.lastOffset());
        assertEquals(1000L + specs.size(), batch.nextOffset());
        assertEquals(specs.size() - 1, batch.lastOffsetDelta());
        assertEquals(9, batch.partitionLeaderEpoch());
        assertEquals(2, batch.magic());
        assertEquals(compression, batch.compressionType());
        assertFalse(batch.isLogAppendTime());
        assertFalse(batch.isTransactional());
        assertFalse(batch.isControl());
        assertEquals(specs.get(0).timestamp(), batch.baseTimestamp());
        assertEquals(specs.stream().mapToLong(Spec::timestamp).max().getAsLong(), batch.maxTimestamp());
        assertEquals(4711L, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(17, batch.baseSequence());
        assertEquals(specs.size(), batch.recordCount());
        assertEquals(buf.limit(), batch.sizeInBytes());
        assertTrue(batch.isValid());
        batch.ensureValid();
        assertEquals(RecordBatchHeader.computeCrc(buf, 0), batch.checksum());

        List<Record> records = batch.records();
        assertEquals(specs.size(), records.size());
        for (int i = 0; i < specs.size(); i++) {
            Record r = records.get(i);
            assertRecord(specs.get(i), r, "record " + i);
            assertEquals(1000L + i, r.offset());
            assertEquals(specs.get(i).timestamp(), r.timestamp());
            assertEquals(17 + i, r.sequence());
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void manyRecordsGrowTheBufferAndComeBackInOrder(CompressionType compression) {
        List<Spec> specs = TestBatches.randomSpecs(new Random(1), 10_000);
        RecordBatchBuilder builder = new RecordBatchBuilder(compression, 0);
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            assertEquals(i, builder.append(s.timestamp(), s.key(), s.value(), s.headers()));
        }
        assertEquals(specs.size(), builder.recordCount());
        int estimate = builder.estimatedSizeInBytes();
        ByteBuffer buf = builder.build();
        assertTrue(buf.limit() <= estimate, "estimate " + estimate + " is an upper bound of " + buf.limit());
        RecordBatch batch = only(buf);
        batch.ensureValid();
        List<Record> records = batch.records();
        assertEquals(specs.size(), records.size());
        long max = Long.MIN_VALUE;
        for (int i = 0; i < specs.size(); i++) {
            assertRecord(specs.get(i), records.get(i), "record " + i);
            assertEquals(specs.get(i).timestamp(), records.get(i).timestamp());
            assertEquals(i, records.get(i).offset());
            assertEquals(-1, records.get(i).sequence());
            max = Math.max(max, specs.get(i).timestamp());
        }
        assertEquals(max, batch.maxTimestamp());
    }

    @Test
    void gzipShrinksCompressibleRecordsAndRecordSizesAddUpUncompressed() {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            specs.add(new Spec(i, utf8("key-" + i), utf8("the same value over and over " + (i % 3)), null));
        }
        ByteBuffer plain = build(new RecordBatchBuilder(CompressionType.NONE, 1024), specs);
        ByteBuffer gzip = build(new RecordBatchBuilder(CompressionType.GZIP, 1024), specs);
        assertTrue(gzip.limit() * 4 < plain.limit(), gzip.limit() + " vs " + plain.limit());
        int sum = only(plain).records().stream().mapToInt(Record::sizeInBytes).sum();
        assertEquals(plain.limit() - RecordBatchHeader.HEADER_SIZE, sum);
        assertEquals(sum, only(gzip).records().stream().mapToInt(Record::sizeInBytes).sum());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void timestampsMayGoBackwardsAndSpanTheWholeRange(CompressionType compression) {
        long[] ts = {5_000L, 1_000L, Long.MAX_VALUE, 0L, RecordBatchHeader.NO_TIMESTAMP, 4_999L};
        RecordBatchBuilder builder = new RecordBatchBuilder(compression, 64);
        for (long t : ts) {
            builder.append(t, null, new byte[] {1}, null);
        }
        RecordBatch batch = only(builder.build());
        assertEquals(5_000L, batch.baseTimestamp());
        assertEquals(Long.MAX_VALUE, batch.maxTimestamp());
        List<Record> records = batch.records();
        for (int i = 0; i < ts.length; i++) {
            assertEquals(ts[i], records.get(i).timestamp(), "record " + i);
        }
    }

    @Test
    void firstRecordWithoutTimestampStillDecodesLaterOnes() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 64);
        builder.append(RecordBatchHeader.NO_TIMESTAMP, null, null, null);
        builder.append(Long.MAX_VALUE, null, null, null);
        RecordBatch batch = only(builder.build());
        assertEquals(RecordBatchHeader.NO_TIMESTAMP, batch.baseTimestamp());
        assertEquals(Long.MAX_VALUE, batch.records().get(1).timestamp());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void logAppendTimeRecordsReportTheBatchMaxTimestamp(CompressionType compression) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression, 64).logAppendTime(true);
        builder.append(10L, null, utf8("a"), null);
        builder.append(30L, null, utf8("b"), null);
        builder.append(20L, null, utf8("c"), null);
        RecordBatch batch = only(builder.build());
        assertTrue(batch.isLogAppendTime());
        assertEquals(30L, batch.maxTimestamp());
        for (Record r : batch.records()) {
            assertEquals(30L, r.timestamp());
        }
    }

    @Test
    void transactionalBitAndSequenceWrapAsKafka() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 64)
                .producer(1L, (short) 0, Integer.MAX_VALUE - 1).transactional(true);
        for (int i = 0; i < 3; i++) {
            builder.append(i, null, null, null);
        }
        RecordBatch batch = only(builder.build());
        assertTrue(batch.isTransactional());
        List<Record> records = batch.records();
        assertEquals(Integer.MAX_VALUE - 1, records.get(0).sequence());
        assertEquals(Integer.MAX_VALUE, records.get(1).sequence());
        assertEquals(0, records.get(2).sequence());
    }

    @Test
    void uncompressedKeysAndValuesAreReadOnlyViewsOfTheFetchedBytes() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 64);
        builder.append(1L, utf8("key"), utf8("value"), null);
        ByteBuffer buf = builder.build();
        Record r = only(buf).records().get(0);
        ByteBuffer value = r.value();
        assertTrue(value.isReadOnly());
        assertEquals(5, value.remaining());
        int at = buf.limit() - 1 - 5; // value sits just before the header-count byte
        buf.put(at, (byte) 'V');
        assertEquals('V', r.value().get(0), "a view, not a copy");
        byte[] copy = r.valueBytes();
        copy[1] = 'X';
        assertEquals('a', r.value().get(1), "valueBytes is a copy");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void directAndReadOnlyBuffersDecodeToo(CompressionType compression) {
        List<Spec> specs = TestBatches.mixedSpecs();
        ByteBuffer heap = build(new RecordBatchBuilder(compression, 64), specs);
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit() + 10);
        direct.position(10);
        direct.put(heap.duplicate());
        direct.position(10);
        for (ByteBuffer b : new ByteBuffer[] {direct, heap.asReadOnlyBuffer()}) {
            RecordBatch batch = only(b);
            assertTrue(batch.isValid());
            List<Record> records = batch.records();
            for (int i = 0; i < specs.size(); i++) {
                assertRecord(specs.get(i), records.get(i), "record " + i);
            }
        }
        assertEquals(10, direct.position(), "batches() leaves the position alone");
    }

    @Test
    void batchesWalksSeveralBatchesAndSkipsATrailingPartialOne() {
        ByteBuffer a = build(new RecordBatchBuilder(CompressionType.NONE, 64).baseOffset(0), TestBatches.mixedSpecs());
        ByteBuffer b = build(new RecordBatchBuilder(CompressionType.GZIP, 64).baseOffset(6), TestBatches.mixedSpecs());
        ByteBuffer c = build(new RecordBatchBuilder(CompressionType.NONE, 64).baseOffset(12), TestBatches.mixedSpecs());
        ByteBuffer all = TestBatches.concat(a, b, c);
        for (int cut : new int[] {0, 1, 16, 17, 60, c.limit() - 1}) {
            ByteBuffer truncated = all.duplicate().limit(all.limit() - cut);
            List<Long> bases = new ArrayList<>();
            RecordBatch.batches(truncated).forEach(batch -> bases.add(batch.baseOffset()));
            assertEquals(cut == 0 ? List.of(0L, 6L, 12L) : List.of(0L, 6L), bases, "cut " + cut);
        }
        ByteBuffer fromSecond = all.duplicate().position(a.limit());
        assertEquals(6L, RecordBatch.batches(fromSecond).iterator().next().baseOffset());
        assertFalse(RecordBatch.batches(ByteBuffer.allocate(0)).iterator().hasNext());
    }

    @Test
    void batchBufferIsTheBatchOwnBytes() {
        ByteBuffer a = build(new RecordBatchBuilder(CompressionType.NONE, 64), TestBatches.mixedSpecs());
        ByteBuffer b = build(new RecordBatchBuilder(CompressionType.GZIP, 64).baseOffset(6), TestBatches.mixedSpecs());
        List<RecordBatch> batches = new ArrayList<>();
        RecordBatch.batches(TestBatches.concat(a, b)).forEach(batches::add);
        assertArrayEquals(TestBatches.bytes(b), TestBatches.bytes(batches.get(1).buffer()));
        assertEquals(0, batches.get(1).buffer().position());
    }

    @Test
    void estimateRecordSizeIsAnUpperBoundOfWhatAppendAdds() {
        Random rnd = new Random(3);
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 0);
        long first = 0;
        for (Spec s : TestBatches.randomSpecs(rnd, 2000)) {
            long ts = first == 0 ? (first = s.timestamp()) : first + rnd.nextLong() / 2;
            int before = builder.estimatedSizeInBytes();
            builder.append(Math.abs(ts), s.key(), s.value(), s.headers());
            int added = builder.estimatedSizeInBytes() - before;
            int estimate = RecordBatchBuilder.estimateRecordSize(s.key(), s.value(), s.headers());
            assertTrue(added <= estimate, added + " > " + estimate);
            assertTrue(estimate - added <= 18, "estimate stays tight: " + estimate + " vs " + added);
        }
    }

    @Test
    void builderRejectsMisuse() {
        RecordBatchBuilder empty = new RecordBatchBuilder(CompressionType.NONE, 0);
        assertTrue(empty.isEmpty());
        assertThrows(IllegalStateException.class, empty::build);
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.GZIP, 0);
        assertThrows(IllegalArgumentException.class, () -> builder.append(-2L, null, null, null));
        assertThrows(NullPointerException.class, () -> builder.append(1L, null, null, new Header[] {null}));
        assertTrue(builder.isEmpty(), "a rejected append leaves nothing behind");
        builder.append(1L, null, null, null);
        assertFalse(builder.isEmpty());
        int size = builder.build().limit();
        assertEquals(size, builder.estimatedSizeInBytes());
        assertThrows(IllegalStateException.class, builder::build);
        assertThrows(IllegalStateException.class, () -> builder.append(1L, null, null, null));
        assertThrows(IllegalStateException.class, () -> builder.baseOffset(5));
        RecordBatchBuilder txn = new RecordBatchBuilder(CompressionType.NONE, 0).transactional(true);
        txn.append(1L, null, null, null);
        assertThrows(IllegalStateException.class, txn::build);
        assertThrows(NullPointerException.class, () -> new Header(null, null));
        assertThrows(IllegalArgumentException.class, () -> new RecordBatchBuilder(CompressionType.NONE, -1));
    }

    @Test
    void compressionTypeLookups() {
        assertEquals(CompressionType.NONE, CompressionType.forId(0));
        assertEquals(CompressionType.GZIP, CompressionType.forId(1));
        assertEquals(CompressionType.GZIP, CompressionType.forName("gzip"));
        assertEquals(CompressionType.NONE, CompressionType.forName("none"));
        assertEquals(CompressionType.SNAPPY, CompressionType.forId(2));
        assertEquals(CompressionType.LZ4, CompressionType.forId(3));
        assertEquals(CompressionType.ZSTD, CompressionType.forId(4));
        assertEquals(CompressionType.SNAPPY, CompressionType.forName("snappy"));
        assertEquals(CompressionType.LZ4, CompressionType.forName("lz4"));
        assertEquals(CompressionType.ZSTD, CompressionType.forName("zstd"));
        for (CompressionType t : CompressionType.values()) {
            assertEquals(t, CompressionType.forId(t.id));
            assertEquals(t, CompressionType.forName(t.name));
        }
        IllegalArgumentException byId = assertThrows(IllegalArgumentException.class, () -> CompressionType.forId(5));
        assertTrue(byId.getMessage().contains("5"), byId.getMessage());
        IllegalArgumentException byName = assertThrows(IllegalArgumentException.class,
                () -> CompressionType.forName("brotli"));
        assertTrue(byName.getMessage().contains("brotli") && byName.getMessage().contains("zstd"), byName.getMessage());
    }

    @Test
    void utf8EncodingMatchesTheJdkIncludingUnpairedSurrogates() {
        Random rnd = new Random(11);
        char[] pool = {'a', 'Z', '\u00e9', '\u07ff', '\u0800', '\uffff', '\ud83d', '\ude00', '\ud800', '\udfff', 0};
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(12); n > 0; n--) {
                sb.append(pool[rnd.nextInt(pool.length)]);
            }
            String s = sb.toString();
            byte[] expected = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(expected.length, Utf8.length(s), s);
            ByteBuffer out = ByteBuffer.allocate(expected.length);
            Utf8.write(s, out);
            assertArrayEquals(expected, out.array());
        }
    }
}

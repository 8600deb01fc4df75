package io.fjord.wire;

import static io.fjord.wire.TestBatches.build;
import static io.fjord.wire.TestBatches.only;
import static io.fjord.wire.TestBatches.rawBatch;
import static io.fjord.wire.TestBatches.simpleRecord;
import static io.fjord.wire.TestBatches.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fjord.wire.BatchValidator.Failure;
import io.fjord.wire.TestBatches.Section;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CorruptionTest {
    private static final byte[] GOOD = simpleRecord(0, utf8("k"), utf8("v"));

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void anyFlippedByteUnderTheCrcIsDetected(CompressionType compression) {
        ByteBuffer good = build(new RecordBatchBuilder(compression, 64), TestBatches.mixedSpecs());
        assertTrue(only(good).isValid());
        for (int at = RecordBatchHeader.ATTRIBUTES_OFFSET; at < good.limit(); at++) {
            ByteBuffer bad = ByteBuffer.wrap(TestBatches.bytes(good));
            bad.put(at, (byte) (bad.get(at) ^ 0x01));
            RecordBatch batch = only(bad);
            assertFalse(batch.isValid(), "flip at " + at);
            CorruptRecordException e = assertThrows(CorruptRecordException.class, batch::ensureValid);
            assertTrue(e.getMessage().contains("CRC"), e.getMessage());
            Failure failure = BatchValidator.validate(bad, Integer.MAX_VALUE, true).failure();
            // the validator checks offset delta against count before it pays for the CRC
            boolean countField = at >= RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET && at < RecordBatchHeader.BASE_TIMESTAMP_OFFSET
                    || at >= RecordBatchHeader.RECORDS_COUNT_OFFSET && at < RecordBatchHeader.HEADER_SIZE;
            if (!(countField && failure == Failure.BAD_OFFSET_DELTA)) {
                assertEquals(Failure.BAD_CRC, failure, "flip at " + at);
            }
        }
    }

    @Test
    void theCrcDoesNotCoverBaseOffsetOrLeaderEpochSoTheBrokerMayRewriteThem() {
        ByteBuffer buf = build(new RecordBatchBuilder(CompressionType.NONE, 64), TestBatches.mixedSpecs());
        RecordBatchHeader.setBaseOffset(buf, 0, 123_456L);
        RecordBatchHeader.setPartitionLeaderEpoch(buf, 0, 77);
        RecordBatch batch = only(buf);
        assertTrue(batch.isValid());
        assertEquals(123_456L, batch.records().get(0).offset());
        assertEquals(77, batch.partitionLeaderEpoch());
    }

    @Test
    void malformedHeadersAreCorruptButPartialBatchesAreSkipped() {
        ByteBuffer good = build(new RecordBatchBuilder(CompressionType.NONE, 64), TestBatches.mixedSpecs());
        ByteBuffer shortLength = ByteBuffer.wrap(TestBatches.bytes(good)).putInt(RecordBatchHeader.LENGTH_OFFSET, 48);
        assertThrows(CorruptRecordException.class, () -> RecordBatch.batches(shortLength).iterator().hasNext());
        ByteBuffer negative = ByteBuffer.wrap(TestBatches.bytes(good)).putInt(RecordBatchHeader.LENGTH_OFFSET, -5);
        assertThrows(CorruptRecordException.class, () -> RecordBatch.batches(negative).iterator().next());
        ByteBuffer magic1 = ByteBuffer.wrap(TestBatches.bytes(good)).put(RecordBatchHeader.MAGIC_OFFSET, (byte) 1);
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> RecordBatch.batches(magic1).iterator().hasNext());
        assertTrue(e.getMessage().contains("magic 1"), e.getMessage());
        ByteBuffer huge = ByteBuffer.wrap(TestBatches.bytes(good)).putInt(RecordBatchHeader.LENGTH_OFFSET, Integer.MAX_VALUE);
        assertFalse(RecordBatch.batches(huge).iterator().hasNext(), "declares more than present: partial");
        assertFalse(RecordBatch.batches(good.duplicate().limit(good.limit() - 1)).iterator().hasNext());
        assertFalse(RecordBatch.batches(good.duplicate().limit(40)).iterator().hasNext());
    }

    @Test
    void handMadeSectionDecodesWhenWellFormed() {
        // guards the fixture itself: the corrupt cases below differ from this in one field only
        RecordBatch batch = only(rawBatch(concat(GOOD, simpleRecord(1, null, new byte[0])), 2, 0));
        assertEquals(2, batch.records().size());
        assertEquals(101L, batch.records().get(1).offset());
        assertEquals(1000L, batch.records().get(1).timestamp());
        assertEquals(0, batch.records().get(1).valueSize());
    }

    @Test
    void corruptRecordLengths() {
        assertCorrupt(new Section().varint(GOOD.length).raw(GOOD).bytes(), 1);                 // length past the end
        assertCorrupt(new Section().varint(-1).raw(Arrays.copyOfRange(GOOD, 1, GOOD.length)).bytes(), 1);
        assertCorrupt(new Section().varint(Integer.MAX_VALUE).raw(new byte[20]).bytes(), 1);
        assertCorrupt(new Section().varint(3).raw(0, 0, 0).bytes(), 1);                       // below the minimum
        assertCorrupt(new Section().raw(0xff, 0xff, 0xff, 0xff, 0xff, 0x01).bytes(), 1);      // six-byte varint
        assertCorrupt(new Section().raw(0x80).bytes(), 1);                                    // cut-off varint
        // the length claims two bytes more than the fields use
        byte[] body = Arrays.copyOfRange(GOOD, 1, GOOD.length);
        assertCorrupt(new Section().varint(body.length + 2).raw(body).raw(0, 0).bytes(), 1);
    }

    @Test
    void corruptKeyValueAndHeaderLengths() {
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(1000).raw(1, 2).varint(-1).varint(0)), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-2).varint(-1).varint(0)), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(Integer.MIN_VALUE).varint(0)), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(5).raw(1, 2, 3).varint(0)), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1).varint(-1)), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(Integer.MAX_VALUE).raw(new byte[8])), 1);
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(1).varint(-1).varint(-1)), 1);                                          // null header key
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(1).varint(1).raw('h').varint(50).raw(1)), 1);                           // header value too long
        assertCorrupt(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(2).varint(1).raw('h').varint(-1)), 1);                                  // second header missing
        assertCorrupt(record(new Section().raw(0).raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
                .varint(0).varint(-1).varint(-1).varint(0)), 1);                               // 65-bit varlong
    }

    @Test
    void recordCountMustMatchTheSection() {
        assertCorrupt(concat(GOOD, GOOD), 3);
        assertCorrupt(concat(GOOD, GOOD), 1);
        assertCorrupt(GOOD, -1);
        assertCorrupt(GOOD, Integer.MAX_VALUE);   // must not try to allocate for two billion records
        assertCorrupt(new byte[0], 1);
        assertEquals(0, only(rawBatch(new byte[0], 0, 0)).records().size());
    }

    @Test
    void forgedCountsDoNotDriveAllocation() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ByteBuffer manyRecords = rawBatch(GOOD, 50_000_000, 0);
        ByteBuffer manyHeaders = rawBatch(record(new Section().raw(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(50_000_000).raw(new byte[64])), 1, 0);
        for (ByteBuffer forged : new ByteBuffer[] {manyRecords, manyHeaders}) {
            RecordBatch batch = only(forged);
            long before = threads.getCurrentThreadAllocatedBytes();
            assertThrows(CorruptRecordException.class, batch::records);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 1 << 20, "decoding a forged count allocated " + allocated + " bytes");
        }
    }

    @Test
    void corruptCompressedSections() throws Exception {
        int gzip = CompressionType.GZIP.id;
        assertCorrupt(utf8("definitely not gzip"), 1, gzip);
        byte[] compressed = TestBatches.gzip(concat(GOOD, GOOD));
        assertEquals(2, only(rawBatch(compressed, 2, gzip)).records().size(), "the JDK's own gzip framing decodes");
        assertCorrupt(Arrays.copyOf(compressed, compressed.length - 3), 2, gzip);
        byte[] badTrailer = compressed.clone();
        badTrailer[badTrailer.length - 6] ^= 0x10;     // gzip CRC-32 of the inflated records
        assertCorrupt(badTrailer, 2, gzip);
        assertCorrupt(TestBatches.gzip(concat(GOOD, new byte[] {(byte) 0x80})), 1, gzip);
        assertCorrupt(new byte[0], 1, gzip);
        assertEquals(0, only(rawBatch(new byte[0], 0, gzip)).records().size(), "empty batches need no codec");
    }

    @Test
    void unsupportedCodecIsReportedNotMisread() {
        ByteBuffer bogus = rawBatch(GOOD, 1, 5);
        RecordBatch batch = only(bogus);
        assertEquals(5, batch.compressionId());
        assertTrue(batch.isValid());
        CorruptRecordException e = assertThrows(CorruptRecordException.class, batch::records);
        assertTrue(e.getMessage().contains("compression id 5"), e.getMessage());
        // an uncompressed section labelled lz4 is reported as corrupt, not misread
        assertThrows(CorruptRecordException.class, () -> only(rawBatch(GOOD, 1, 3)).records());
        assertThrows(CorruptRecordException.class, () -> only(rawBatch(GOOD, 1, 7)).compressionType());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void randomDamageOnlyEverThrowsCorruptRecordException(CompressionType compression) {
        Random rnd = new Random(compression.id * 1000L + 5);
        ByteBuffer good = build(new RecordBatchBuilder(compression, 64).producer(1, (short) 1, 1),
                TestBatches.randomSpecs(rnd, 20));
        int decoded = 0;
        for (int i = 0; i < 3000; i++) {
            ByteBuffer bad = ByteBuffer.wrap(TestBatches.bytes(good));
            for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
                // mostly the records section, sometimes the header's length and count fields
                int at = rnd.nextInt(8) == 0 ? rnd.nextInt(RecordBatchHeader.HEADER_SIZE)
                        : RecordBatchHeader.HEADER_SIZE + rnd.nextInt(bad.limit() - RecordBatchHeader.HEADER_SIZE);
                bad.put(at, (byte) rnd.nextInt(256));
            }
            if (rnd.nextInt(4) == 0) {
                bad.limit(RecordBatchHeader.HEADER_SIZE + rnd.nextInt(bad.limit() - RecordBatchHeader.HEADER_SIZE));
                bad.putInt(RecordBatchHeader.LENGTH_OFFSET, bad.limit() - RecordBatchHeader.LOG_OVERHEAD);
            }
            decoded += decodeAll(bad);
        }
        assertTrue(decoded > 0, "some damage leaves decodable batches, so the loop is not vacuous");
    }

    @Test
    void randomGarbageOnlyEverThrowsCorruptRecordException() {
        Random rnd = new Random(99);
        for (int i = 0; i < 3000; i++) {
            byte[] junk = new byte[rnd.nextInt(300)];
            rnd.nextBytes(junk);
            ByteBuffer buf = ByteBuffer.wrap(junk);
            if (junk.length >= RecordBatchHeader.HEADER_SIZE && rnd.nextBoolean()) {
                buf.putInt(RecordBatchHeader.LENGTH_OFFSET, junk.length - RecordBatchHeader.LOG_OVERHEAD);
                buf.put(RecordBatchHeader.MAGIC_OFFSET, RecordBatchHeader.MAGIC_V2);
                buf.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) rnd.nextInt(2));
            }
            decodeAll(buf);
        }
    }

    /** Decodes every batch and record; returns how many records decoded; fails on anything but corruption. */
    private static int decodeAll(ByteBuffer buf) {
        int records = 0;
        try {
            for (RecordBatch batch : RecordBatch.batches(buf)) {
                batch.isValid();
                for (Record r : batch.records()) {
                    r.keyBytes();
                    r.valueBytes();
                    r.headers();
                    records++;
                }
            }
        } catch (CorruptRecordException expected) {
            return records;
        } catch (Throwable t) {
            fail("damaged batch escaped as " + t, t);
        }
        return records;
    }

    private static byte[] record(Section body) {
        byte[] b = body.bytes();
        return new Section().varint(b.length).raw(b).bytes();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertCorrupt(byte[] section, int count) {
        assertCorrupt(section, count, CompressionType.NONE.id);
    }

    private static void assertCorrupt(byte[] section, int count, int attributes) {
        RecordBatch batch = only(rawBatch(section, count, attributes));
        assertTrue(batch.isValid(), "the fixture has a good CRC, so decoding must catch this itself");
        assertThrows(CorruptRecordException.class, batch::records);
    }
}

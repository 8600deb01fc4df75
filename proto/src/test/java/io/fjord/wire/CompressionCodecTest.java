package io.fjord.wire;

import static io.fjord.wire.TestBatches.only;
import static io.fjord.wire.TestBatches.rawBatch;
import static io.fjord.wire.TestBatches.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.TestBatches.Spec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The snappy, lz4 and zstd codecs: framing, round trips, Kafka interop on large batches, corruption. */
class CompressionCodecTest {

    private static List<Spec> keysNullsHeaders() {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec(1_700_000_000_000L, utf8("key-a"), null, null));
        specs.add(new Spec(1_700_000_000_005L, null, utf8("value only"), new Header[0]));
        specs.add(new Spec(1_700_000_000_001L, utf8("k"), utf8("v"),
                new Header[] {new Header("h1", utf8("x")), new Header("h-null", null), new Header("", new byte[0])}));
        specs.add(new Spec(-1L, new byte[0], new byte[0], new Header[] {new Header("\u00e9t\u00e9", utf8("\u2603"))}));
        specs.add(new Spec(1_700_000_000_009L, null, null, null));
        return specs;
    }

    /** Over 64 KiB uncompressed, so snappy and lz4 write several blocks; part compressible, part not. */
    private static List<Spec> large(Random rnd) {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] value = i % 2 == 0 ? TestBatches.randomBytes(rnd, 3000) : utf8("repeat ".repeat(500) + i);
            specs.add(new Spec(1000L + i, utf8("key-" + i), value,
                    i % 3 == 0 ? new Header[] {new Header("n", utf8(Integer.toString(i)))} : null));
        }
        return specs;
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"SNAPPY", "LZ4", "ZSTD"})
    void keysNullValuesAndHeadersRoundTrip(CompressionType c) {
        for (List<Spec> specs : List.of(keysNullsHeaders(), large(new Random(c.id)))) {
            RecordBatchBuilder builder = new RecordBatchBuilder(c, 0).producer(3L, (short) 1, 0).baseOffset(77L);
            ByteBuffer buf = TestBatches.build(builder, specs);
            assertEquals(buf.limit(), builder.estimatedSizeInBytes());
            RecordBatch batch = only(buf);
            batch.ensureValid();
            assertEquals(c, batch.compressionType());
            assertEquals(c.id, batch.compressionId());
            List<Record> records = batch.records();
            assertEquals(specs.size(), records.size());
            for (int i = 0; i < specs.size(); i++) {
                TestBatches.assertRecord(specs.get(i), records.get(i), c + " record " + i);
                assertEquals(77L + i, records.get(i).offset());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"SNAPPY", "LZ4", "ZSTD"})
    void compressibleDataShrinks(CompressionType c) {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            specs.add(new Spec(i, utf8("key-" + i), utf8("the same value over and over " + (i % 3)), null));
        }
        ByteBuffer plain = TestBatches.build(new RecordBatchBuilder(CompressionType.NONE, 1024), specs);
        RecordBatchBuilder builder = new RecordBatchBuilder(c, 1024);
        ByteBuffer compressed = TestBatches.build(builder, specs);
        assertTrue(compressed.limit() * 3 < plain.limit(), c + ": " + compressed.limit() + " vs " + plain.limit());
        int sum = only(compressed).records().stream().mapToInt(Record::sizeInBytes).sum();
        assertEquals(plain.limit() - RecordBatchHeader.HEADER_SIZE, sum);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"SNAPPY", "LZ4", "ZSTD"})
    void largeMultiBlockBatchesInteroperateWithKafka(CompressionType c) {
        for (KafkaParityTest.Params p : List.of(KafkaParityTest.PLAIN, KafkaParityTest.IDEMPOTENT,
                KafkaParityTest.APPEND_TIME)) {
            List<Spec> specs = large(new Random(31 + c.id));
            KafkaParityTest.assertKafkaReads(TestBatches.build(KafkaParityTest.ourBuilder(c, p), specs), c, p, specs);
            KafkaParityTest.assertWeRead(KafkaParityTest.kafkaBatch(c, p, specs), c, p, specs);
            List<Spec> small = keysNullsHeaders();
            KafkaParityTest.assertKafkaReads(TestBatches.build(KafkaParityTest.ourBuilder(c, p), small), c, p, small);
            KafkaParityTest.assertWeRead(KafkaParityTest.kafkaBatch(c, p, small), c, p, small);
        }
    }

    @Test
    void snappyUsesXerialFraming() {
        byte[] section = section(CompressionType.SNAPPY, large(new Random(1)));
        assertArrayEquals(new byte[] {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1},
                Arrays.copyOf(section, 16));
        ByteBuffer b = ByteBuffer.wrap(section);
        b.position(16);
        int chunks = 0;
        while (b.hasRemaining()) {
            int size = b.getInt();
            assertTrue(size > 0 && size <= b.remaining(), "chunk size " + size);
            b.position(b.position() + size);
            chunks++;
        }
        assertTrue(chunks > 2, "chunks: " + chunks);
    }

    @Test
    void lz4UsesKafkasFrameWithTheCorrectDescriptorChecksum() {
        byte[] section = section(CompressionType.LZ4, large(new Random(2)));
        ByteBuffer b = ByteBuffer.wrap(section).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x184D2204, b.getInt(0));
        assertEquals(0x60, section[4] & 0xff);
        assertEquals(0x40, section[5] & 0xff);
        int hc = (XXHashFactory.fastestInstance().hash32().hash(section, 4, 2, 0) >> 8) & 0xff;
        assertEquals(hc, section[6] & 0xff, "checksum of FLG and BD only, not the magic (Kafka's v0/v1 quirk)");
        int broken = (XXHashFactory.fastestInstance().hash32().hash(section, 0, 6, 0) >> 8) & 0xff;
        if (broken != hc) {
            byte[] quirky = section.clone();
            quirky[6] = (byte) broken;
            assertThrows(CorruptRecordException.class, () -> only(rawBatch(quirky, 60, CompressionType.LZ4.id)).records());
        }
        assertEquals(0, b.getInt(section.length - 4), "end mark");
    }

    @Test
    void lz4FramesWithBlockAndContentChecksumsAreRead() throws Exception {
        List<Spec> specs = large(new Random(3));
        byte[] plain = sectionOf(TestBatches.build(new RecordBatchBuilder(CompressionType.NONE, 0), specs));
        for (LZ4FrameOutputStream.FLG.Bits[] bits : List.of(
                new LZ4FrameOutputStream.FLG.Bits[] {LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                        LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM},
                new LZ4FrameOutputStream.FLG.Bits[] {LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                        LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM})) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(bos, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                    bits)) {
                out.write(plain);
            }
            byte[] frame = bos.toByteArray();
            List<Record> records = only(rawBatch(frame, specs.size(), CompressionType.LZ4.id)).records();
            assertEquals(specs.size(), records.size());
            if (Arrays.asList(bits).contains(LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM)) {
                byte[] bad = frame.clone();
                bad[bad.length - 6] ^= 0x01; // the last block's checksum
                assertThrows(CorruptRecordException.class,
                        () -> only(rawBatch(bad, specs.size(), CompressionType.LZ4.id)).records());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"SNAPPY", "LZ4", "ZSTD"})
    void corruptPayloadsRaiseCorruptRecordException(CompressionType c) {
        List<Spec> specs = large(new Random(40 + c.id));
        byte[] section = section(c, specs);
        int n = specs.size();
        assertCorrupt(new byte[0], n, c);
        assertCorrupt(utf8("definitely not " + c), n, c);
        for (int cut : new int[] {1, 3, 7, section.length / 2, section.length - 5, section.length - 1}) {
            assertCorrupt(Arrays.copyOf(section, cut), n, c);
        }
        byte[] junk = new byte[4096];
        new Random(c.id).nextBytes(junk);
        assertCorrupt(junk, n, c);
        // flip bytes everywhere: the CRC is recomputed, so only the codec and record decoder can object,
        // and they must do so with CorruptRecordException (or decode something well-formed), never crash
        Random rnd = new Random(99 + c.id);
        for (int i = 0; i < 400; i++) {
            byte[] bad = section.clone();
            int pos = i < 64 ? i : rnd.nextInt(bad.length);
            bad[pos] ^= (byte) (1 + rnd.nextInt(255));
            RecordBatch batch = only(rawBatch(bad, n, c.id));
            try {
                batch.records();
            } catch (CorruptRecordException expected) {
                // fine
            }
        }
        // flipping a payload byte of a real batch fails the CRC
        ByteBuffer real = TestBatches.build(new RecordBatchBuilder(c, 0), specs);
        real.put(real.limit() - 10, (byte) (real.get(real.limit() - 10) ^ 0x40));
        RecordBatch batch = only(real);
        assertFalse(batch.isValid());
        assertThrows(CorruptRecordException.class, batch::ensureValid);
    }

    @Test
    void forgedSnappyLengthsDoNotAllocate() {
        // stream header, then a chunk declaring 2 GiB, then a raw block whose varint claims 4 GiB
        ByteBuffer b = ByteBuffer.allocate(16 + 4 + 6);
        b.put(new byte[] {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1});
        b.putInt(Integer.MAX_VALUE);
        assertCorrupt(b.array(), 1, CompressionType.SNAPPY);
        b.putInt(16, 6);
        b.position(20);
        b.put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0});
        assertCorrupt(b.array(), 1, CompressionType.SNAPPY);
    }

    @Test
    void forgedLz4BlockSizesAreRejected() {
        byte[] section = section(CompressionType.LZ4, keysNullsHeaders());
        byte[] bad = section.clone();
        ByteBuffer.wrap(bad).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(7, 0x7fffffff);
        assertCorrupt(bad, 5, CompressionType.LZ4);
        byte[] dependent = section.clone();
        dependent[4] = 0x40; // clears block independence; fix the descriptor checksum so only that objects
        dependent[6] = (byte) (XXHashFactory.fastestInstance().hash32().hash(dependent, 4, 2, 0) >> 8);
        assertCorrupt(dependent, 5, CompressionType.LZ4);
    }

    private static byte[] section(CompressionType c, List<Spec> specs) {
        return sectionOf(TestBatches.build(new RecordBatchBuilder(c, 0), specs));
    }

    private static byte[] sectionOf(ByteBuffer batch) {
        byte[] all = TestBatches.bytes(batch);
        return Arrays.copyOfRange(all, RecordBatchHeader.HEADER_SIZE, all.length);
    }

    private static void assertCorrupt(byte[] section, int count, CompressionType c) {
        RecordBatch batch = only(rawBatch(section, count, c.id));
        assertTrue(batch.isValid(), "the fixture has a good CRC, so decoding must catch this itself");
        assertThrows(CorruptRecordException.class, batch::records);
    }
}

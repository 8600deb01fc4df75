package io.fjord.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Shared fixtures: record specs, random records, and hand-made batches whose records section is arbitrary. */
final class TestBatches {
    private TestBatches() {}

    /** What a test appends, so it can compare with what comes back. */
    record Spec(long timestamp, byte[] key, byte[] value, Header[] headers) {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Covers null key, null value, empty key and value, headers with null and empty values, non-ASCII. */
    static List<Spec> mixedSpecs() {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec(1_700_000_000_000L, utf8("k"), utf8("v"), null));
        specs.add(new Spec(1_700_000_000_005L, null, utf8("no key"), new Header[0]));
        specs.add(new Spec(1_699_999_999_000L, utf8("tombstone"), null, null));
        specs.add(new Spec(1_700_000_000_002L, new byte[0], new byte[0], null));
        specs.add(new Spec(1_700_000_000_003L, null, null, new Header[] {
            new Header("trace", utf8("abc")), new Header("null-value", null), new Header("", new byte[0]),
            new Header("ключ-\uD83D\uDE00", utf8("значение"))}));
        specs.add(new Spec(RecordBatchHeader.NO_TIMESTAMP, utf8("no timestamp"), new byte[300], null));
        return specs;
    }

    static List<Spec> randomSpecs(Random rnd, int count) {
        List<Spec> specs = new ArrayList<>();
        long base = rnd.nextInt(1 << 30) * 1000L;
        for (int i = 0; i < count; i++) {
            byte[] key = rnd.nextInt(5) == 0 ? null : randomBytes(rnd, rnd.nextInt(40));
            byte[] value = rnd.nextInt(10) == 0 ? null : randomBytes(rnd, rnd.nextInt(rnd.nextInt(8) == 0 ? 5000 : 200));
            Header[] headers = null;
            if (rnd.nextBoolean()) {
                headers = new Header[rnd.nextInt(4)];
                for (int h = 0; h < headers.length; h++) {
                    headers[h] = new Header("h" + rnd.nextInt(1000),
                            rnd.nextInt(4) == 0 ? null : randomBytes(rnd, rnd.nextInt(20)));
                }
            }
            specs.add(new Spec(base + rnd.nextInt(100_000) - 50_000, key, value, headers));
        }
        return specs;
    }

    static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        // half compressible text, half noise, so gzip has something to do and something it cannot
        if (rnd.nextBoolean()) {
            for (int i = 0; i < n; i++) {
                b[i] = (byte) ('a' + rnd.nextInt(4));
            }
        } else {
            rnd.nextBytes(b);
        }
        return b;
    }

    static ByteBuffer build(RecordBatchBuilder builder, List<Spec> specs) {
        for (Spec s : specs) {
            builder.append(s.timestamp(), s.key(), s.value(), s.headers());
        }
        return builder.build();
    }

    /** Asserts a decoded record carries exactly what was appended. */
    static void assertRecord(Spec expected, Record actual, String where) {
        assertArrayEquals(expected.key(), actual.keyBytes(), where + " key");
        assertArrayEquals(expected.value(), actual.valueBytes(), where + " value");
        Header[] expectedHeaders = expected.headers() == null ? new Header[0] : expected.headers();
        assertArrayEquals(expectedHeaders, actual.headers(), where + " headers");
        assertEquals(expected.key() == null ? -1 : expected.key().length, actual.keySize(), where + " key size");
        assertEquals(expected.value() == null ? -1 : expected.value().length, actual.valueSize(), where + " value size");
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer p : parts) {
            size += p.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) {
            out.put(p.duplicate());
        }
        return out.flip();
    }

    /** Bytes of a records section written by hand, to reach states no builder produces. */
    static final class Section {
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);

        Section varint(int v) {
            Varint.writeVarint(v, buf);
            return this;
        }

        Section varlong(long v) {
            Varint.writeVarlong(v, buf);
            return this;
        }

        Section raw(int... bytes) {
            for (int b : bytes) {
                buf.put((byte) b);
            }
            return this;
        }

        Section raw(byte[] bytes) {
            buf.put(bytes);
            return this;
        }

        byte[] bytes() {
            return TestBatches.bytes(buf.duplicate().flip());
        }
    }

    /** One well-formed record body: attributes, deltas, key, value and no headers. */
    static byte[] simpleRecord(int offsetDelta, byte[] key, byte[] value) {
        Section body = new Section().raw(0).varlong(0).varint(offsetDelta);
        body.varint(key == null ? -1 : key.length).raw(key == null ? new byte[0] : key);
        body.varint(value == null ? -1 : value.length).raw(value == null ? new byte[0] : value);
        byte[] b = body.varint(0).bytes();
        return new Section().varint(b.length).raw(b).bytes();
    }

    /** A v2 batch around an arbitrary records section, with a correct CRC so only decoding can object. */
    static ByteBuffer rawBatch(byte[] section, int recordCount, int attributes) {
        ByteBuffer b = ByteBuffer.allocate(RecordBatchHeader.HEADER_SIZE + section.length);
        b.putLong(0, 100L);
        b.putInt(RecordBatchHeader.LENGTH_OFFSET, b.capacity() - RecordBatchHeader.LOG_OVERHEAD);
        b.putInt(RecordBatchHeader.PARTITION_LEADER_EPOCH_OFFSET, 3);
        b.put(RecordBatchHeader.MAGIC_OFFSET, RecordBatchHeader.MAGIC_V2);
        b.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) attributes);
        b.putInt(RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET, Math.max(0, recordCount - 1));
        b.putLong(RecordBatchHeader.BASE_TIMESTAMP_OFFSET, 1000L);
        b.putLong(RecordBatchHeader.MAX_TIMESTAMP_OFFSET, 1000L);
        b.putLong(RecordBatchHeader.PRODUCER_ID_OFFSET, -1L);
        b.putShort(RecordBatchHeader.PRODUCER_EPOCH_OFFSET, (short) -1);
        b.putInt(RecordBatchHeader.BASE_SEQUENCE_OFFSET, -1);
        b.putInt(RecordBatchHeader.RECORDS_COUNT_OFFSET, recordCount);
        b.put(RecordBatchHeader.HEADER_SIZE, section);
        RecordBatchHeader.updateCrc(b, 0);
        return b;
    }

    static RecordBatch only(ByteBuffer buf) {
        List<RecordBatch> all = new ArrayList<>();
        RecordBatch.batches(buf).forEach(all::add);
        assertEquals(1, all.size(), "batches in buffer");
        return all.get(0);
    }

    static byte[] gzip(byte[] data) throws java.io.IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bos)) {
            gz.write(data);
        }
        return bos.toByteArray();
    }
}

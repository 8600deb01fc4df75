package io.fjord.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A view of one Kafka v2 record batch inside a buffer: the 61-byte header described in
 * {@link RecordBatchHeader}, then the records section in the format described in {@link Record},
 * compressed as a whole (gzip, snappy, lz4 or zstd) when the attributes say so. Nothing is copied until {@link #records()},
 * and even then uncompressed keys and values stay in the original buffer.
 *
 * <p>Decoding is defensive: any length, count or varint that does not fit the bytes present throws
 * {@link CorruptRecordException}, and no allocation is sized from an unchecked field. The CRC is
 * checked only by {@link #isValid()} and {@link #ensureValid()}, so callers decide when to pay for it.
 *
 * <p>Threading: a batch reads its buffer with absolute gets only, so it may be shared between
 * threads as long as nobody rewrites the bytes.
 */
public final class RecordBatch {
    /** attributes, timestampDelta, offsetDelta, keyLength, valueLength, headerCount: one byte each at least. */
    private static final int MIN_RECORD_BODY = 6;
    private static final Header[] NO_HEADERS = new Header[0];
    private static final int MIN_RECORD_SIZE = 1 + MIN_RECORD_BODY;

    private final ByteBuffer buf;

    private RecordBatch(ByteBuffer batch) {
        this.buf = batch;
    }

    /**
     * The batches in {@code buf} from its position to its limit (read when this is called; the
     * buffer's position is not moved). A trailing partial batch is skipped, since files may end in
     * one; a header with an impossible length or a magic other than 2 throws CorruptRecordException
     * from the iterator.
     */
    public static Iterable<RecordBatch> batches(ByteBuffer buf) {
        ByteBuffer view = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
        return () -> new BatchIterator(view);
    }

    public long baseOffset() { return RecordBatchHeader.baseOffset(buf, 0); }
    public int lastOffsetDelta() { return RecordBatchHeader.lastOffsetDelta(buf, 0); }
    public long lastOffset() { return RecordBatchHeader.lastOffset(buf, 0); }
    public long nextOffset() { return lastOffset() + 1; }
    public int partitionLeaderEpoch() { return RecordBatchHeader.partitionLeaderEpoch(buf, 0); }
    public byte magic() { return RecordBatchHeader.magic(buf, 0); }
    /** The stored CRC-32C, unsigned. */
    public long checksum() { return RecordBatchHeader.crc(buf, 0); }
    public boolean isLogAppendTime() { return RecordBatchHeader.isLogAppendTime(buf, 0); }
    public boolean isTransactional() { return RecordBatchHeader.isTransactional(buf, 0); }
    public boolean isControl() { return RecordBatchHeader.isControl(buf, 0); }
    public long baseTimestamp() { return RecordBatchHeader.baseTimestamp(buf, 0); }
    public long maxTimestamp() { return RecordBatchHeader.maxTimestamp(buf, 0); }
    public long producerId() { return RecordBatchHeader.producerId(buf, 0); }
    public short producerEpoch() { return RecordBatchHeader.producerEpoch(buf, 0); }
    public int baseSequence() { return RecordBatchHeader.baseSequence(buf, 0); }
    public int recordCount() { return RecordBatchHeader.recordCount(buf, 0); }
    public int sizeInBytes() { return buf.limit(); }
    /** Kafka's compression id from the attributes, including ids this codec cannot decode. */
    public int compressionId() { return RecordBatchHeader.compressionCodec(buf, 0); }

    /** The batch's own bytes: a new view (position 0, limit = size) sharing content with the source. */
    public ByteBuffer buffer() { return buf.duplicate(); }

    /** @throws CorruptRecordException for ids that name no codec (5 to 7) */
    public CompressionType compressionType() {
        int id = compressionId();
        if (id > CompressionType.ZSTD.id) {
            throw new CorruptRecordException("record batch at base offset " + baseOffset() + " uses compression id "
                    + id + " (no such codec)");
        }
        return CompressionType.forId(id);
    }

    public boolean isValid() { return RecordBatchHeader.isCrcValid(buf, 0); }

    public void ensureValid() {
        long computed = RecordBatchHeader.computeCrc(buf, 0);
        if (computed != checksum()) {
            throw new CorruptRecordException("record batch at base offset " + baseOffset() + " fails its CRC-32C check:"
                    + " stored " + checksum() + ", computed " + computed);
        }
    }

    /** Decodes (inflating first when compressed) every record; does not check the CRC. */
    public List<Record> records() {
        int count = recordCount();
        if (count < 0) {
            throw corrupt("declares " + count + " records");
        }
        if (count == 0) {
            // as Kafka: an empty batch (left by compaction) has nothing to decode, whatever its codec
            return List.of();
        }
        ByteBuffer section = buf.slice(RecordBatchHeader.HEADER_SIZE, buf.limit() - RecordBatchHeader.HEADER_SIZE);
        ByteBuffer data = Codecs.decompress(compressionType(), section);
        return decode(data, count);
    }

    private List<Record> decode(ByteBuffer data, int count) {
        // bounded by the bytes present, so a forged count cannot force a huge allocation
        List<Record> out = new ArrayList<>(Math.min(count, data.remaining() / MIN_RECORD_SIZE));
        ByteBuffer in = data.duplicate();
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        Long logAppendTime = isLogAppendTime() ? maxTimestamp() : null;
        int baseSequence = baseSequence();
        for (int i = 0; i < count; i++) {
            if (!in.hasRemaining()) {
                throw corrupt("declares " + count + " records but its records section ends after " + i);
            }
            out.add(readRecord(in, data, i, baseOffset, baseTimestamp, logAppendTime, baseSequence));
        }
        if (in.hasRemaining()) {
            throw corrupt("has " + in.remaining() + " bytes after its last declared record (" + count + ")");
        }
        return Collections.unmodifiableList(out);
    }

    private Record readRecord(ByteBuffer in, ByteBuffer data, int index, long baseOffset, long baseTimestamp,
                              Long logAppendTime, int baseSequence) {
        int start = in.position();
        int bodySize = Varint.readVarint(in);
        if (bodySize < MIN_RECORD_BODY || bodySize > in.remaining()) {
            throw corrupt("record " + index + " declares a body of " + bodySize + " bytes, " + in.remaining()
                    + " remain");
        }
        int sectionLimit = in.limit();
        int bodyEnd = in.position() + bodySize;
        in.limit(bodyEnd);
        in.get(); // record attributes: no bits are defined in v2
        long timestampDelta = Varint.readVarlong(in);
        int offsetDelta = Varint.readVarint(in);
        int keySize = readLength(in, index, "key");
        int keyOffset = in.position();
        skip(in, keySize);
        int valueSize = readLength(in, index, "value");
        int valueOffset = in.position();
        skip(in, valueSize);
        Header[] headers = readHeaders(in, index);
        if (in.hasRemaining()) {
            throw corrupt("record " + index + " has " + in.remaining() + " bytes after its headers");
        }
        in.limit(sectionLimit);
        long timestamp = logAppendTime != null ? logAppendTime : baseTimestamp + timestampDelta;
        int sequence = baseSequence < 0 ? RecordBatchHeader.NO_SEQUENCE : RecordBatchHeader.incrementSequence(baseSequence, offsetDelta);
        return new Record(baseOffset + offsetDelta, timestamp, sequence, data, keyOffset, keySize,
                valueOffset, valueSize, headers, bodyEnd - start);
    }

    private Header[] readHeaders(ByteBuffer in, int index) {
        int count = Varint.readVarint(in);
        // a header takes at least two bytes (key length, value length)
        if (count < 0 || count > in.remaining() / 2) {
            throw corrupt("record " + index + " declares " + count + " headers in " + in.remaining() + " bytes");
        }
        if (count == 0) {
            return NO_HEADERS; // the common case: no allocation per record
        }
        Header[] headers = new Header[count];
        for (int h = 0; h < count; h++) {
            int keySize = Varint.readVarint(in);
            if (keySize < 0 || keySize > in.remaining()) {
                throw corrupt("record " + index + " header " + h + " declares a key of " + keySize + " bytes, "
                        + in.remaining() + " remain");
            }
            String key = utf8(in, keySize);
            int valueSize = readLength(in, index, "header " + h + " value");
            byte[] value = null;
            if (valueSize >= 0) {
                value = new byte[valueSize];
                in.get(value);
            }
            headers[h] = new Header(key, value);
        }
        return headers;
    }

    /** A length prefix that may be -1 (null) and must fit in the rest of the record. */
    private int readLength(ByteBuffer in, int index, String what) {
        int size = Varint.readVarint(in);
        if (size < -1 || size > in.remaining()) {
            throw corrupt("record " + index + " declares a " + what + " of " + size + " bytes, " + in.remaining()
                    + " remain");
        }
        return size;
    }

    private static void skip(ByteBuffer in, int size) {
        if (size > 0) {
            in.position(in.position() + size);
        }
    }

    private static String utf8(ByteBuffer in, int size) {
        String s;
        if (in.hasArray()) {
            s = new String(in.array(), in.arrayOffset() + in.position(), size, StandardCharsets.UTF_8);
            skip(in, size);
        } else {
            byte[] b = new byte[size];
            in.get(b);
            s = new String(b, StandardCharsets.UTF_8);
        }
        return s;
    }

    private CorruptRecordException corrupt(String what) {
        return new CorruptRecordException("record batch at base offset " + baseOffset() + " " + what);
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", records=" + recordCount()
                + ", size=" + sizeInBytes() + ", compression=" + compressionId() + ", crc=" + checksum() + ")";
    }

    private static final class BatchIterator implements Iterator<RecordBatch> {
        private final ByteBuffer buf;
        private final int end;
        private int pos;
        private RecordBatch next;

        BatchIterator(ByteBuffer buf) {
            this.buf = buf;
            this.pos = buf.position();
            this.end = buf.limit();
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public RecordBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            RecordBatch b = next;
            next = null;
            return b;
        }

        /** Leaves {@code pos} on a malformed header, so every later call reports it again. */
        private RecordBatch advance() {
            int remaining = end - pos;
            if (remaining <= RecordBatchHeader.MAGIC_OFFSET) {
                return null;
            }
            int length = RecordBatchHeader.length(buf, pos);
            if (length < RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD) {
                throw new CorruptRecordException("record batch at byte " + pos + " declares length " + length
                        + ", less than the " + (RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD)
                        + " bytes of its header");
            }
            byte magic = RecordBatchHeader.magic(buf, pos);
            if (magic != RecordBatchHeader.MAGIC_V2) {
                throw new CorruptRecordException("record batch at byte " + pos + " has magic " + magic
                        + ", only magic 2 is supported");
            }
            long size = (long) length + RecordBatchHeader.LOG_OVERHEAD;
            if (size > remaining) {
                return null;
            }
            RecordBatch b = new RecordBatch(buf.slice(pos, (int) size));
            pos += (int) size;
            return b;
        }
    }
}

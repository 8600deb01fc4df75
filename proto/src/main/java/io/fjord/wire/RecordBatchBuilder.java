package io.fjord.wire;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Writes one Kafka v2 record batch (header layout in {@link RecordBatchHeader}, record layout in
 * {@link Record}). Records are encoded straight into one growable heap buffer behind a reserved
 * 61-byte header, so an append allocates nothing unless the buffer must grow. When compressed the
 * whole records section is compressed once, in {@link #build()}, framed as Kafka's codec frames it.
 *
 * <p>As Kafka's builder: the base timestamp is the first record's timestamp, the max timestamp the
 * largest appended one, offset deltas count from 0, and record attributes are 0. A broker that
 * stamps log-append time rewrites the max timestamp and the CRC itself.
 *
 * <p>Threading: not thread-safe; one producer thread fills a builder, then hands the built buffer on.
 */
public final class RecordBatchBuilder {
    /** length varint, attributes, timestampDelta varlong, offsetDelta varint, at their largest. */
    private static final int MAX_RECORD_OVERHEAD = 5 + 1 + 10 + 5;

    private final CompressionType compression;
    private ByteBuffer buf;
    private long producerId = RecordBatchHeader.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchHeader.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatchHeader.NO_SEQUENCE;
    private int partitionLeaderEpoch = RecordBatchHeader.NO_PARTITION_LEADER_EPOCH;
    private long baseOffset;
    private boolean logAppendTime;
    private boolean transactional;
    private long baseTimestamp = RecordBatchHeader.NO_TIMESTAMP;
    private long maxTimestamp = RecordBatchHeader.NO_TIMESTAMP;
    private int count;
    private int builtSize = -1;

    /** @param initialCapacityBytes first buffer size; it doubles as needed */
    public RecordBatchBuilder(CompressionType compression, int initialCapacityBytes) {
        this.compression = Objects.requireNonNull(compression, "compression");
        if (initialCapacityBytes < 0) {
            throw new IllegalArgumentException("initialCapacityBytes must not be negative, got "
                    + initialCapacityBytes);
        }
        this.buf = ByteBuffer.allocate(Math.max(initialCapacityBytes, RecordBatchHeader.HEADER_SIZE + 64));
        this.buf.position(RecordBatchHeader.HEADER_SIZE);
    }

    /** Idempotent-producer fields; defaults -1/-1/-1 (none). */
    public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
        checkOpen();
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        checkOpen();
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    public RecordBatchBuilder baseOffset(long baseOffset) {
        checkOpen();
        this.baseOffset = baseOffset;
        return this;
    }

    public RecordBatchBuilder logAppendTime(boolean b) {
        checkOpen();
        this.logAppendTime = b;
        return this;
    }

    /** Sets the transactional attribute bit; a transactional batch needs a producer id (checked in build). */
    public RecordBatchBuilder transactional(boolean b) {
        checkOpen();
        this.transactional = b;
        return this;
    }

    /**
     * Appends a record; key, value and headers may be null, header keys may not.
     *
     * @param timestamp create time in ms, or -1 for none (as Kafka, other negatives are rejected)
     * @return the record's offset delta within the batch
     */
    public int append(long timestamp, byte[] key, byte[] value, Header[] headers) {
        checkOpen();
        if (timestamp < 0 && timestamp != RecordBatchHeader.NO_TIMESTAMP) {
            throw new IllegalArgumentException("invalid negative timestamp " + timestamp);
        }
        long base = count == 0 ? timestamp : baseTimestamp;
        long timestampDelta = timestamp - base;
        int offsetDelta = count;
        long body = 1L + Varint.sizeOfVarlong(timestampDelta) + Varint.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key) + sizeOfBytes(value) + sizeOfHeaders(headers);
        long end = buf.position() + 5L + body;
        if (end > Gzip.MAX_ARRAY) {
            throw new IllegalArgumentException("record of " + body + " bytes does not fit in a batch of "
                    + buf.position() + " bytes: a batch is at most 2 GiB");
        }
        ensureCapacity((int) end);
        Varint.writeVarint((int) body, buf);
        buf.put((byte) 0); // record attributes: no bits are defined in v2
        Varint.writeVarlong(timestampDelta, buf);
        Varint.writeVarint(offsetDelta, buf);
        writeBytes(key);
        writeBytes(value);
        if (headers == null) {
            Varint.writeVarint(0, buf);
        } else {
            Varint.writeVarint(headers.length, buf);
            for (Header h : headers) {
                Varint.writeVarint(Utf8.length(h.key()), buf);
                Utf8.write(h.key(), buf);
                writeBytes(h.value());
            }
        }
        baseTimestamp = base;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        count++;
        return offsetDelta;
    }

    /** Upper bound, in bytes, of what {@link #append} adds to the uncompressed records section. */
    public static int estimateRecordSize(byte[] key, byte[] value, Header[] headers) {
        long size = MAX_RECORD_OVERHEAD + sizeOfBytes(key) + sizeOfBytes(value) + sizeOfHeaders(headers);
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /** Size of the batch if built now; an upper bound when compressed, since compression runs only in build. */
    public int estimatedSizeInBytes() {
        if (builtSize >= 0) {
            return builtSize;
        }
        if (compression == CompressionType.NONE) {
            return buf.position();
        }
        int uncompressed = buf.position() - RecordBatchHeader.HEADER_SIZE;
        long bound = RecordBatchHeader.HEADER_SIZE + Codecs.maxCompressedSize(compression, uncompressed);
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    public int recordCount() { return count; }

    public boolean isEmpty() { return count == 0; }

    /**
     * Finishes the batch: position 0, limit = size, CRC set. The builder cannot be used afterwards.
     *
     * @throws IllegalStateException when no record was appended (Kafka writes no empty batches either),
     *     when already built, or when transactional without a producer id
     */
    public ByteBuffer build() {
        checkOpen();
        if (count == 0) {
            throw new IllegalStateException("cannot build a record batch without records");
        }
        if (transactional && producerId < 0) {
            throw new IllegalStateException("a transactional batch needs a producer id");
        }
        ByteBuffer out;
        if (compression == CompressionType.NONE) {
            out = buf;
            out.flip();
        } else {
            ByteBuffer records = buf.duplicate();
            records.flip().position(RecordBatchHeader.HEADER_SIZE);
            out = Codecs.compress(compression, records, RecordBatchHeader.HEADER_SIZE);
        }
        buf = null;
        int size = out.limit();
        int attributes = compression.id
                | (logAppendTime ? RecordBatchHeader.TIMESTAMP_TYPE_MASK : 0)
                | (transactional ? RecordBatchHeader.TRANSACTIONAL_FLAG_MASK : 0);
        out.putLong(RecordBatchHeader.BASE_OFFSET_OFFSET, baseOffset);
        out.putInt(RecordBatchHeader.LENGTH_OFFSET, size - RecordBatchHeader.LOG_OVERHEAD);
        out.putInt(RecordBatchHeader.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        out.put(RecordBatchHeader.MAGIC_OFFSET, RecordBatchHeader.MAGIC_V2);
        out.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) attributes);
        out.putInt(RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET, count - 1);
        out.putLong(RecordBatchHeader.BASE_TIMESTAMP_OFFSET, baseTimestamp);
        out.putLong(RecordBatchHeader.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        out.putLong(RecordBatchHeader.PRODUCER_ID_OFFSET, producerId);
        out.putShort(RecordBatchHeader.PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(RecordBatchHeader.BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(RecordBatchHeader.RECORDS_COUNT_OFFSET, count);
        RecordBatchHeader.updateCrc(out, 0);
        builtSize = size;
        return out;
    }

    private void checkOpen() {
        if (buf == null) {
            throw new IllegalStateException("the batch was already built; a builder is used once");
        }
    }

    private void ensureCapacity(int required) {
        if (required <= buf.capacity()) {
            return;
        }
        int capacity = (int) Math.max(required, Math.min(Gzip.MAX_ARRAY, 2L * buf.capacity()));
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
    }

    private void writeBytes(byte[] b) {
        if (b == null) {
            Varint.writeVarint(-1, buf);
        } else {
            Varint.writeVarint(b.length, buf);
            buf.put(b);
        }
    }

    private static long sizeOfBytes(byte[] b) {
        return b == null ? 1 : Varint.sizeOfVarint(b.length) + (long) b.length;
    }

    private static long sizeOfHeaders(Header[] headers) {
        if (headers == null) {
            return 1;
        }
        long size = Varint.sizeOfVarint(headers.length);
        for (Header h : headers) {
            Objects.requireNonNull(h, "null header");
            int keySize = Utf8.length(h.key());
            size += Varint.sizeOfVarint(keySize) + (long) keySize + sizeOfBytes(h.value());
        }
        return size;
    }
}

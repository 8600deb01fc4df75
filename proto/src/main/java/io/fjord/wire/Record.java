package io.fjord.wire;

import java.nio.ByteBuffer;

/**
 * One record decoded from a v2 batch; only clients decode records, the broker handles whole batches.
 *
 * <p>Format inside the batch's records section (varints zig-zag encoded, see {@link Varint}):
 * <pre>
 * length varint (bytes after this field) | attributes int8 (unused, 0)
 * timestampDelta varlong | offsetDelta varint
 * keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
 * headerCount varint | per header: keyLength varint, key UTF-8, valueLength varint (-1 = null), value
 * </pre>
 * Key and value stay in the bytes they were decoded from (the fetched buffer when uncompressed, the
 * inflated records when compressed); {@link #key()} and {@link #value()} are read-only views of them.
 * Immutable, so safe to share between threads.
 */
public final class Record {
    private static final Header[] NO_HEADERS = new Header[0];

    private final long offset;
    private final long timestamp;
    private final int sequence;
    private final ByteBuffer data;
    private final int keyOffset;
    private final int keySize;
    private final int valueOffset;
    private final int valueSize;
    private final Header[] headers;
    private final int sizeInBytes;

    Record(long offset, long timestamp, int sequence, ByteBuffer data, int keyOffset, int keySize,
           int valueOffset, int valueSize, Header[] headers, int sizeInBytes) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.sequence = sequence;
        this.data = data;
        this.keyOffset = keyOffset;
        this.keySize = keySize;
        this.valueOffset = valueOffset;
        this.valueSize = valueSize;
        this.headers = headers.length == 0 ? NO_HEADERS : headers;
        this.sizeInBytes = sizeInBytes;
    }

    public long offset() { return offset; }

    /** The create time, or the batch's max timestamp when the batch carries log-append time (as Kafka). */
    public long timestamp() { return timestamp; }

    /** baseSequence + offsetDelta (wrapping as Kafka does), or -1 when the batch has no sequence. */
    public int sequence() { return sequence; }

    /** Key length in bytes, -1 when the key is null. */
    public int keySize() { return keySize; }

    /** Value length in bytes, -1 when the value is null. */
    public int valueSize() { return valueSize; }

    public boolean hasKey() { return keySize >= 0; }

    public boolean hasValue() { return valueSize >= 0; }

    public ByteBuffer key() { return view(keyOffset, keySize); }

    public ByteBuffer value() { return view(valueOffset, valueSize); }

    public byte[] keyBytes() { return copy(keyOffset, keySize); }

    public byte[] valueBytes() { return copy(valueOffset, valueSize); }

    /** A copy of the array; the headers themselves are shared. */
    public Header[] headers() { return headers.length == 0 ? NO_HEADERS : headers.clone(); }

    /** Encoded size inside the (uncompressed) records section, length prefix included. */
    public int sizeInBytes() { return sizeInBytes; }

    private ByteBuffer view(int off, int size) {
        return size < 0 ? null : data.slice(off, size).asReadOnlyBuffer();
    }

    private byte[] copy(int off, int size) {
        if (size < 0) {
            return null;
        }
        byte[] b = new byte[size];
        data.get(off, b);
        return b;
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp + ", key=" + keySize + " bytes, value="
                + valueSize + " bytes, headers=" + headers.length + ")";
    }
}

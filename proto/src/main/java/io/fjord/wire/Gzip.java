package io.fjord.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * The gzip codec of record batches, framed as Kafka's: the records section is one RFC 1952 gzip
 * stream (10-byte header, raw deflate, CRC-32 and length trailer), which is what Kafka's
 * GZIPOutputStream writes and its GZIPInputStream reads; several concatenated members are read too.
 */
final class Gzip {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int TRAILER_SIZE = 8;
    /** Largest byte array the JVM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Deflate cannot expand more than this: a 258-byte match costs at least two bits. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private Gzip() {}

    /**
     * Upper bound of the compressed size of {@code n} bytes: zlib's deflateBound for stored
     * blocks, rounded up, plus the gzip header and trailer.
     */
    static long maxCompressedSize(long n) {
        return n + (n >> 10) + 64 + HEADER.length + TRAILER_SIZE;
    }

    /**
     * Compresses {@code src} (position to limit, left unchanged) into a new heap buffer whose first
     * {@code prefix} bytes are left for the caller; returns it with position 0 and limit at the end.
     */
    static ByteBuffer compress(ByteBuffer src, int prefix) {
        ByteBuffer in = src.duplicate();
        int n = in.remaining();
        long bound = prefix + maxCompressedSize(n);
        if (bound > MAX_ARRAY) {
            throw new IllegalStateException("batch of " + n + " uncompressed bytes is too large to compress");
        }
        ByteBuffer out = ByteBuffer.allocate((int) bound);
        out.position(prefix);
        out.put(HEADER);
        CRC32 crc = new CRC32();
        crc.update(in.duplicate());
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(in);
            deflater.finish();
            while (!deflater.finished()) {
                if (out.remaining() < TRAILER_SIZE + 1) {
                    // not expected within the bound, but never loop without room to make progress
                    out = grow(out, out.capacity() + Math.max(1024, out.capacity() / 8));
                }
                deflater.deflate(out);
            }
        } finally {
            deflater.end();
        }
        if (out.remaining() < TRAILER_SIZE) {
            out = grow(out, out.capacity() + TRAILER_SIZE);
        }
        putIntLe(out, (int) crc.getValue());
        putIntLe(out, n);
        out.flip();
        return out;
    }

    /**
     * Decompresses the gzip data in {@code src} (position to limit) into a new heap buffer.
     *
     * @throws CorruptRecordException when the data is not gzip, is cut off, fails its CRC, or
     *     inflates beyond what deflate can produce from that many bytes
     */
    static ByteBuffer decompress(ByteBuffer src) {
        int compressed = src.remaining();
        long cap = Math.min(MAX_ARRAY, compressed * MAX_DEFLATE_RATIO + 1024);
        byte[] out = new byte[(int) Math.min(cap, Math.max(256L, compressed * 4L))];
        int len = 0;
        try (InputStream in = new GZIPInputStream(new ByteBufferInputStream(src.duplicate()), 8192)) {
            while (true) {
                if (len == out.length) {
                    if (len >= cap) {
                        if (in.read() < 0) {
                            break;
                        }
                        throw new CorruptRecordException("gzip records of " + compressed
                                + " bytes inflate beyond " + cap + " bytes");
                    }
                    out = java.util.Arrays.copyOf(out, (int) Math.min(cap, (long) out.length * 2));
                }
                int r = in.read(out, len, out.length - len);
                if (r < 0) {
                    break;
                }
                len += r;
            }
        } catch (IOException e) {
            throw new CorruptRecordException("cannot decompress gzip records: " + e.getMessage(), e);
        }
        return ByteBuffer.wrap(out, 0, len).slice();
    }

    private static ByteBuffer grow(ByteBuffer out, int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        out.flip();
        bigger.put(out);
        return bigger;
    }

    private static void putIntLe(ByteBuffer out, int v) {
        out.put((byte) v).put((byte) (v >>> 8)).put((byte) (v >>> 16)).put((byte) (v >>> 24));
    }

    /** Reads a ByteBuffer from position to limit, advancing its position. */
    private static final class ByteBufferInputStream extends InputStream {
        private final ByteBuffer buf;

        ByteBufferInputStream(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public int read() {
            return buf.hasRemaining() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }
    }
}

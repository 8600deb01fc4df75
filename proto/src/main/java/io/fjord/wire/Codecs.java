package io.fjord.wire;

import java.nio.ByteBuffer;

/** Dispatches the records section of a compressed batch to its codec. */
final class Codecs {
    private Codecs() {}

    /** Upper bound of the compressed size of {@code n} uncompressed bytes, framing included. */
    static long maxCompressedSize(CompressionType type, long n) {
        switch (type) {
            case NONE: return n;
            case GZIP: return Gzip.maxCompressedSize(n);
            case SNAPPY: return SnappyCodec.maxCompressedSize(n);
            case LZ4: return Lz4Codec.maxCompressedSize(n);
            case ZSTD: return ZstdCodec.maxCompressedSize(n);
            default: throw new IllegalArgumentException("no codec for " + type);
        }
    }

    /**
     * Compresses {@code src} (position to limit, left unchanged) into a new heap buffer whose first
     * {@code prefix} bytes are left for the caller; returns it with position 0 and limit at the end.
     */
    static ByteBuffer compress(CompressionType type, ByteBuffer src, int prefix) {
        switch (type) {
            case GZIP: return Gzip.compress(src, prefix);
            case SNAPPY: return SnappyCodec.compress(src, prefix);
            case LZ4: return Lz4Codec.compress(src, prefix);
            case ZSTD: return ZstdCodec.compress(src, prefix);
            default: throw new IllegalArgumentException("no compressor for " + type);
        }
    }

    /**
     * Decompresses {@code src} (position to limit, left unchanged) into a new heap buffer.
     *
     * @throws CorruptRecordException when the data is malformed or expands beyond the codec's bound
     */
    static ByteBuffer decompress(CompressionType type, ByteBuffer src) {
        switch (type) {
            case NONE: return src;
            case GZIP: return Gzip.decompress(src);
            case SNAPPY: return SnappyCodec.decompress(src);
            case LZ4: return Lz4Codec.decompress(src);
            case ZSTD: return ZstdCodec.decompress(src);
            default: throw new IllegalArgumentException("no decompressor for " + type);
        }
    }

    /** The bytes of {@code src} from position to limit, without copying when it wraps a whole array. */
    static byte[] bytes(ByteBuffer src) {
        ByteBuffer b = src.duplicate();
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.limit() == b.array().length) {
            return b.array();
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static void checkSize(long bound, int n) {
        if (bound > Gzip.MAX_ARRAY) {
            throw new IllegalStateException("batch of " + n + " uncompressed bytes is too large to compress");
        }
    }

    /** A growable output with a hard cap; exceeding the cap is corruption. */
    static final class BoundedOutput {
        private final long cap;
        private final String what;
        private final int compressed;
        byte[] buf;
        int len;

        BoundedOutput(String what, int compressed, long ratio) {
            this.what = what;
            this.compressed = compressed;
            this.cap = Math.min(Gzip.MAX_ARRAY, compressed * ratio + 1024);
            this.buf = new byte[(int) Math.min(cap, Math.max(256L, compressed * 4L))];
        }

        /** Makes room for {@code n} more bytes. */
        void ensure(long n) {
            long need = len + n;
            if (need > cap) {
                throw new CorruptRecordException(what + " records of " + compressed + " bytes expand beyond "
                        + cap + " bytes");
            }
            if (need > buf.length) {
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, Math.max(need, 2L * buf.length)));
            }
        }

        /**
         * Makes room for up to {@code n} more bytes, fewer when the cap is nearer; returns the room
         * now free (0 when the cap is reached).
         */
        int reserve(long n) {
            long want = Math.min(cap, len + n);
            if (want > buf.length) {
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, Math.max(want, 2L * buf.length)));
            }
            return buf.length - len;
        }

        /** Grows when full; false when the cap is reached. */
        boolean growIfFull() {
            if (len < buf.length) {
                return true;
            }
            if (len >= cap) {
                return false;
            }
            buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, 2L * buf.length));
            return true;
        }

        CorruptRecordException overflow() {
            return new CorruptRecordException(what + " records of " + compressed + " bytes expand beyond "
                    + cap + " bytes");
        }

        ByteBuffer result() {
            return ByteBuffer.wrap(buf, 0, len).slice();
        }
    }
}

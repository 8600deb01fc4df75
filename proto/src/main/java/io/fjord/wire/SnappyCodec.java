package io.fjord.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xerial.snappy.Snappy;

/**
 * The snappy codec of record batches, framed as Kafka's (snappy-java's SnappyOutputStream, the
 * "xerial" framing): an 8-byte magic {@code 0x82 'SNAPPY' 0}, two big-endian ints (version 1,
 * compatible version 1), then chunks of a big-endian int length and one raw snappy block of at
 * most 32 KiB uncompressed. As SnappyInputStream, a repeated stream header between chunks (streams
 * concatenated) is skipped, and data without the header is read as one raw snappy block.
 */
final class SnappyCodec {
    static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    static final int HEADER_SIZE = MAGIC.length + 8;
    private static final int VERSION = 1;
    private static final int COMPATIBLE_VERSION = 1;
    /** SnappyOutputStream's default block size. */
    static final int BLOCK_SIZE = 32 * 1024;
    /** A snappy copy of 64 bytes costs at least 3 bytes; literals do not expand. */
    private static final long MAX_RATIO = 22;

    private SnappyCodec() {}

    /** snappy's bound per block (32 + n + n/6) plus the chunk lengths and the stream header. */
    static long maxCompressedSize(long n) {
        long blocks = Math.max(1, (n + BLOCK_SIZE - 1) / BLOCK_SIZE);
        return HEADER_SIZE + n + n / 6 + blocks * (32 + 4);
    }

    static ByteBuffer compress(ByteBuffer src, int prefix) {
        byte[] in = Codecs.bytes(src);
        int n = in.length;
        long bound = prefix + maxCompressedSize(n);
        Codecs.checkSize(bound, n);
        byte[] out = new byte[(int) bound];
        int pos = prefix;
        System.arraycopy(MAGIC, 0, out, pos, MAGIC.length);
        pos += MAGIC.length;
        pos = putInt(out, pos, VERSION);
        pos = putInt(out, pos, COMPATIBLE_VERSION);
        try {
            for (int off = 0; off < n; off += BLOCK_SIZE) {
                int len = Math.min(BLOCK_SIZE, n - off);
                int size = Snappy.compress(in, off, len, out, pos + 4);
                putInt(out, pos, size);
                pos += 4 + size;
            }
        } catch (IOException e) {
            throw new IllegalStateException("snappy compression failed: " + e.getMessage(), e);
        }
        return ByteBuffer.wrap(out, 0, pos);
    }

    static ByteBuffer decompress(ByteBuffer src) {
        byte[] in = Codecs.bytes(src);
        Codecs.BoundedOutput out = new Codecs.BoundedOutput("snappy", in.length, MAX_RATIO);
        try {
            if (!hasMagic(in, 0)) {
                // SnappyInputStream reads unframed input as one raw snappy block
                block(in, 0, in.length, out);
                return out.result();
            }
            int pos = 0;
            while (pos < in.length) {
                if (hasMagic(in, pos)) {
                    if (in.length - pos < HEADER_SIZE) {
                        throw new CorruptRecordException("snappy stream header cut off");
                    }
                    int compatible = getInt(in, pos + MAGIC.length + 4);
                    if (compatible < 1 || compatible > VERSION) {
                        throw new CorruptRecordException("unsupported snappy stream compatible version " + compatible);
                    }
                    pos += HEADER_SIZE;
                    continue;
                }
                if (in.length - pos < 4) {
                    throw new CorruptRecordException("snappy chunk length cut off");
                }
                int size = getInt(in, pos);
                pos += 4;
                if (size < 0 || size > in.length - pos) {
                    throw new CorruptRecordException("snappy chunk declares " + size + " bytes, "
                            + (in.length - pos) + " remain");
                }
                block(in, pos, size, out);
                pos += size;
            }
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof CorruptRecordException) {
                throw (CorruptRecordException) e;
            }
            if (e instanceof Error && !(e instanceof org.xerial.snappy.SnappyError)) {
                throw (Error) e;
            }
            throw new CorruptRecordException("cannot decompress snappy records: " + e, e);
        }
        return out.result();
    }

    private static void block(byte[] in, int off, int len, Codecs.BoundedOutput out) throws IOException {
        if (!Snappy.isValidCompressedBuffer(in, off, len)) {
            throw new CorruptRecordException("invalid snappy block of " + len + " bytes");
        }
        int size = Snappy.uncompressedLength(in, off, len);
        if (size < 0) {
            throw new CorruptRecordException("snappy block declares " + size + " bytes");
        }
        out.ensure(size);
        int n = Snappy.uncompress(in, off, len, out.buf, out.len);
        if (n != size) {
            throw new CorruptRecordException("snappy block declares " + size + " bytes but holds " + n);
        }
        out.len += n;
    }

    private static boolean hasMagic(byte[] in, int pos) {
        if (in.length - pos < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (in[pos + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static int putInt(byte[] b, int pos, int v) {
        b[pos] = (byte) (v >>> 24);
        b[pos + 1] = (byte) (v >>> 16);
        b[pos + 2] = (byte) (v >>> 8);
        b[pos + 3] = (byte) v;
        return pos + 4;
    }

    private static int getInt(byte[] b, int pos) {
        return (b[pos] & 0xff) << 24 | (b[pos + 1] & 0xff) << 16 | (b[pos + 2] & 0xff) << 8 | (b[pos + 3] & 0xff);
    }
}

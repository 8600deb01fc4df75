package io.fjord.wire;

import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The lz4 codec of record batches, framed as Kafka's KafkaLZ4BlockOutputStream: an LZ4 frame
 * (magic {@code 0x184D2204}; FLG 0x60 = version 1, independent blocks, no checksums, no content
 * size; BD 0x40 = 64 KiB blocks; the header checksum byte), blocks of a little-endian int size
 * (high bit set: stored uncompressed), and a zero end mark.
 *
 * <p>Kafka's historical quirk: magic v0 and v1 messages computed the header checksum over the magic
 * bytes too. Record batches (magic 2) use the correct checksum, the second byte of xxHash32 (seed 0)
 * of the frame descriptor (FLG, BD and the content size when present), which is what we write and
 * check. As KafkaLZ4BlockInputStream, block checksums are verified when flagged, a content size is
 * skipped, a content checksum is read but not verified, and dependent blocks are rejected.
 */
final class Lz4Codec {
    static final int MAGIC = 0x184D2204;
    private static final int FLG = 0x60;
    private static final int BD_64KB = 4 << 4;
    static final int BLOCK_SIZE = 64 * 1024;
    private static final int INCOMPRESSIBLE = 0x80000000;
    private static final int FLG_VERSION_MASK = 0xC0;
    private static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_RESERVED = 0x03;
    /** lz4 cannot expand more than 255:1 (a match length byte of 255 costs one byte). */
    private static final long MAX_RATIO = 256;
    /** Kafka's default lz4 level (9) uses the high-compression compressor. */
    private static final int LEVEL = 9;

    private static final class Holder {
        static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
        static final LZ4Compressor COMPRESSOR = LZ4.highCompressor(LEVEL);
        static final LZ4SafeDecompressor DECOMPRESSOR = LZ4.safeDecompressor();
        static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();
    }

    private Lz4Codec() {}

    /** Frame header (7 bytes), per block a size and lz4's worst case, then the end mark. */
    static long maxCompressedSize(long n) {
        long blocks = Math.max(1, (n + BLOCK_SIZE - 1) / BLOCK_SIZE);
        return 7 + n + blocks * (4 + BLOCK_SIZE / 255 + 16) + 4;
    }

    static ByteBuffer compress(ByteBuffer src, int prefix) {
        byte[] in = Codecs.bytes(src);
        int n = in.length;
        long bound = prefix + maxCompressedSize(n);
        Codecs.checkSize(bound, n);
        byte[] out = new byte[(int) bound];
        int pos = prefix;
        pos = putIntLe(out, pos, MAGIC);
        out[pos++] = (byte) FLG;
        out[pos++] = (byte) BD_64KB;
        out[pos] = (byte) (Holder.XXHASH.hash(out, pos - 2, 2, 0) >> 8);
        pos++;
        LZ4Compressor compressor = Holder.COMPRESSOR;
        byte[] scratch = new byte[compressor.maxCompressedLength(BLOCK_SIZE)];
        for (int off = 0; off < n; off += BLOCK_SIZE) {
            int len = Math.min(BLOCK_SIZE, n - off);
            int size = compressor.compress(in, off, len, scratch, 0, scratch.length);
            if (size >= len) {
                pos = putIntLe(out, pos, len | INCOMPRESSIBLE);
                System.arraycopy(in, off, out, pos, len);
                pos += len;
            } else {
                pos = putIntLe(out, pos, size);
                System.arraycopy(scratch, 0, out, pos, size);
                pos += size;
            }
        }
        pos = putIntLe(out, pos, 0);
        return ByteBuffer.wrap(out, 0, pos);
    }

    static ByteBuffer decompress(ByteBuffer src) {
        byte[] in = Codecs.bytes(src);
        Codecs.BoundedOutput out = new Codecs.BoundedOutput("lz4", in.length, MAX_RATIO);
        try {
            if (in.length < 7) {
                throw new CorruptRecordException("lz4 frame of " + in.length + " bytes is too short for its header");
            }
            if (getIntLe(in, 0) != MAGIC) {
                throw new CorruptRecordException("lz4 frame has invalid magic bytes");
            }
            int flg = in[4] & 0xff;
            if ((flg & FLG_VERSION_MASK) != 0x40) {
                throw new CorruptRecordException("lz4 frame version " + ((flg & FLG_VERSION_MASK) >> 6)
                        + " is unsupported");
            }
            if ((flg & FLG_RESERVED) != 0 || (in[5] & 0x8f) != 0) {
                throw new CorruptRecordException("lz4 frame descriptor sets reserved bits");
            }
            if ((flg & FLG_BLOCK_INDEPENDENCE) == 0) {
                throw new CorruptRecordException("lz4 frame with dependent blocks is unsupported");
            }
            int blockSizeId = (in[5] >> 4) & 0x7;
            if (blockSizeId < 4) {
                throw new CorruptRecordException("lz4 frame has invalid block size id " + blockSizeId);
            }
            int maxBlockSize = 1 << (2 * blockSizeId + 8);
            int pos = 6;
            if ((flg & FLG_CONTENT_SIZE) != 0) {
                pos += 8;
            }
            if (in.length < pos + 1) {
                throw new CorruptRecordException("lz4 frame descriptor cut off");
            }
            int hc = (Holder.XXHASH.hash(in, 4, pos - 4, 0) >> 8) & 0xff;
            if ((in[pos] & 0xff) != hc) {
                throw new CorruptRecordException("lz4 frame descriptor checksum mismatch");
            }
            pos++;
            boolean blockChecksum = (flg & FLG_BLOCK_CHECKSUM) != 0;
            while (true) {
                if (in.length - pos < 4) {
                    throw new CorruptRecordException("lz4 frame ends before its end mark");
                }
                int word = getIntLe(in, pos);
                pos += 4;
                if (word == 0) {
                    break;
                }
                boolean stored = (word & INCOMPRESSIBLE) != 0;
                int size = word & ~INCOMPRESSIBLE;
                if (size > maxBlockSize || size > in.length - pos) {
                    throw new CorruptRecordException("lz4 block declares " + size + " bytes, "
                            + (in.length - pos) + " remain, at most " + maxBlockSize + " allowed");
                }
                if (blockChecksum) {
                    if (in.length - pos - size < 4) {
                        throw new CorruptRecordException("lz4 block checksum cut off");
                    }
                    if (Holder.XXHASH.hash(in, pos, size, 0) != getIntLe(in, pos + size)) {
                        throw new CorruptRecordException("lz4 block checksum mismatch");
                    }
                }
                if (stored) {
                    out.ensure(size);
                    System.arraycopy(in, pos, out.buf, out.len, size);
                    out.len += size;
                } else {
                    int room = out.reserve(Math.min(maxBlockSize, size * MAX_RATIO + 64));
                    if (room == 0) {
                        throw out.overflow();
                    }
                    out.len += Holder.DECOMPRESSOR.decompress(in, pos, size, out.buf, out.len, room);
                }
                pos += size + (blockChecksum ? 4 : 0);
            }
            if ((flg & FLG_CONTENT_CHECKSUM) != 0) {
                // as Kafka: read, not verified
                if (in.length - pos < 4) {
                    throw new CorruptRecordException("lz4 content checksum cut off");
                }
                pos += 4;
            }
        } catch (LZ4Exception | IndexOutOfBoundsException e) {
            throw new CorruptRecordException("cannot decompress lz4 records: " + e.getMessage(), e);
        }
        return out.result();
    }

    private static int putIntLe(byte[] b, int pos, int v) {
        b[pos] = (byte) v;
        b[pos + 1] = (byte) (v >>> 8);
        b[pos + 2] = (byte) (v >>> 16);
        b[pos + 3] = (byte) (v >>> 24);
        return pos + 4;
    }

    private static int getIntLe(byte[] b, int pos) {
        return (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
    }
}

package io.fjord.wire;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The zstd codec of record batches, framed as Kafka's: the records section is zstd frames (RFC 8878)
 * as zstd-jni writes them; Kafka writes with ZstdOutputStreamNoFinalizer at level 3 and reads with
 * ZstdInputStreamNoFinalizer, which accepts any sequence of frames. We write one frame at level 3
 * with the content size, and read with the same stream as Kafka.
 */
final class ZstdCodec {
    /** Kafka's default zstd level. */
    private static final int LEVEL = 3;
    /**
     * zstd has no small expansion limit (an RLE block turns 4 bytes into 128 KiB), so this only
     * stops a forged payload from growing without bound; output still grows by what is produced.
     */
    private static final long MAX_RATIO = 32 * 1024;

    private ZstdCodec() {}

    static long maxCompressedSize(long n) {
        return Zstd.compressBound(n);
    }

    static ByteBuffer compress(ByteBuffer src, int prefix) {
        byte[] in = Codecs.bytes(src);
        int n = in.length;
        long bound = prefix + maxCompressedSize(n);
        Codecs.checkSize(bound, n);
        byte[] out = new byte[(int) bound];
        long size = Zstd.compressByteArray(out, prefix, out.length - prefix, in, 0, n, LEVEL);
        if (Zstd.isError(size)) {
            throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(size));
        }
        return ByteBuffer.wrap(out, 0, prefix + (int) size);
    }

    static ByteBuffer decompress(ByteBuffer src) {
        byte[] in = Codecs.bytes(src);
        Codecs.BoundedOutput out = new Codecs.BoundedOutput("zstd", in.length, MAX_RATIO);
        try (ZstdInputStreamNoFinalizer zin = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(in))) {
            while (true) {
                if (!out.growIfFull()) {
                    if (zin.read() < 0) {
                        break;
                    }
                    throw out.overflow();
                }
                int r = zin.read(out.buf, out.len, out.buf.length - out.len);
                if (r < 0) {
                    break;
                }
                out.len += r;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorruptRecordException) {
                throw (CorruptRecordException) e;
            }
            throw new CorruptRecordException("cannot decompress zstd records: " + e.getMessage(), e);
        }
        return out.result();
    }
}

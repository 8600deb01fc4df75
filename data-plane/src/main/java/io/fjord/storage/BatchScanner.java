package io.fjord.storage;

import io.fjord.wire.BatchValidator;
import io.fjord.wire.RecordBatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Walks the record batches of a segment file by their headers, through positional reads: a fast scan
 * (headers only, for lookups) and a validating scan (whole batches through {@link BatchValidator}, for
 * recovery). Stateless; a scan holds only its own buffer, so any number may run concurrently.
 */
final class BatchScanner {
    /** Header scans read this much at a time, so walking small batches costs few system calls. */
    private static final int SCAN_CHUNK_BYTES = 8192;
    /** Validation reads the log in chunks of this size (grown for a larger batch). */
    private static final int VALIDATION_CHUNK_BYTES = 1 << 20;

    private BatchScanner() {}

    /** Positional read into {@code dst} until it is full or the file ends. */
    interface FileReader {
        void readFully(ByteBuffer dst, long position) throws IOException;
    }

    /** A predicate over the header of the batch at {@code at} in {@code buf}. */
    interface HeaderPredicate {
        boolean test(ByteBuffer buf, int at);
    }

    /** Per valid batch during validation; returns null to accept it or why it is rejected. */
    interface BatchCheck {
        String check(ByteBuffer buf, int at, int position);
    }

    /** A batch found by a scan: where it is and what it covers. */
    record BatchInfo(int position, int size, long baseOffset, long lastOffset, long maxTimestamp) {
        static BatchInfo of(ByteBuffer b, int at, int position) {
            return new BatchInfo(position, RecordBatchHeader.sizeInBytes(b, at), RecordBatchHeader.baseOffset(b, at),
                    RecordBatchHeader.lastOffset(b, at), RecordBatchHeader.maxTimestamp(b, at));
        }
    }

    /** Outcome of a validating scan; {@code failure} is null when everything up to the end is valid. */
    record ScanResult(int validEnd, long lastOffset, String failure) {}

    /**
     * The first batch from {@code from} (a batch boundary) to {@code end} matching {@code p}, or null.
     * Stops at a malformed or partial header: a concurrent truncation can shorten the file under a
     * lock-free reader.
     */
    static BatchInfo findBatch(FileReader file, int from, int end, HeaderPredicate p) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(SCAN_CHUNK_BYTES);
        long bufStart = 0;
        int bufLen = 0;
        long pos = from;
        while (pos + RecordBatchHeader.HEADER_SIZE <= end) {
            if (pos < bufStart || pos + RecordBatchHeader.HEADER_SIZE > bufStart + bufLen) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                file.readFully(buf, pos);
                bufStart = pos;
                bufLen = buf.position();
                if (bufLen < RecordBatchHeader.HEADER_SIZE) {
                    return null;
                }
            }
            int at = (int) (pos - bufStart);
            long batchSize = RecordBatchHeader.LOG_OVERHEAD + (long) RecordBatchHeader.length(buf, at);
            if (batchSize < RecordBatchHeader.HEADER_SIZE || pos + batchSize > end) {
                return null;
            }
            if (p.test(buf, at)) {
                return BatchInfo.of(buf, at, (int) pos);
            }
            pos += batchSize;
        }
        return null;
    }

    /**
     * Validates batches from {@code from} to {@code fileSize} with {@link BatchValidator} (length, magic,
     * offset delta, CRC) plus offset order: base offsets at least {@code minBaseOffset} and above the
     * previous batch's last offset, last offsets below {@code nextSegmentBase}; then {@code check}.
     * Returns where the valid prefix ends and why it ends there.
     */
    static ScanResult validate(FileReader file, int from, long fileSize, long minBaseOffset, long nextSegmentBase,
                               BatchCheck check) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(VALIDATION_CHUNK_BYTES);
        long pos = from;
        long lastOffset = -1;
        long minBase = minBaseOffset;
        while (pos < fileSize) {
            int requested = (int) Math.min(buf.capacity(), fileSize - pos);
            buf.clear().limit(requested);
            file.readFully(buf, pos);
            buf.flip();
            if (buf.limit() == 0) {
                break;
            }
            boolean reachesEof = buf.limit() < requested || pos + buf.limit() >= fileSize;
            BatchValidator.Result r = BatchValidator.validate(buf, Integer.MAX_VALUE, true);
            for (int at = 0; at < r.validBytes(); at += RecordBatchHeader.sizeInBytes(buf, at)) {
                long base = RecordBatchHeader.baseOffset(buf, at);
                long last = RecordBatchHeader.lastOffset(buf, at);
                String bad = base < minBase || last >= nextSegmentBase
                        ? "batch with offsets " + base + ".." + last + " breaks offset order (expected >= " + minBase
                            + (nextSegmentBase == Long.MAX_VALUE ? "" : " and < " + nextSegmentBase) + ")"
                        : check.check(buf, at, (int) (pos + at));
                if (bad != null) {
                    return new ScanResult((int) (pos + at), lastOffset, "at byte " + (pos + at) + ": " + bad);
                }
                lastOffset = last;
                minBase = last + 1;
            }
            pos += r.validBytes();
            if (r.ok()) {
                continue;
            }
            if (r.failure() == BatchValidator.Failure.TRUNCATED && !reachesEof) {
                if (r.validBytes() == 0) {
                    // A batch larger than the buffer: grow to it if the file holds it all, else it is torn.
                    long batchSize = RecordBatchHeader.LOG_OVERHEAD + (long) RecordBatchHeader.length(buf, 0);
                    if (pos + batchSize > fileSize) {
                        return new ScanResult((int) pos, lastOffset, "at byte " + pos + ": torn batch of " + batchSize + " bytes");
                    }
                    buf = ByteBuffer.allocate((int) batchSize);
                }
                continue; // read on from the first batch the chunk did not hold whole
            }
            return new ScanResult((int) pos, lastOffset, "at byte " + pos + ": " + r.message());
        }
        return new ScanResult((int) pos, lastOffset, null);
    }
}

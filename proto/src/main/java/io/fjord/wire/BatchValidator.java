package io.fjord.wire;

import java.nio.ByteBuffer;

/**
 * Checks that a buffer holds whole, well-formed v2 record batches: layout, magic, CRC, size limit.
 * Looks only at batch headers and the CRC; never decodes individual records, so it is cheap enough
 * for the broker's produce path and for crash recovery.
 */
public final class BatchValidator {
    private BatchValidator() {}

    /** Why validation failed; {@link #OK} when it did not. */
    public enum Failure { OK, TRUNCATED, BAD_LENGTH, BAD_MAGIC, BAD_CRC, BAD_OFFSET_DELTA, TOO_LARGE, EMPTY }

    /** The result of validating a buffer: totals over its batches, or the first failure and where. */
    public record Result(Failure failure, String message, int validBytes, int batchCount, long recordCount,
                         long maxTimestamp, int totalOffsetDelta) {
        public boolean ok() { return failure == Failure.OK; }
    }

    /**
     * Validates every batch in {@code buf} from its position to its limit.
     *
     * @param maxBatchBytes largest single batch accepted (the topic's max.message.bytes), in bytes
     * @param checkCrc false only where the caller already trusts the bytes
     */
    public static Result validate(ByteBuffer buf, int maxBatchBytes, boolean checkCrc) {
        int pos = buf.position();
        int end = buf.limit();
        int batches = 0;
        long records = 0;
        long maxTs = RecordBatchHeader.NO_TIMESTAMP;
        int offsetDeltas = 0;
        if (pos == end) {
            return new Result(Failure.EMPTY, "no record batch in the request", 0, 0, 0, maxTs, 0);
        }
        int start = pos;
        while (pos < end) {
            int remaining = end - pos;
            if (remaining < RecordBatchHeader.HEADER_SIZE) {
                return fail(Failure.TRUNCATED, "batch at byte " + (pos - start) + " has only " + remaining
                        + " bytes, less than the 61-byte header", pos - start, batches, records, maxTs, offsetDeltas);
            }
            int length = RecordBatchHeader.length(buf, pos);
            if (length < RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD) {
                return fail(Failure.BAD_LENGTH, "batch at byte " + (pos - start) + " declares length " + length,
                        pos - start, batches, records, maxTs, offsetDeltas);
            }
            long size = (long) length + RecordBatchHeader.LOG_OVERHEAD;
            if (size > remaining) {
                return fail(Failure.TRUNCATED, "batch at byte " + (pos - start) + " declares " + size
                        + " bytes but only " + remaining + " follow", pos - start, batches, records, maxTs, offsetDeltas);
            }
            if (size > maxBatchBytes) {
                return fail(Failure.TOO_LARGE, "batch of " + size + " bytes exceeds the limit of " + maxBatchBytes
                        + " bytes (max.message.bytes)", pos - start, batches, records, maxTs, offsetDeltas);
            }
            byte magic = RecordBatchHeader.magic(buf, pos);
            if (magic != RecordBatchHeader.MAGIC_V2) {
                return fail(Failure.BAD_MAGIC, "batch at byte " + (pos - start) + " has magic " + magic
                        + ", only magic 2 is supported", pos - start, batches, records, maxTs, offsetDeltas);
            }
            int count = RecordBatchHeader.recordCount(buf, pos);
            int lastDelta = RecordBatchHeader.lastOffsetDelta(buf, pos);
            if (lastDelta < 0 || count < 0 || (count > 0 && lastDelta < count - 1)) {
                return fail(Failure.BAD_OFFSET_DELTA, "batch at byte " + (pos - start) + " has last offset delta "
                        + lastDelta + " for " + count + " records", pos - start, batches, records, maxTs, offsetDeltas);
            }
            if (checkCrc && !RecordBatchHeader.isCrcValid(buf, pos)) {
                return fail(Failure.BAD_CRC, "batch at byte " + (pos - start) + " fails its CRC-32C check",
                        pos - start, batches, records, maxTs, offsetDeltas);
            }
            batches++;
            records += count;
            offsetDeltas += lastDelta + 1;
            maxTs = Math.max(maxTs, RecordBatchHeader.maxTimestamp(buf, pos));
            pos += (int) size;
        }
        return new Result(Failure.OK, "", pos - start, batches, records, maxTs, offsetDeltas);
    }

    private static Result fail(Failure f, String msg, int validBytes, int batches, long records, long maxTs, int deltas) {
        return new Result(f, msg, validBytes, batches, records, maxTs, deltas);
    }
}

package io.fjord.storage;

import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;

/**
 * The only header changes the log makes to batches, in place: offsets and leader epoch on the leader
 * (outside the CRC, so the CRC stays valid), and LogAppendTime (inside it, so the CRC is recomputed).
 * The records themselves are never touched.
 */
final class BatchStamper {
    private BatchStamper() {}

    /**
     * Gives the batches consecutive offsets from {@code firstOffset} and the leader epoch; with
     * {@code logAppendTimeMs >= 0} also sets the LogAppendTime attribute and the max timestamp.
     *
     * @return the largest max timestamp after stamping
     */
    static long stampAsLeader(ByteBuffer b, long firstOffset, int leaderEpoch, long logAppendTimeMs) {
        long next = firstOffset;
        long maxTs = RecordBatchHeader.NO_TIMESTAMP;
        for (int at = b.position(); at < b.limit(); at += RecordBatchHeader.sizeInBytes(b, at)) {
            RecordBatchHeader.setBaseOffset(b, at, next);
            RecordBatchHeader.setPartitionLeaderEpoch(b, at, leaderEpoch);
            if (logAppendTimeMs >= 0) {
                short attributes = RecordBatchHeader.attributes(b, at);
                b.putShort(at + RecordBatchHeader.ATTRIBUTES_OFFSET, (short) (attributes | RecordBatchHeader.TIMESTAMP_TYPE_MASK));
                b.putLong(at + RecordBatchHeader.MAX_TIMESTAMP_OFFSET, logAppendTimeMs);
                RecordBatchHeader.updateCrc(b, at);
            }
            maxTs = Math.max(maxTs, RecordBatchHeader.maxTimestamp(b, at));
            next = RecordBatchHeader.lastOffset(b, at) + 1;
        }
        return maxTs;
    }

    /** Last offset of the last batch in {@code b} (the batches must be well-formed). */
    static long lastOffset(ByteBuffer b) {
        long last = -1;
        for (int at = b.position(); at < b.limit(); at += RecordBatchHeader.sizeInBytes(b, at)) {
            last = RecordBatchHeader.lastOffset(b, at);
        }
        return last;
    }

    /**
     * Checks that replicated batches have strictly increasing offsets.
     *
     * @throws IllegalArgumentException naming the first offset that does not increase
     */
    static void checkIncreasingOffsets(ByteBuffer b, Object where) {
        long last = -1;
        for (int at = b.position(); at < b.limit(); at += RecordBatchHeader.sizeInBytes(b, at)) {
            long base = RecordBatchHeader.baseOffset(b, at);
            if (base <= last) {
                throw new IllegalArgumentException("replicated batches for " + where
                        + " do not have increasing offsets: " + base + " follows " + last);
            }
            last = RecordBatchHeader.lastOffset(b, at);
        }
    }
}

package io.fjord.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds v2 record batches by hand: a real 61-byte header (CRC computed with RecordBatchHeader) followed
 * by arbitrary bytes standing in for the records. The log never decodes records, so this is all it
 * needs, and tests do not depend on the record codec.
 */
final class TestBatches {
    private TestBatches() {}

    /** One batch of {@code records} records, base offset 0, all at {@code timestampMs}, with payloadBytes of filler. */
    static ByteBuffer batch(int records, long timestampMs, int payloadBytes) {
        return batch(0, records, timestampMs, payloadBytes, -1);
    }

    static ByteBuffer batch(long baseOffset, int records, long timestampMs, int payloadBytes, int leaderEpoch) {
        int size = RecordBatchHeader.HEADER_SIZE + payloadBytes;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(RecordBatchHeader.BASE_OFFSET_OFFSET, baseOffset);
        b.putInt(RecordBatchHeader.LENGTH_OFFSET, size - RecordBatchHeader.LOG_OVERHEAD);
        b.putInt(RecordBatchHeader.PARTITION_LEADER_EPOCH_OFFSET, leaderEpoch);
        b.put(RecordBatchHeader.MAGIC_OFFSET, RecordBatchHeader.MAGIC_V2);
        b.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) 0);
        b.putInt(RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET, records - 1);
        b.putLong(RecordBatchHeader.BASE_TIMESTAMP_OFFSET, timestampMs);
        b.putLong(RecordBatchHeader.MAX_TIMESTAMP_OFFSET, timestampMs);
        b.putLong(RecordBatchHeader.PRODUCER_ID_OFFSET, RecordBatchHeader.NO_PRODUCER_ID);
        b.putShort(RecordBatchHeader.PRODUCER_EPOCH_OFFSET, RecordBatchHeader.NO_PRODUCER_EPOCH);
        b.putInt(RecordBatchHeader.BASE_SEQUENCE_OFFSET, RecordBatchHeader.NO_SEQUENCE);
        b.putInt(RecordBatchHeader.RECORDS_COUNT_OFFSET, records);
        for (int i = 0; i < payloadBytes; i++) {
            b.put(RecordBatchHeader.HEADER_SIZE + i, (byte) (baseOffset * 31 + timestampMs * 7 + i));
        }
        RecordBatchHeader.updateCrc(b, 0);
        return b;
    }

    /**
     * An idempotent producer's batch (base offset 0, leader epoch -1, 20 bytes of filler). The producer
     * fields are covered by the CRC, so it is recomputed after writing them, as a Kafka producer does.
     */
    static ByteBuffer idempotent(long producerId, short producerEpoch, int baseSequence, int records, long timestampMs) {
        ByteBuffer b = batch(0, records, timestampMs, 20, -1);
        b.putLong(RecordBatchHeader.PRODUCER_ID_OFFSET, producerId);
        b.putShort(RecordBatchHeader.PRODUCER_EPOCH_OFFSET, producerEpoch);
        b.putInt(RecordBatchHeader.BASE_SEQUENCE_OFFSET, baseSequence);
        RecordBatchHeader.updateCrc(b, 0);
        return b;
    }

    static ByteBuffer concat(ByteBuffer... batches) {
        int total = 0;
        for (ByteBuffer b : batches) {
            total += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer b : batches) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    /** A batch header seen in a read: where it starts in the buffer and what it covers. */
    record Seen(int position, long baseOffset, long lastOffset, long maxTimestamp, int size, int leaderEpoch) {}

    /** The batches in {@code buf}, asserting that it holds only whole, CRC-valid batches. */
    static List<Seen> batchesIn(ByteBuffer buf) {
        List<Seen> seen = new ArrayList<>();
        int at = buf.position();
        while (at < buf.limit()) {
            assertTrue(buf.limit() - at >= RecordBatchHeader.HEADER_SIZE, "partial batch header at " + at);
            int size = RecordBatchHeader.sizeInBytes(buf, at);
            assertTrue(at + size <= buf.limit(), "batch at " + at + " split: " + size + " bytes, " + (buf.limit() - at) + " left");
            assertTrue(RecordBatchHeader.isCrcValid(buf, at), "CRC of batch at " + at);
            seen.add(new Seen(at, RecordBatchHeader.baseOffset(buf, at), RecordBatchHeader.lastOffset(buf, at),
                    RecordBatchHeader.maxTimestamp(buf, at), size, RecordBatchHeader.partitionLeaderEpoch(buf, at)));
            at += size;
        }
        for (int i = 1; i < seen.size(); i++) {
            assertEquals(seen.get(i - 1).lastOffset() + 1, seen.get(i).baseOffset(), "offsets contiguous in a read");
        }
        return seen;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

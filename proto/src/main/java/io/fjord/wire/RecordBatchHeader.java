package io.fjord.wire;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Field offsets of, and absolute accessors for, the Kafka v2 record-batch header.
 *
 * <p>Format (big-endian), 61 bytes, then the records:
 * <pre>
 *  0 baseOffset int64        | 8 length int32 (bytes after this field)
 * 12 partitionLeaderEpoch int32
 * 16 magic int8 (= 2)        | 17 crc uint32 (CRC-32C of bytes 21..end)
 * 21 attributes int16        | 23 lastOffsetDelta int32
 * 27 baseTimestamp int64     | 35 maxTimestamp int64
 * 43 producerId int64        | 51 producerEpoch int16
 * 53 baseSequence int32      | 57 recordCount int32
 * 61 records...
 * </pre>
 * The CRC covers attributes onwards, so the broker may rewrite baseOffset and partitionLeaderEpoch
 * without recomputing it. Every accessor takes an absolute position and never moves the buffer's
 * position, so one buffer can be read by many threads.
 */
public final class RecordBatchHeader {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    public static final int HEADER_SIZE = 61;
    /** baseOffset + length: the bytes in front of what the length field counts. */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC_V2 = 2;

    /** Attribute bits, as in Kafka. */
    public static final int COMPRESSION_CODEC_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;
    public static final int DELETE_HORIZON_FLAG_MASK = 0x40;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;

    private RecordBatchHeader() {}

    public static long baseOffset(ByteBuffer b, int pos) { return b.getLong(pos + BASE_OFFSET_OFFSET); }
    public static int length(ByteBuffer b, int pos) { return b.getInt(pos + LENGTH_OFFSET); }
    /** Whole batch size in bytes, header included. */
    public static int sizeInBytes(ByteBuffer b, int pos) { return LOG_OVERHEAD + length(b, pos); }
    public static int partitionLeaderEpoch(ByteBuffer b, int pos) { return b.getInt(pos + PARTITION_LEADER_EPOCH_OFFSET); }
    public static byte magic(ByteBuffer b, int pos) { return b.get(pos + MAGIC_OFFSET); }
    public static long crc(ByteBuffer b, int pos) { return Integer.toUnsignedLong(b.getInt(pos + CRC_OFFSET)); }
    public static short attributes(ByteBuffer b, int pos) { return b.getShort(pos + ATTRIBUTES_OFFSET); }
    public static int lastOffsetDelta(ByteBuffer b, int pos) { return b.getInt(pos + LAST_OFFSET_DELTA_OFFSET); }
    public static long lastOffset(ByteBuffer b, int pos) { return baseOffset(b, pos) + lastOffsetDelta(b, pos); }
    public static long baseTimestamp(ByteBuffer b, int pos) { return b.getLong(pos + BASE_TIMESTAMP_OFFSET); }
    public static long maxTimestamp(ByteBuffer b, int pos) { return b.getLong(pos + MAX_TIMESTAMP_OFFSET); }
    public static long producerId(ByteBuffer b, int pos) { return b.getLong(pos + PRODUCER_ID_OFFSET); }
    public static short producerEpoch(ByteBuffer b, int pos) { return b.getShort(pos + PRODUCER_EPOCH_OFFSET); }
    public static int baseSequence(ByteBuffer b, int pos) { return b.getInt(pos + BASE_SEQUENCE_OFFSET); }
    public static int recordCount(ByteBuffer b, int pos) { return b.getInt(pos + RECORDS_COUNT_OFFSET); }
    public static int compressionCodec(ByteBuffer b, int pos) { return attributes(b, pos) & COMPRESSION_CODEC_MASK; }
    public static boolean isLogAppendTime(ByteBuffer b, int pos) { return (attributes(b, pos) & TIMESTAMP_TYPE_MASK) != 0; }
    public static boolean isTransactional(ByteBuffer b, int pos) { return (attributes(b, pos) & TRANSACTIONAL_FLAG_MASK) != 0; }
    public static boolean isControl(ByteBuffer b, int pos) { return (attributes(b, pos) & CONTROL_FLAG_MASK) != 0; }

    /** Rewrites the base offset; not covered by the CRC. */
    public static void setBaseOffset(ByteBuffer b, int pos, long baseOffset) { b.putLong(pos + BASE_OFFSET_OFFSET, baseOffset); }
    /** Rewrites the partition leader epoch; not covered by the CRC. */
    public static void setPartitionLeaderEpoch(ByteBuffer b, int pos, int epoch) { b.putInt(pos + PARTITION_LEADER_EPOCH_OFFSET, epoch); }

    /** CRC-32C over attributes..end of the batch at {@code pos}, as stored in the crc field. */
    public static long computeCrc(ByteBuffer b, int pos) {
        int size = sizeInBytes(b, pos);
        CRC32C crc = new CRC32C();
        ByteBuffer view = b.duplicate();
        view.limit(pos + size).position(pos + ATTRIBUTES_OFFSET);
        crc.update(view);
        return crc.getValue();
    }

    public static boolean isCrcValid(ByteBuffer b, int pos) { return computeCrc(b, pos) == crc(b, pos); }

    /** Recomputes and stores the CRC, for writers that changed covered fields. */
    /** Kafka's DefaultRecordBatch.incrementSequence: producer sequences wrap from Integer.MAX_VALUE to 0. */
    public static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    public static void updateCrc(ByteBuffer b, int pos) { b.putInt(pos + CRC_OFFSET, (int) computeCrc(b, pos)); }
}

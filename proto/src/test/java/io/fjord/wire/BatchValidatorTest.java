package io.fjord.wire;

import static io.fjord.wire.TestBatches.build;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.BatchValidator.Failure;
import io.fjord.wire.BatchValidator.Result;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
    private final ByteBuffer first = build(new RecordBatchBuilder(CompressionType.NONE, 64), TestBatches.mixedSpecs());
    private final ByteBuffer second = build(new RecordBatchBuilder(CompressionType.GZIP, 64).baseOffset(6),
            TestBatches.mixedSpecs().subList(0, 3));

    @Test
    void okSumsOverAllBatches() {
        ByteBuffer both = TestBatches.concat(first, second);
        Result r = BatchValidator.validate(both, 1 << 20, true);
        assertTrue(r.ok(), r.message());
        assertEquals(2, r.batchCount());
        assertEquals(9, r.recordCount());
        assertEquals(both.limit(), r.validBytes());
        assertEquals(9, r.totalOffsetDelta());
        assertEquals(1_700_000_000_005L, r.maxTimestamp());
        assertEquals(0, both.position(), "validation does not consume the buffer");
    }

    @Test
    void badMagic() {
        ByteBuffer bad = copy(second).put(RecordBatchHeader.MAGIC_OFFSET, (byte) 1);
        Result r = BatchValidator.validate(TestBatches.concat(first, bad), 1 << 20, true);
        assertEquals(Failure.BAD_MAGIC, r.failure());
        assertEquals(first.limit(), r.validBytes(), "the first batch was fine");
        assertEquals(1, r.batchCount());
    }

    @Test
    void badLength() {
        ByteBuffer bad = copy(first).putInt(RecordBatchHeader.LENGTH_OFFSET, 10);
        assertEquals(Failure.BAD_LENGTH, BatchValidator.validate(bad, 1 << 20, true).failure());
    }

    @Test
    void truncated() {
        assertEquals(Failure.TRUNCATED, BatchValidator.validate(first.duplicate().limit(first.limit() - 1), 1 << 20, true).failure());
        assertEquals(Failure.TRUNCATED, BatchValidator.validate(first.duplicate().limit(60), 1 << 20, true).failure());
        Result r = BatchValidator.validate(TestBatches.concat(first, second.duplicate().limit(70)), 1 << 20, true);
        assertEquals(Failure.TRUNCATED, r.failure());
        assertEquals(first.limit(), r.validBytes());
    }

    @Test
    void tooLarge() {
        Result r = BatchValidator.validate(first, first.limit() - 1, true);
        assertEquals(Failure.TOO_LARGE, r.failure());
        assertTrue(r.message().contains(String.valueOf(first.limit())), r.message());
        assertTrue(BatchValidator.validate(first, first.limit(), true).ok());
    }

    @Test
    void empty() {
        assertEquals(Failure.EMPTY, BatchValidator.validate(ByteBuffer.allocate(0), 1 << 20, true).failure());
    }

    @Test
    void badCrcUnlessTheCallerSkipsTheCheck() {
        ByteBuffer bad = copy(first);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) + 1));
        assertEquals(Failure.BAD_CRC, BatchValidator.validate(bad, 1 << 20, true).failure());
        assertTrue(BatchValidator.validate(bad, 1 << 20, false).ok());
    }

    @Test
    void badOffsetDelta() {
        ByteBuffer bad = copy(first).putInt(RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET, 2);
        RecordBatchHeader.updateCrc(bad, 0);
        assertEquals(Failure.BAD_OFFSET_DELTA, BatchValidator.validate(bad, 1 << 20, true).failure());
    }

    private static ByteBuffer copy(ByteBuffer b) {
        return ByteBuffer.wrap(TestBatches.bytes(b));
    }
}

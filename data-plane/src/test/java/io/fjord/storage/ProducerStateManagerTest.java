package io.fjord.storage;

import static io.fjord.storage.TestBatches.idempotent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.storage.ProducerStateManager.BatchMetadata;
import io.fjord.storage.ProducerStateManager.CheckResult;
import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProducerStateManagerTest {
    static final long PID = 42;
    static final long DAY = ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS;

    final ProducerStateManager psm = new ProducerStateManager("topic-0", DAY);

    /** Appends batches of two records: sequences 2i..2i+1 at offsets 10i..10i+1, timestamp 1000+i. */
    private void appendPairs(short epoch, int count) {
        for (int i = 0; i < count; i++) {
            psm.update(PID, epoch, 2 * i, 2 * i + 1, 10L * i, 10L * i + 1, 1000 + i);
        }
    }

    @Test
    void aRetryOfAnyOfTheLastFiveBatchesIsADuplicateWithItsOriginalOffsets() {
        appendPairs((short) 0, 6); // sequences 0..11; the cache holds the batches at sequences 2..11
        for (int i = 1; i < 6; i++) {
            CheckResult r = psm.check(PID, (short) 0, 2 * i, 2 * i + 1);
            assertTrue(r.duplicate(), "batch " + i);
            assertEquals(new BatchMetadata(2 * i, 2 * i + 1, 10L * i, 10L * i + 1, 1000 + i), r.original());
        }
        assertEquals(5, psm.entry(PID).orElseThrow().batches().size());
        assertEquals(11, psm.entry(PID).orElseThrow().lastSeq());
    }

    @Test
    void aRetryOlderThanTheLastFiveBatchesIsOutOfOrder() {
        appendPairs((short) 0, 6);
        OutOfOrderSequenceException e = assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 0, 0, 1));
        assertEquals(12, e.expectedSequence());
        assertEquals(0, e.firstSequence());
        assertTrue(e.getMessage().contains("expected sequence 12, got 0"), e.getMessage());
        assertTrue(e.getMessage().contains("topic-0"), e.getMessage());
    }

    @Test
    void aDuplicateMustMatchTheWholeSequenceRange() {
        appendPairs((short) 0, 2); // 0..1, 2..3
        assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 0, 2, 2));
        assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 0, 0, 3));
    }

    @Test
    void theNextSequenceIsAcceptedAndAGapIsOutOfOrder() {
        appendPairs((short) 0, 3); // last sequence 5
        assertEquals(CheckResult.OK, psm.check(PID, (short) 0, 6, 9));
        OutOfOrderSequenceException e = assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 0, 7, 7));
        assertEquals(6, e.expectedSequence());
        assertEquals(PID, e.producerId());
        assertTrue(e.getMessage().contains("expected sequence 6, got 7"), e.getMessage());
    }

    @Test
    void anOlderEpochIsFencedEvenWhenItsSequencesMatchACachedBatch() {
        appendPairs((short) 3, 2);
        InvalidProducerEpochException e = assertThrows(InvalidProducerEpochException.class, () -> psm.check(PID, (short) 2, 0, 1));
        assertEquals(3, e.currentEpoch());
        assertEquals(2, e.producerEpoch());
        assertThrows(InvalidProducerEpochException.class, () -> psm.check(PID, (short) 2, 4, 5), "in sequence, still fenced");
    }

    @Test
    void aNewEpochStartsAtSequenceZeroAndReplacesTheCachedBatches() {
        appendPairs((short) 0, 3);
        OutOfOrderSequenceException e = assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 1, 6, 6));
        assertEquals(0, e.expectedSequence());
        assertEquals(CheckResult.OK, psm.check(PID, (short) 1, 0, 4));

        psm.update(PID, (short) 1, 0, 4, 100, 104, 2000);
        assertEquals(List.of(new BatchMetadata(0, 4, 100, 104, 2000)), psm.entry(PID).orElseThrow().batches());
        assertThrows(InvalidProducerEpochException.class, () -> psm.check(PID, (short) 0, 0, 1),
                "a retry from the old epoch is fenced, not a duplicate");
        assertTrue(psm.check(PID, (short) 1, 0, 4).duplicate());
    }

    @Test
    void anUnknownProducerIsAcceptedWithAnySequence() {
        assertEquals(CheckResult.OK, psm.check(7, (short) 5, 1234, 1240));
        assertEquals(CheckResult.OK, psm.check(7, (short) 0, 0, 0));
        assertEquals(0, psm.producerCount(), "check changes nothing");
    }

    @Test
    void producersExpireByTheTimestampOfTheirLastBatch() {
        psm.update(PID, (short) 0, 0, 0, 0, 0, 10_000);
        psm.update(8, (short) 0, 0, 0, 1, 1, 20_000);
        assertEquals(0, psm.removeExpiredProducers(10_000 + DAY - 1));
        assertEquals(1, psm.removeExpiredProducers(10_000 + DAY));
        assertFalse(psm.entry(PID).isPresent());
        assertTrue(psm.entry(8).isPresent());
        assertEquals(CheckResult.OK, psm.check(PID, (short) 0, 99, 99), "an expired producer may continue anywhere");
    }

    @Test
    void sequencesWrapAfterIntegerMaxValue() {
        assertEquals(1, ProducerStateManager.lastSequence(Integer.MAX_VALUE - 1, 3));
        assertEquals(Integer.MAX_VALUE, ProducerStateManager.lastSequence(Integer.MAX_VALUE - 2, 2));
        assertEquals(RecordBatchHeader.NO_SEQUENCE, ProducerStateManager.lastSequence(RecordBatchHeader.NO_SEQUENCE, 4));

        psm.update(8, (short) 0, Integer.MAX_VALUE - 3, Integer.MAX_VALUE, 0, 3, 1000);
        assertEquals(CheckResult.OK, psm.check(8, (short) 0, 0, 1), "after Integer.MAX_VALUE comes 0");
        assertThrows(OutOfOrderSequenceException.class, () -> psm.check(8, (short) 0, Integer.MIN_VALUE, 0));

        psm.update(PID, (short) 0, Integer.MAX_VALUE - 3, Integer.MAX_VALUE - 2, 0, 1, 1000);
        assertEquals(CheckResult.OK, psm.check(PID, (short) 0, Integer.MAX_VALUE - 1, 1));
        psm.update(PID, (short) 0, Integer.MAX_VALUE - 1, 1, 2, 5, 1000); // a batch spanning the wrap
        assertEquals(CheckResult.OK, psm.check(PID, (short) 0, 2, 2));
        assertThrows(OutOfOrderSequenceException.class, () -> psm.check(PID, (short) 0, 0, 0));
        assertTrue(psm.check(PID, (short) 0, Integer.MAX_VALUE - 1, 1).duplicate());
    }

    @Test
    void replayingHeadersSkipsBatchesWithoutProducerAndControlBatches() {
        ByteBuffer plain = TestBatches.batch(0, 2, 1000, 10, 0);
        ByteBuffer first = idempotent(PID, (short) 1, 0, 3, 2000);
        first.putLong(RecordBatchHeader.BASE_OFFSET_OFFSET, 2);
        ByteBuffer marker = idempotent(9, (short) 0, RecordBatchHeader.NO_SEQUENCE, 1, 3000);
        marker.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) RecordBatchHeader.CONTROL_FLAG_MASK);
        marker.putLong(RecordBatchHeader.BASE_OFFSET_OFFSET, 5);
        ByteBuffer second = idempotent(PID, (short) 1, 3, 2, 4000);
        second.putLong(RecordBatchHeader.BASE_OFFSET_OFFSET, 6);

        psm.loadFrom(TestBatches.concat(plain, first, marker, second));

        assertEquals(1, psm.producerCount());
        var entry = psm.entry(PID).orElseThrow();
        assertEquals(1, entry.epoch());
        assertEquals(List.of(new BatchMetadata(0, 2, 2, 4, 2000), new BatchMetadata(3, 4, 6, 7, 4000)), entry.batches());
        assertEquals(4000, entry.lastTimestamp());
    }

    @Test
    void replicatedBatchesAreRecordedWithoutChecks() {
        appendPairs((short) 2, 2);
        psm.update(PID, (short) 1, 50, 50, 30, 30, 1500); // what the leader wrote stands, even an odd epoch
        assertEquals(1, psm.entry(PID).orElseThrow().epoch());
        assertEquals(50, psm.entry(PID).orElseThrow().lastSeq());
    }

    @Test
    void severalBatchesInOneLeaderAppendMayNotCarryAProducerId() {
        ByteBuffer plain = TestBatches.batch(1, 1000, 10);
        ProducerStateManager.requireOneBatchIfIdempotent(TestBatches.concat(plain, plain), "p");
        ProducerStateManager.requireOneBatchIfIdempotent(idempotent(PID, (short) 0, 0, 1, 1000), "p");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProducerStateManager
                .requireOneBatchIfIdempotent(TestBatches.concat(plain, idempotent(PID, (short) 0, 0, 1, 1000)), "p"));
        assertTrue(e.getMessage().contains("one batch per partition"), e.getMessage());
    }
}

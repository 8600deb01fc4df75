package io.fjord.replication;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EpochHistoryTest {
    private final EpochHistory h = EpochHistory.of(1, 0, 3, 10, 4, 20);

    @Test
    void endOffsetForFollowsKafkasLeaderEpochCache() {
        assertEquals(Optional.of(new EpochEndOffset(4, 25)), h.endOffsetFor(4, 25), "latest ends at the log end");
        assertEquals(Optional.of(new EpochEndOffset(3, 20)), h.endOffsetFor(3, 25), "ends where the next starts");
        assertEquals(Optional.of(new EpochEndOffset(1, 10)), h.endOffsetFor(2, 25), "an unknown epoch answers its floor");
        assertEquals(Optional.of(new EpochEndOffset(0, 0)), h.endOffsetFor(0, 25), "below the first: the first start");
        assertEquals(Optional.empty(), h.endOffsetFor(5, 25));
        assertEquals(Optional.empty(), h.endOffsetFor(-1, 25));
        assertEquals(Optional.empty(), EpochHistory.EMPTY.endOffsetFor(0, 0));
    }

    @Test
    void assignDropsEntriesThatWouldBreakTheOrder() {
        assertEquals(h, h.assign(4, 22), "the latest epoch again is a no-op");
        assertEquals(EpochHistory.of(1, 0, 3, 10, 5, 15), h.assign(5, 15));
        assertEquals(h, h.assign(-1, 30), "batches without an epoch");
    }

    @Test
    void truncation() {
        assertEquals(EpochHistory.of(1, 0, 3, 10), h.truncateFromEnd(20), "an epoch starting at the new end goes");
        assertEquals(h, h.truncateFromEnd(21));
        assertEquals(EpochHistory.of(3, 12, 4, 20), h.truncateFromStart(12));
        assertEquals(h, h.truncateFromStart(0));
    }

    @Test
    void rejectsOutOfOrderEntries() {
        assertThrows(IllegalArgumentException.class, () -> EpochHistory.of(2, 0, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> EpochHistory.of(1, 5, 2, 3));
    }
}

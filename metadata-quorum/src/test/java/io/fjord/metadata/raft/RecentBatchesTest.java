package io.fjord.metadata.raft;

import io.fjord.proto.metadata.MetadataBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RecentBatchesTest {
    @Test
    void servesFromMemoryOnlyWhileEverythingAfterTheOffsetIsHeld() {
        RecentBatches r = new RecentBatches(3);
        assertEquals(List.of(), r.from(0, 10), "fresh log: nothing yet, nothing missing");
        for (long o : new long[] {2, 5, 6, 9}) {
            r.add(o, MetadataBatch.getDefaultInstance());
        }
        assertEquals(2, r.coveredAfter(), "offset 2 was evicted");
        assertNull(r.from(0, 10));
        assertNull(r.from(2, 10));
        assertEquals(List.of(5L, 6L, 9L), r.from(3, 10).stream().map(RecentBatches.Entry::offset).toList());
        assertEquals(List.of(6L), r.from(6, 1).stream().map(RecentBatches.Entry::offset).toList());
        assertEquals(List.of(), r.from(10, 10));
        r.reset(100);
        assertNull(r.from(50, 10), "after a snapshot load, older offsets need the image");
        assertEquals(List.of(), r.from(101, 10));
    }
}

package io.fjord.storage;

import static io.fjord.storage.PartitionLogAppendReadTest.config;
import static io.fjord.storage.PartitionLogRecoveryTest.readAll;
import static io.fjord.storage.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling segments by size, time and index capacity; retention by time and size; truncation. */
class PartitionLogRetentionTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();

    /** Appends one 161-byte batch stamped with the current mock time. */
    private void append(PartitionLog log) {
        log.appendAsLeader(batch(1, time.milliseconds(), 100), 0);
    }

    private long logFileCount() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".log")).count();
        }
    }

    @Test
    void rollsWhenTheNextAppendWouldExceedSegmentBytes() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("segment.bytes", "1000")), time)) {
            for (int i = 0; i < 13; i++) {
                append(log);
            }
            // 6 x 161 = 966 bytes fit in 1000; the 7th batch goes to a new segment.
            assertEquals(List.of(0L, 6L, 12L), log.segmentBaseOffsets());
            assertEquals(3, logFileCount());
            assertTrue(Files.exists(dir.resolve("00000000000000000006.index")));
            assertTrue(Files.exists(dir.resolve("00000000000000000006.timeindex")));
            assertEquals(966, Files.size(dir.resolve("00000000000000000000.log")));
        }
    }

    @Test
    void aBatchLargerThanSegmentBytesGetsASegmentOfItsOwn() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("segment.bytes", "100")), time)) {
            append(log);
            append(log);
            assertEquals(List.of(0L, 1L), log.segmentBaseOffsets());
        }
    }

    @Test
    void rollsWhenTheActiveSegmentIsOlderThanSegmentMs() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("segment.ms", "1000")), time)) {
            append(log);
            time.advance(1000);
            append(log);
            assertEquals(List.of(0L), log.segmentBaseOffsets(), "exactly segment.ms old is not older");
            time.advance(1);
            append(log);
            assertEquals(List.of(0L, 2L), log.segmentBaseOffsets());
            time.advance(500);
            append(log);
            assertEquals(List.of(0L, 2L), log.segmentBaseOffsets(), "age counts from the segment's first append");
        }
    }

    @Test
    void rollsWhenAnIndexIsFull() {
        // 24 bytes hold 3 offset entries and 2 time entries (one kept for the roll); an entry per batch.
        LogConfig c = config(Map.of("segment.index.bytes", "24", "index.interval.bytes", "0"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 20; i++) {
                time.advance(1);
                append(log);
            }
            assertTrue(log.segmentCount() >= 5, "segments: " + log.segmentBaseOffsets());
            assertEquals(20, readAll(log).size());
        }
    }

    @Test
    void timeRetentionDeletesWholeOldSegmentsAndTheStartOffsetSurvivesReopen() {
        LogConfig c = config(Map.of("segment.bytes", "1000", "retention.ms", "10000"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 6; i++) {
                append(log);          // segment 0: offsets 0-5, newest timestamp t0
            }
            time.advance(5000);
            for (int i = 0; i < 6; i++) {
                append(log);          // segment 6: newest timestamp t0 + 5000
            }
            time.advance(5000);
            append(log);              // active segment 12
            assertEquals(0, log.deleteExpiredSegments(), "segment 0 is exactly retention.ms old");
            time.advance(1);
            assertEquals(1, log.deleteExpiredSegments());
            assertEquals(6, log.logStartOffset());
            assertEquals(List.of(6L, 12L), log.segmentBaseOffsets());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1000, Long.MAX_VALUE, true));
        }
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            assertEquals(6, log.logStartOffset());
            assertEquals(13, log.logEndOffset());
            assertEquals(7, readAll(log).size());
        }
    }

    @Test
    void anExpiredActiveSegmentIsRolledAndDeleted() {
        LogConfig c = config(Map.of("retention.ms", "1000"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            append(log);
            append(log);
            time.advance(1001);
            assertEquals(1, log.deleteExpiredSegments());
            assertEquals(2, log.logStartOffset());
            assertEquals(2, log.logEndOffset());
            assertEquals(List.of(2L), log.segmentBaseOffsets());
            assertEquals(0, log.deleteExpiredSegments(), "an empty active segment stays");
            assertEquals(2, log.appendAsLeader(batch(1, time.milliseconds(), 10), 0).firstOffset());
        }
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            assertEquals(2, log.logStartOffset());
        }
    }

    @Test
    void retentionKeepsDataAboveTheUpperBound() {
        LogConfig c = config(Map.of("segment.bytes", "1000", "retention.ms", "1000"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 13; i++) {
                append(log); // segments 0, 6, 12
            }
            time.advance(2000);
            assertEquals(1, log.deleteExpiredSegments(10), "segment 6 ends at 12, above the high watermark 10");
            assertEquals(6, log.logStartOffset());
        }
    }

    @Test
    void sizeRetentionDeletesOldestSegmentsWhileTheLogIsTooBig() {
        LogConfig c = config(Map.of("segment.bytes", "1000", "retention.bytes", "2000"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 20; i++) {
                append(log); // segments 0, 6, 12 of 966 bytes, 18 of 322: 3220 bytes
            }
            assertEquals(3220, log.sizeInBytes());
            assertEquals(1, log.deleteExpiredSegments(), "deleting segment 6 too would leave less than 2000");
            assertEquals(6, log.logStartOffset());
            assertEquals(2254, log.sizeInBytes());
        }
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            assertEquals(6, log.logStartOffset());
        }
    }

    @Test
    void compactOnlyTopicsAreNotDeletedByRetention() {
        LogConfig c = config(Map.of("segment.bytes", "1000", "retention.ms", "1", "retention.bytes", "0",
                "cleanup.policy", "compact"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 20; i++) {
                append(log);
            }
            time.advance(10_000);
            assertEquals(0, log.deleteExpiredSegments());
        }
    }

    @Test
    void truncateToRemovesLaterSegmentsAndAppendsContinue() {
        LogConfig c = config(Map.of("segment.bytes", "1000"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 20; i++) {
                append(log);
            }
            log.truncateTo(8);
            assertEquals(8, log.logEndOffset());
            assertEquals(List.of(0L, 6L), log.segmentBaseOffsets());
            assertEquals(8, readAll(log).size());
            log.truncateTo(50); // past the end: nothing to do
            assertEquals(8, log.logEndOffset());
            for (int i = 0; i < 10; i++) {
                append(log);
            }
            assertEquals(List.of(0L, 6L, 12L), log.segmentBaseOffsets());
            assertEquals(18, readAll(log).size());
        }
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            assertEquals(18, log.logEndOffset());
        }
    }

    @Test
    void truncatingIntoABatchRemovesTheWholeBatch() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            log.appendAsLeader(batch(5, 1, 10), 0); // 0-4
            log.appendAsLeader(batch(5, 1, 10), 0); // 5-9
            log.truncateTo(7);
            assertEquals(5, log.logEndOffset());
        }
    }

    @Test
    void truncateFullyStartsAnEmptyLogAtTheOffset() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("segment.bytes", "1000")), time)) {
            for (int i = 0; i < 10; i++) {
                append(log);
            }
            log.truncateFullyAndStartAt(100);
            assertEquals(100, log.logStartOffset());
            assertEquals(100, log.logEndOffset());
            assertEquals(List.of(100L), log.segmentBaseOffsets());
            assertEquals(100, log.appendAsLeader(batch(1, 1, 10), 0).firstOffset());
        }
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(100, log.logStartOffset());
            assertEquals(101, log.logEndOffset());
        }
    }
}

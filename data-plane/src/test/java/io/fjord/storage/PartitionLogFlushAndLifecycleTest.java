package io.fjord.storage;

import static io.fjord.storage.PartitionLogAppendReadTest.config;
import static io.fjord.storage.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogFlushAndLifecycleTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();

    private static void append(PartitionLog log, int n) {
        for (int i = 0; i < n; i++) {
            log.appendAsLeader(batch(1, 1, 10), 0);
        }
    }

    @Test
    void byDefaultNothingIsFsyncedExplicitly() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            append(log, 5);
            time.advance(1_000_000);
            log.maybeFlush();
            assertEquals(0, log.recoveryPoint());
            log.flush();
            assertEquals(5, log.recoveryPoint(), "an explicit flush covers everything");
        }
    }

    @Test
    void flushMessagesFsyncsOnceEnoughMessagesAreUnflushed() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("flush.messages", "3")), time)) {
            append(log, 2);
            assertEquals(0, log.recoveryPoint());
            append(log, 1);
            assertEquals(3, log.recoveryPoint(), "the third message is fsynced before the append returns");
            log.appendAsLeader(batch(4, 1, 10), 0);
            assertEquals(7, log.recoveryPoint());
        }
    }

    @Test
    void flushMsFsyncsWhenTheLastFlushIsOldEnough() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("flush.ms", "1000")), time)) {
            append(log, 2);
            time.advance(999);
            log.maybeFlush();
            assertEquals(0, log.recoveryPoint());
            time.advance(1);
            log.maybeFlush();
            assertEquals(2, log.recoveryPoint());
        }
    }

    @Test
    void rolledSegmentsAreFsyncedByMaybeFlush() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("segment.bytes", "200")), time)) {
            append(log, 5); // 71-byte batches, two per segment
            assertEquals(List.of(0L, 2L, 4L), log.segmentBaseOffsets());
            log.maybeFlush();
            assertEquals(4, log.recoveryPoint(), "up to the active segment, as Kafka flushes after a roll");
        }
    }

    @Test
    void updateConfigAppliesToLaterAppends() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            append(log, 3);
            log.updateConfig(config(Map.of("segment.bytes", "100")));
            append(log, 1);
            assertEquals(List.of(0L, 3L), log.segmentBaseOffsets());
            assertEquals(100, log.config().segmentBytes());
        }
    }

    @Test
    void aClosedLogRefusesWorkAndCloseIsIdempotent() {
        PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time);
        append(log, 1);
        log.close();
        log.close();
        assertThrows(StorageException.class, () -> log.read(0, 100, Long.MAX_VALUE, true));
        assertThrows(StorageException.class, () -> log.appendAsLeader(batch(1, 1, 10), 0));
    }

    @Test
    void deleteRemovesTheDirectory() {
        PartitionLog log = PartitionLog.open(dir.resolve("t-0"), LogConfig.defaults(), time);
        append(log, 3);
        log.delete();
        assertFalse(Files.exists(dir.resolve("t-0")));
    }
}

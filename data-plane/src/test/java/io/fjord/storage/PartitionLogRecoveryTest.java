package io.fjord.storage;

import static io.fjord.storage.PartitionLogAppendReadTest.config;
import static io.fjord.storage.TestBatches.batch;
import static io.fjord.storage.TestBatches.batchesIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogRecoveryTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig rolling = config(Map.of("segment.bytes", "2000", "index.interval.bytes", "200"));

    /** Every batch of the log, read batch by batch from the start. */
    static List<TestBatches.Seen> readAll(PartitionLog log) {
        List<TestBatches.Seen> all = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            List<TestBatches.Seen> seen = batchesIn(log.read(offset, 1 << 20, Long.MAX_VALUE, true).records());
            assertFalse(seen.isEmpty(), "no data at " + offset + " below the log end " + log.logEndOffset());
            all.addAll(seen);
            offset = seen.get(seen.size() - 1).lastOffset() + 1;
        }
        return all;
    }

    /** Appends n one-record batches of 100 bytes of filler (161 bytes each). */
    static void appendBatches(PartitionLog log, int n) {
        for (int i = 0; i < n; i++) {
            log.appendAsLeader(batch(1, 1000 + log.logEndOffset(), 100), 0);
        }
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static void truncateFile(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, position);
            one.put(0, (byte) ~one.get(0)).rewind();
            ch.write(one, position);
        }
    }

    @Test
    void cleanReopenKeepsEverything() {
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            appendBatches(log, 40);
        }
        assertTrue(Files.exists(dir.resolve("clean-shutdown")));
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertFalse(Files.exists(dir.resolve("clean-shutdown")), "the marker is deleted on open");
            assertEquals(40, log.logEndOffset());
            assertEquals(40, readAll(log).size());
            appendBatches(log, 5);
            assertEquals(45, readAll(log).size());
        }
    }

    @Test
    void missingIndexesAreRebuilt() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            appendBatches(log, 60);
            assertTrue(log.segmentCount() >= 4);
        }
        for (Path p : files(".index")) {
            Files.delete(p);
        }
        Files.delete(files(".timeindex").get(0));
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(60, log.logEndOffset());
            List<TestBatches.Seen> all = readAll(log);
            assertEquals(60, all.size());
            for (long offset = 0; offset < 60; offset++) {
                assertEquals(offset, batchesIn(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset());
            }
            assertEquals(new TimestampOffset(1030, 30), log.offsetForTimestamp(1030).orElseThrow());
        }
        assertTrue(Files.size(files(".index").get(0)) > 0, "rebuilt index has entries");
    }

    @Test
    void garbageInAnIndexIsDetectedAndRebuilt() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            appendBatches(log, 30);
        }
        Path index = files(".index").get(0);
        Files.write(index, new byte[] {0, 0, 0, 9, 0, 0, 0, 7}, StandardOpenOption.APPEND); // points inside a batch
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(30, readAll(log).size());
        }
    }

    @Test
    void aZeroFilledIndexIsDetectedAndRebuilt() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            appendBatches(log, 30);
        }
        Path index = files(".index").get(0);
        byte[] zeros = new byte[(int) Files.size(index)];
        assertTrue(zeros.length >= 16, "at least two entries");
        Files.write(index, zeros); // e.g. a power loss: the length reached the disk, the data did not
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(30, readAll(log).size());
        }
        assertFalse(java.util.Arrays.equals(zeros, Files.readAllBytes(index)), "rebuilt");
    }

    @Test
    void tornTailIsTruncatedAfterACrash() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, LogConfig.defaults(), time);
        appendBatches(crashed, 5); // 5 x 161 bytes; no close: a crash leaves no marker and untrimmed indexes
        Path logFile = files(".log").get(0);
        truncateFile(logFile, 4 * 161 + 50); // the last write was torn mid-batch

        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(4, log.logEndOffset(), "log end = after the last whole batch");
            assertEquals(4 * 161, Files.size(logFile), "torn bytes cut off");
            AppendResult r = log.appendAsLeader(batch(1, 2000, 100), 0);
            assertEquals(4, r.firstOffset(), "appends continue where the valid data ends");
            assertEquals(5, readAll(log).size());
        }
    }

    @Test
    void tornHeaderIsTruncatedToo() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, LogConfig.defaults(), time);
        appendBatches(crashed, 3);
        Path logFile = files(".log").get(0);
        truncateFile(logFile, 2 * 161 + 20); // not even a whole header of the third batch
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(2, log.logEndOffset());
        }
    }

    @Test
    void corruptBatchAndEverythingAfterItAreDropped() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, LogConfig.defaults(), time);
        appendBatches(crashed, 6);
        Path logFile = files(".log").get(0);
        flipByte(logFile, 3 * 161 + 100); // inside the records of batch 3 (offset 3)

        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(3, log.logEndOffset(), "batch 3 fails its CRC; it and batches 4, 5 are dropped");
            assertEquals(3, readAll(log).size());
            assertEquals(3, log.appendAsLeader(batch(1, 1, 10), 0).firstOffset());
        }
    }

    @Test
    void corruptLastBatchIsDropped() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, LogConfig.defaults(), time);
        appendBatches(crashed, 4);
        flipByte(files(".log").get(0), 4 * 161 - 1);
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(3, log.logEndOffset());
        }
    }

    @Test
    void crashWithManySegmentsRecoversTheActiveOneAndKeepsTheRest() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, rolling, time);
        appendBatches(crashed, 50);
        int segments = crashed.segmentCount();
        List<Path> logs = files(".log");
        Path active = logs.get(logs.size() - 1);
        truncateFile(active, Files.size(active) - 10);

        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(49, log.logEndOffset());
            assertEquals(segments, log.segmentCount());
            assertEquals(49, readAll(log).size());
            appendBatches(log, 30);
            assertEquals(79, readAll(log).size());
        }
    }

    @Test
    void aTornOlderSegmentTruncatesTheLogThereAndDropsLaterSegments() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, rolling, time);
        appendBatches(crashed, 50);
        List<Path> logs = files(".log");
        Path second = logs.get(1);
        long secondBase = Long.parseLong(second.getFileName().toString().substring(0, 20));
        truncateFile(second, Files.size(second) - 10); // e.g. a power loss before a flush

        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(2, log.segmentCount(), "segments after the torn one are not trusted");
            long expectedEnd = secondBase + (Files.size(second) / 161);
            assertEquals(expectedEnd, log.logEndOffset());
            assertEquals(expectedEnd, readAll(log).size());
            appendBatches(log, 3);
            assertEquals(expectedEnd + 3, readAll(log).size());
        }
    }

    @Test
    void uncleanReopenRebuildsTheActiveIndexAndOffsetsStayCorrect() {
        PartitionLog crashed = PartitionLog.open(dir, config(Map.of("index.interval.bytes", "0")), time);
        appendBatches(crashed, 100);
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("index.interval.bytes", "0")), time)) {
            for (long offset = 0; offset < 100; offset += 7) {
                assertEquals(offset, batchesIn(log.read(offset, 1, Long.MAX_VALUE, true).records()).get(0).baseOffset());
            }
            appendBatches(log, 1);
            assertEquals(101, readAll(log).size());
        }
    }
}

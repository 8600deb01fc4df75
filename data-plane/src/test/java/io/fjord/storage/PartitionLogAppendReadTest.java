package io.fjord.storage;

import static io.fjord.storage.TestBatches.batch;
import static io.fjord.storage.TestBatches.batchesIn;
import static io.fjord.storage.TestBatches.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogAppendReadTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();

    static LogConfig config(Map<String, String> overrides) {
        return LogConfig.fromMap(overrides, LogConfig.defaults());
    }

    /** Appends n batches of the given record count and payload size; returns the log end offset. */
    static long appendMany(PartitionLog log, int n, int records, int payload, long timestamp) {
        for (int i = 0; i < n; i++) {
            log.appendAsLeader(batch(records, timestamp, payload), 0);
        }
        return log.logEndOffset();
    }

    @Test
    void appendThenReadReturnsTheSameBytesWithOffsetsAndEpochAssigned() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            ByteBuffer first = batch(999, 3, 1000, 100, -1); // the producer's base offset is overwritten
            AppendResult r1 = log.appendAsLeader(first, 7);
            assertEquals(new AppendResult(0, 2, -1, 1000, 161), r1);
            assertEquals(0, RecordBatchHeader.baseOffset(first, 0), "base offset rewritten in place");
            assertEquals(7, RecordBatchHeader.partitionLeaderEpoch(first, 0), "leader epoch stamped in place");
            assertTrue(RecordBatchHeader.isCrcValid(first, 0), "offset and epoch are outside the CRC");

            ByteBuffer second = TestBatches.concat(batch(2, 1001, 50), batch(4, 1002, 10));
            AppendResult r2 = log.appendAsLeader(second, 7);
            assertEquals(3, r2.firstOffset());
            assertEquals(8, r2.lastOffset());
            assertEquals(9, log.logEndOffset());

            ReadResult all = log.read(0, 1 << 20, Long.MAX_VALUE, false);
            assertArrayEquals(bytes(TestBatches.concat(first, second)), bytes(all.records()));
            assertEquals(0, all.logStartOffset());
            assertEquals(9, all.logEndOffset());
            List<TestBatches.Seen> seen = batchesIn(all.records());
            assertEquals(List.of(0L, 3L, 5L), seen.stream().map(TestBatches.Seen::baseOffset).toList());
        }
    }

    @Test
    void readsReturnWholeBatchesWithinMaxBytesAndBelowMaxOffset() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            appendMany(log, 10, 2, 100, 1000); // 10 batches of 161 bytes, offsets 0..19
            assertEquals(2, batchesIn(log.read(0, 400, Long.MAX_VALUE, false).records()).size(), "400 bytes hold 2 batches");
            assertEquals(322, log.read(0, 482, Long.MAX_VALUE, false).records().remaining());
            assertEquals(483, log.read(0, 483, Long.MAX_VALUE, false).records().remaining());

            assertEquals(0, log.read(0, 100, Long.MAX_VALUE, false).records().remaining(), "a batch is never split");
            List<TestBatches.Seen> one = batchesIn(log.read(0, 100, Long.MAX_VALUE, true).records());
            assertEquals(1, one.size(), "minOneBatch returns the whole first batch even past maxBytes");
            assertEquals(161, one.get(0).size());

            // The high watermark at offset 6 lets consumers see batches 0-1, 2-3, 4-5 only.
            ByteBuffer belowHwBuffer = log.read(0, 1 << 20, 6, false).records();
            assertEquals(belowHwBuffer.limit(), belowHwBuffer.capacity(), "no buffer space for batches above the limit");
            List<TestBatches.Seen> belowHw = batchesIn(belowHwBuffer);
            assertEquals(List.of(0L, 2L, 4L), belowHw.stream().map(TestBatches.Seen::baseOffset).toList());
            assertEquals(0, log.read(6, 1 << 20, 6, true).records().remaining(), "nothing at the high watermark");

            List<TestBatches.Seen> fromMiddle = batchesIn(log.read(7, 1 << 20, Long.MAX_VALUE, false).records());
            assertEquals(6, fromMiddle.get(0).baseOffset(), "starts with the batch containing the offset");
            assertEquals(19, fromMiddle.get(fromMiddle.size() - 1).lastOffset());
        }
    }

    @Test
    void offsetsOutsideTheLogAreOutOfRangeAndTheEndIsEmpty() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            appendMany(log, 3, 1, 10, 1000);
            assertEquals(0, log.read(3, 1000, Long.MAX_VALUE, true).records().remaining());
            OffsetOutOfRangeException above = assertThrows(OffsetOutOfRangeException.class,
                    () -> log.read(4, 1000, Long.MAX_VALUE, true));
            assertEquals(0, above.logStartOffset());
            assertEquals(3, above.logEndOffset());
            assertTrue(above.getMessage().contains("from 0") && above.getMessage().contains("up to 3"), above.getMessage());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 1000, Long.MAX_VALUE, true));
        }
    }

    @Test
    void indexLookupFindsEveryOffsetAcrossManyBatchesAndSegments() {
        LogConfig c = config(Map.of("segment.bytes", "20000", "index.interval.bytes", "300"));
        Random random = new Random(42);
        List<long[]> ranges = new ArrayList<>(); // base, last
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 600; i++) {
                AppendResult r = log.appendAsLeader(batch(1 + random.nextInt(5), 1000 + i, random.nextInt(400)), 0);
                ranges.add(new long[] {r.firstOffset(), r.lastOffset()});
            }
            assertTrue(log.segmentCount() > 5, "rolled into " + log.segmentCount() + " segments");
            for (long offset = 0; offset < log.logEndOffset(); offset++) {
                List<TestBatches.Seen> seen = batchesIn(log.read(offset, 1, Long.MAX_VALUE, true).records());
                assertEquals(1, seen.size());
                assertTrue(seen.get(0).baseOffset() <= offset && offset <= seen.get(0).lastOffset(),
                        "offset " + offset + " in " + seen.get(0));
            }
            // A large read stays within one segment and ends on a batch boundary.
            ByteBuffer big = log.read(0, 1 << 20, Long.MAX_VALUE, false).records();
            List<TestBatches.Seen> seen = batchesIn(big);
            assertEquals(log.segmentBaseOffsets().get(1), seen.get(seen.size() - 1).lastOffset() + 1);
        }
    }

    @Test
    void logAppendTimeStampsBrokerTimeAndRecomputesTheCrc() {
        LogConfig c = config(Map.of("message.timestamp.type", "LogAppendTime"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            AppendResult r = log.appendAsLeader(batch(2, 5, 20), 1);
            assertEquals(time.milliseconds(), r.logAppendTimeMs());
            assertEquals(time.milliseconds(), r.maxTimestamp());
            ByteBuffer read = log.read(0, 1000, Long.MAX_VALUE, true).records();
            assertTrue(RecordBatchHeader.isLogAppendTime(read, 0));
            assertEquals(time.milliseconds(), RecordBatchHeader.maxTimestamp(read, 0));
            assertEquals(5, RecordBatchHeader.baseTimestamp(read, 0));
            batchesIn(read); // CRC valid
        }
    }

    @Test
    void malformedBatchesAreRejectedAndChangeNothing() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            appendMany(log, 2, 1, 10, 1000);
            long size = Files.size(dir.resolve("00000000000000000000.log"));
            ByteBuffer torn = batch(1, 1000, 50).limit(80);
            assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(torn, 0));
            ByteBuffer tooBig = batch(1, 1000, 2_000_000);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(tooBig, 0));
            assertTrue(e.getMessage().contains("max.message.bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(ByteBuffer.allocate(0), 0));
            assertEquals(2, log.logEndOffset());
            assertEquals(size, Files.size(dir.resolve("00000000000000000000.log")));
        }
    }

    @Test
    void followerAppendKeepsOffsetsAndRejectsOverlap() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            AppendResult r = log.appendAsFollower(TestBatches.concat(batch(0, 3, 1000, 10, 4), batch(3, 2, 1001, 10, 4)));
            assertEquals(0, r.firstOffset());
            assertEquals(4, r.lastOffset());
            assertEquals(5, log.logEndOffset());
            UnexpectedAppendOffsetException e = assertThrows(UnexpectedAppendOffsetException.class,
                    () -> log.appendAsFollower(batch(4, 1, 1002, 10, 4)));
            assertEquals(4, e.firstOffset());
            assertEquals(5, e.logEndOffset());
            assertThrows(IllegalArgumentException.class,
                    () -> log.appendAsFollower(TestBatches.concat(batch(5, 2, 1, 10, 4), batch(6, 1, 1, 10, 4))));
            ByteBuffer corrupt = batch(5, 1, 1003, 10, 4);
            corrupt.put(70, (byte) (corrupt.get(70) + 1));
            assertThrows(IllegalArgumentException.class, () -> log.appendAsFollower(corrupt), "CRC checked");

            log.appendAsFollower(batch(10, 1, 1004, 10, 4)); // the leader may have a gap (compaction)
            assertEquals(11, log.logEndOffset());
            List<TestBatches.Seen> seen = batchesIn(log.read(5, 1000, Long.MAX_VALUE, true).records());
            assertEquals(10, seen.get(0).baseOffset(), "a read in the gap starts at the next batch");
        }
    }

    @Test
    void concurrentReadersSeeOnlyWholeCommittedBatches() throws Exception {
        LogConfig c = config(Map.of("segment.bytes", "50000", "index.interval.bytes", "500"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            int batches = 3000;
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread writer = new Thread(() -> {
                Random random = new Random(1);
                for (int i = 0; i < batches; i++) {
                    log.appendAsLeader(batch(1 + random.nextInt(3), i, random.nextInt(300)), 0);
                }
            });
            Thread[] readers = new Thread[3];
            for (int t = 0; t < readers.length; t++) {
                long seed = t;
                readers[t] = new Thread(() -> {
                    Random random = new Random(seed);
                    try {
                        while (writer.isAlive()) {
                            long end = log.logEndOffset();
                            long offset = end == 0 ? 0 : random.nextLong(end + 1);
                            ReadResult r = log.read(offset, 1 + random.nextInt(4000), Long.MAX_VALUE, random.nextBoolean());
                            List<TestBatches.Seen> seen = batchesIn(r.records());
                            if (!seen.isEmpty()) {
                                assertTrue(seen.get(0).baseOffset() <= offset && offset <= seen.get(0).lastOffset());
                                assertTrue(seen.get(seen.size() - 1).lastOffset() < r.logEndOffset());
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
            }
            writer.start();
            for (Thread r : readers) {
                r.start();
            }
            writer.join();
            for (Thread r : readers) {
                r.join();
            }
            assertEquals(List.of(), failures);
        }
    }
    @Test
    void readersRacingRetentionGetDataOrOutOfRangeNeverAStorageError() throws Exception {
        LogConfig c = config(Map.of("segment.bytes", "2000", "retention.bytes", "6000", "index.interval.bytes", "100"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread writer = new Thread(() -> {
                for (int i = 0; i < 1500; i++) {
                    log.appendAsLeader(batch(1, time.milliseconds(), 100), 0);
                    log.deleteExpiredSegments();
                }
            });
            Thread reader = new Thread(() -> {
                Random random = new Random(7);
                try {
                    while (writer.isAlive()) {
                        long start = log.logStartOffset();
                        long offset = start + random.nextLong(Math.max(1, log.logEndOffset() - start));
                        try {
                            batchesIn(log.read(offset, 1000, Long.MAX_VALUE, true).records());
                        } catch (OffsetOutOfRangeException expected) {
                            // retention moved the start past it meanwhile: what a consumer sees too
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            writer.start();
            reader.start();
            writer.join();
            reader.join();
            assertEquals(List.of(), failures);
            assertTrue(log.logStartOffset() > 1400, "retention ran: start " + log.logStartOffset());
        }
    }
}

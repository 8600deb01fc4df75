package io.fjord.storage;

import static io.fjord.storage.PartitionLogAppendReadTest.config;
import static io.fjord.storage.PartitionLogRecoveryTest.readAll;
import static io.fjord.storage.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.storage.ProducerStateManager.ProducerEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogIdempotenceTest {
    static final long PID = 1000;
    static final long DAY = ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS;

    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    /** 81-byte batches: 24 to a segment. */
    final LogConfig rolling = config(Map.of("segment.bytes", "2000", "index.interval.bytes", "200"));

    /** A fresh buffer each time, as a retry arrives in a new request. */
    private ByteBuffer send(long pid, int epoch, int seq, int records) {
        return TestBatches.idempotent(pid, (short) epoch, seq, records, time.milliseconds());
    }

    private ByteBuffer send(int seq, int records) {
        return send(PID, 0, seq, records);
    }

    /** Appends n one-record batches of PID, epoch 0, sequences from seq. */
    private void sendMany(PartitionLog log, int seq, int n) {
        for (int i = 0; i < n; i++) {
            assertFalse(log.appendAsLeader(send(seq + i, 1), 0).duplicate());
        }
    }

    private static int lastSeq(PartitionLog log, long pid) {
        return log.producerStateSnapshot().get(pid).lastSeq();
    }

    @Test
    void aRetryReturnsTheOriginalOffsetsAndWritesNothing() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            log.appendAsLeader(batch(2, 1000, 50), 0); // offsets 0-1, no producer
            AppendResult first = log.appendAsLeader(send(0, 3), 0);
            assertEquals(new AppendResult(2, 4, -1, time.milliseconds(), 81, false), first);
            log.appendAsLeader(send(3, 1), 0); // offset 5
            long size = log.sizeInBytes();

            time.advance(10);
            AppendResult retry = log.appendAsLeader(send(0, 3), 0);
            assertEquals(new AppendResult(2, 4, -1, time.milliseconds() - 10, 0, true), retry);
            assertTrue(log.appendAsLeader(send(3, 1), 0).duplicate());
            assertEquals(6, log.logEndOffset());
            assertEquals(size, log.sizeInBytes());
            assertEquals(3, readAll(log).size());

            assertEquals(6, log.appendAsLeader(send(4, 2), 0).firstOffset(), "the sequence goes on after retries");
        }
    }

    @Test
    void outOfOrderAndFencedBatchesAreRefusedAndWriteNothing() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            log.appendAsLeader(send(PID, 1, 0, 2), 0);
            OutOfOrderSequenceException gap = assertThrows(OutOfOrderSequenceException.class,
                    () -> log.appendAsLeader(send(PID, 1, 3, 1), 0));
            assertTrue(gap.getMessage().contains(dir.toString()), gap.getMessage());
            assertTrue(gap.getMessage().contains("expected sequence 2, got 3"), gap.getMessage());
            assertThrows(InvalidProducerEpochException.class, () -> log.appendAsLeader(send(PID, 0, 2, 1), 0));
            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(send(PID, 2, 1, 1), 0));
            assertEquals(2, log.logEndOffset());

            assertEquals(2, log.appendAsLeader(send(PID, 2, 0, 1), 0).firstOffset(), "a new epoch from 0");
            assertEquals(3, log.appendAsLeader(send(77, 4, 500, 1), 0).firstOffset(), "an unknown producer");
        }
    }

    @Test
    void severalBatchesWithAProducerIdInOneAppendAreRejected() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            ByteBuffer two = TestBatches.concat(batch(1, 1000, 10), send(0, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(two, 0));
            assertTrue(e.getMessage().contains("one batch per partition"), e.getMessage());
            assertEquals(0, log.logEndOffset());
            assertEquals(0, log.appendAsLeader(TestBatches.concat(batch(1, 1000, 10), batch(1, 1000, 10)), 0).firstOffset());
        }
    }

    @Test
    void stateSurvivesACleanReopen() {
        Map<Long, ProducerEntry> before;
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            sendMany(log, 0, 40);
            log.appendAsLeader(send(9, 3, 0, 2), 0);
            assertTrue(log.segmentCount() >= 2);
            before = log.producerStateSnapshot();
        }
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(before, log.producerStateSnapshot());
            AppendResult retry = log.appendAsLeader(send(39, 1), 0);
            assertEquals(new AppendResult(39, 39, -1, time.milliseconds(), 0, true), retry);
            assertTrue(log.appendAsLeader(send(9, 3, 0, 2), 0).duplicate());
            assertEquals(42, log.appendAsLeader(send(40, 1), 0).firstOffset());
            assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(send(34, 1), 0), "beyond the last 5");
        }
    }

    @Test
    void stateIsRecoveredAfterACrashAndATornBatchMayBeRetried() throws IOException {
        PartitionLog crashed = PartitionLog.open(dir, rolling, time);
        sendMany(crashed, 0, 30);
        Map<Long, ProducerEntry> before = crashed.producerStateSnapshot();
        // no close: no clean-shutdown marker, so the next open recovers
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(before, log.producerStateSnapshot());
            assertTrue(log.appendAsLeader(send(29, 1), 0).duplicate());
            sendMany(log, 30, 1); // offset 30, then a crash tears it
        }
        Path active;
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> logs = s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            active = logs.get(logs.size() - 1);
        }
        try (FileChannel ch = FileChannel.open(active, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        Files.delete(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            assertEquals(30, log.logEndOffset());
            assertEquals(29, lastSeq(log, PID));
            AppendResult retry = log.appendAsLeader(send(30, 1), 0);
            assertFalse(retry.duplicate(), "the torn batch is gone, so its retry is written");
            assertEquals(30, retry.firstOffset());
        }
    }

    @Test
    void followerAppendsFeedTheStateSoAPromotedFollowerDetectsDuplicates() {
        try (PartitionLog leader = PartitionLog.open(dir.resolve("leader"), rolling, time);
             PartitionLog follower = PartitionLog.open(dir.resolve("follower"), rolling, time)) {
            sendMany(leader, 0, 10);
            leader.appendAsLeader(batch(1, 1000, 10), 0);
            leader.appendAsLeader(send(7, 2, 0, 3), 0); // offsets 11-13
            long offset = 0;
            while (offset < leader.logEndOffset()) {
                ReadResult r = leader.read(offset, 500, Long.MAX_VALUE, true);
                follower.appendAsFollower(r.records());
                offset = follower.logEndOffset();
            }
            assertEquals(leader.producerStateSnapshot(), follower.producerStateSnapshot());

            // The follower becomes leader in epoch 1; the producer retries what it sent to the old leader.
            assertEquals(new AppendResult(11, 13, -1, time.milliseconds(), 0, true),
                    follower.appendAsLeader(send(7, 2, 0, 3), 1));
            AppendResult ninth = follower.appendAsLeader(send(9, 1), 1);
            assertTrue(ninth.duplicate());
            assertEquals(9, ninth.firstOffset());
            assertThrows(OutOfOrderSequenceException.class, () -> follower.appendAsLeader(send(11, 1), 1));
            assertEquals(14, follower.appendAsLeader(send(10, 1), 1).firstOffset());
        }
    }

    @Test
    void truncationRebuildsTheStateSoARetryOfATruncatedBatchIsWritten() {
        try (PartitionLog log = PartitionLog.open(dir, rolling, time)) {
            sendMany(log, 0, 40); // sequence i at offset i, over two segments
            assertTrue(log.appendAsLeader(send(35, 1), 0).duplicate());
            log.truncateTo(12);
            assertEquals(1, log.segmentCount());
            ProducerEntry e = log.producerStateSnapshot().get(PID);
            assertEquals(List.of(7, 8, 9, 10, 11), e.batches().stream().map(ProducerStateManager.BatchMetadata::firstSeq).toList());

            assertEquals(new AppendResult(11, 11, -1, time.milliseconds(), 0, true), log.appendAsLeader(send(11, 1), 0));
            AppendResult retry = log.appendAsLeader(send(12, 1), 0);
            assertFalse(retry.duplicate());
            assertEquals(12, retry.firstOffset());
        }
    }

    @Test
    void truncatingFullyForgetsEveryProducer() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            sendMany(log, 0, 5);
            log.truncateTo(0);
            assertTrue(log.producerStateSnapshot().isEmpty());
            sendMany(log, 0, 5);
            log.truncateFullyAndStartAt(100);
            assertTrue(log.producerStateSnapshot().isEmpty());
            assertEquals(100, log.appendAsLeader(send(3, 1), 0).firstOffset(), "any sequence: nothing is known");
        }
    }

    @Test
    void idleProducersExpireWhileOpenAndOnReopen() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            sendMany(log, 0, 3);
            time.advance(DAY - 1);
            log.appendAsLeader(send(5, 0, 0, 1), 0);
            assertEquals(0, log.removeExpiredProducers());
            time.advance(1);
            log.deleteExpiredSegments(); // the periodic task expires producers too
            assertEquals(List.of(5L), List.copyOf(log.producerStateSnapshot().keySet()));
            assertEquals(4, log.appendAsLeader(send(7, 1), 0).firstOffset(), "a forgotten producer starts anywhere");
        }
        time.advance(DAY);
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertTrue(log.producerStateSnapshot().isEmpty(), "the rebuilt state drops expired producers");
        }
    }

    @Test
    void withLogAppendTimeTheStateKeepsTheStampedTimestamp() {
        LogConfig c = config(Map.of("message.timestamp.type", "LogAppendTime"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            log.appendAsLeader(TestBatches.idempotent(PID, (short) 0, 0, 1, 5), 0);
            assertEquals(time.milliseconds(), log.producerStateSnapshot().get(PID).lastTimestamp());
            assertEquals(time.milliseconds(), log.appendAsLeader(send(0, 1), 0).maxTimestamp());
        }
    }
}

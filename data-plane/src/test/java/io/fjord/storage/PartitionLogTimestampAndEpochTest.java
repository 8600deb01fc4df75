package io.fjord.storage;

import static io.fjord.storage.PartitionLogAppendReadTest.config;
import static io.fjord.storage.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTimestampAndEpochTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();

    @Test
    void offsetForTimestampFindsTheFirstBatchAtOrAfterTheTimestamp() {
        // Timestamps go back and forth (CreateTime is the producer's clock); an index entry per batch,
        // three batches per segment.
        LogConfig c = config(Map.of("segment.bytes", "500", "index.interval.bytes", "0"));
        long[] timestamps = {1000, 3000, 2000, 2000, 4000, 3500, 5000, 4500, 6000};
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (long ts : timestamps) {
                log.appendAsLeader(batch(2, ts, 100), 0); // offsets 2i, 2i+1
            }
            assertEquals(3, log.segmentCount());
            assertEquals(Optional.of(new TimestampOffset(1000, 0)), log.offsetForTimestamp(0));
            assertEquals(Optional.of(new TimestampOffset(1000, 0)), log.offsetForTimestamp(1000));
            assertEquals(Optional.of(new TimestampOffset(3000, 2)), log.offsetForTimestamp(1001));
            assertEquals(Optional.of(new TimestampOffset(3000, 2)), log.offsetForTimestamp(2000));
            assertEquals(Optional.of(new TimestampOffset(4000, 8)), log.offsetForTimestamp(3001));
            assertEquals(Optional.of(new TimestampOffset(5000, 12)), log.offsetForTimestamp(4001));
            assertEquals(Optional.of(new TimestampOffset(6000, 16)), log.offsetForTimestamp(5001));
            assertEquals(Optional.empty(), log.offsetForTimestamp(6001));
            assertEquals(Optional.of(new TimestampOffset(6000, 16)), log.offsetOfMaxTimestamp());
        }
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            assertEquals(Optional.of(new TimestampOffset(4000, 8)), log.offsetForTimestamp(3001), "after reopen");
            assertEquals(Optional.of(new TimestampOffset(6000, 16)), log.offsetOfMaxTimestamp());
        }
    }

    @Test
    void maxTimestampIsRecomputedAfterTruncation() {
        try (PartitionLog log = PartitionLog.open(dir, config(Map.of("index.interval.bytes", "0")), time)) {
            log.appendAsLeader(batch(1, 1000, 10), 0);
            log.appendAsLeader(batch(1, 3000, 10), 0);
            log.appendAsLeader(batch(1, 2000, 10), 0);
            log.appendAsLeader(batch(1, 9000, 10), 0);
            assertEquals(Optional.of(new TimestampOffset(9000, 3)), log.offsetOfMaxTimestamp());
            log.truncateTo(3);
            assertEquals(Optional.of(new TimestampOffset(3000, 1)), log.offsetOfMaxTimestamp());
            assertEquals(Optional.empty(), log.offsetForTimestamp(5000));
        }
    }

    @Test
    void emptyLogHasNoTimestamps() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(Optional.empty(), log.offsetOfMaxTimestamp());
            assertEquals(Optional.empty(), log.offsetForTimestamp(0));
        }
    }

    @Test
    void leaderEpochsAreRecordedAndAnswerEndOffsetQueries() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(OptionalInt.empty(), log.latestEpoch());
            log.appendAsLeader(batch(3, 1, 10), 0); // epoch 0: 0-2
            log.appendAsLeader(batch(3, 1, 10), 0);  // epoch 0: 3-5
            log.appendAsLeader(batch(2, 1, 10), 2); // epoch 2: 6-7
            log.appendAsLeader(batch(2, 1, 10), 5); // epoch 5: 8-9
            assertEquals(OptionalInt.of(5), log.latestEpoch());
            assertEquals(Optional.of(new EpochEndOffset(0, 6)), log.endOffsetForEpoch(0));
            assertEquals(Optional.of(new EpochEndOffset(0, 6)), log.endOffsetForEpoch(1), "epoch 1 never wrote");
            assertEquals(Optional.of(new EpochEndOffset(2, 8)), log.endOffsetForEpoch(2));
            assertEquals(Optional.of(new EpochEndOffset(2, 8)), log.endOffsetForEpoch(4));
            assertEquals(Optional.of(new EpochEndOffset(5, 10)), log.endOffsetForEpoch(5), "latest ends at the log end");
            assertEquals(Optional.empty(), log.endOffsetForEpoch(6));
            assertEquals(Optional.empty(), log.endOffsetForEpoch(-1));
            IllegalArgumentException stale = assertThrows(IllegalArgumentException.class,
                    () -> log.appendAsLeader(batch(1, 1, 10), 4));
            assertEquals(10, log.logEndOffset(), "a stale leader's append changes nothing: " + stale.getMessage());
        }
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(OptionalInt.of(5), log.latestEpoch(), "survives reopen");
            assertEquals(Optional.of(new EpochEndOffset(2, 8)), log.endOffsetForEpoch(3));
            log.truncateTo(8);
            assertEquals(OptionalInt.of(2), log.latestEpoch(), "epoch 5 started at 8, the truncation point");
            assertEquals(Optional.of(new EpochEndOffset(2, 8)), log.endOffsetForEpoch(2));
            log.truncateTo(7); // inside batch 6-7: the whole batch goes, and epoch 2 with it
            assertEquals(6, log.logEndOffset());
            assertEquals(OptionalInt.of(0), log.latestEpoch());
        }
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(OptionalInt.of(0), log.latestEpoch(), "truncation was checkpointed");
            assertEquals(Optional.of(new EpochEndOffset(0, 6)), log.endOffsetForEpoch(0));
        }
    }

    @Test
    void checkpointFileHasKafkasLayout() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            log.appendAsLeader(batch(3, 1, 10), 1);
            log.appendAsLeader(batch(1, 1, 10), 4);
        }
        assertEquals(List.of("0", "2", "1 0", "4 3"), Files.readAllLines(dir.resolve("leader-epoch-checkpoint")));
    }

    @Test
    void followerAppendsRecordTheLeadersEpochs() {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            log.appendAsFollower(TestBatches.concat(batch(0, 2, 1, 10, 1), batch(2, 2, 1, 10, 1), batch(4, 1, 1, 10, 3)));
            assertEquals(OptionalInt.of(3), log.latestEpoch());
            assertEquals(Optional.of(new EpochEndOffset(1, 4)), log.endOffsetForEpoch(2));
        }
    }

    @Test
    void retentionMovesTheFirstEpochsStartToTheLogStart() {
        LogConfig c = config(Map.of("segment.bytes", "500", "retention.bytes", "161"));
        try (PartitionLog log = PartitionLog.open(dir, c, time)) {
            for (int i = 0; i < 3; i++) {
                log.appendAsLeader(batch(1, time.milliseconds(), 100), 1); // segment 0: offsets 0-2, epoch 1
            }
            for (int i = 0; i < 3; i++) {
                log.appendAsLeader(batch(1, time.milliseconds(), 100), 2); // segment 3: epoch 2 from 3
            }
            log.appendAsLeader(batch(1, time.milliseconds(), 100), 2);     // segment 6
            assertEquals(2, log.deleteExpiredSegments());
            assertEquals(6, log.logStartOffset());
            assertEquals(Optional.of(new EpochEndOffset(2, 7)), log.endOffsetForEpoch(2));
            assertEquals(Optional.of(new EpochEndOffset(1, 6)), log.endOffsetForEpoch(1), "older epochs report the first start");
        }
    }

    @Test
    void anUncleanOpenRecoversEpochsFromTheBatches() throws Exception {
        PartitionLog crashed = PartitionLog.open(dir, LogConfig.defaults(), time);
        crashed.appendAsLeader(batch(2, 1, 10), 3);
        crashed.appendAsLeader(batch(2, 1, 10), 4);
        Files.delete(dir.resolve("leader-epoch-checkpoint")); // lost, say, before it reached the disk
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), time)) {
            assertEquals(OptionalInt.of(4), log.latestEpoch());
            assertEquals(Optional.of(new EpochEndOffset(3, 2)), log.endOffsetForEpoch(3));
        }
    }
}

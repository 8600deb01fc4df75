package io.fjord.clients.producer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.producer.RecordMetadata;
import io.fjord.clients.producer.internals.RecordAccumulator.ReadyCheckResult;
import io.fjord.clients.producer.internals.RecordAccumulator.RecordAppendResult;
import io.fjord.clients.testing.MockTime;
import io.fjord.clients.testing.TestClusters;
import io.fjord.wire.CompressionType;
import io.fjord.wire.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordAccumulatorTest {
    private static final RecordAccumulator.PartitionGate GATE = RecordAccumulator.PartitionGate.OPEN;
    private static final String TOPIC = "t";
    private static final TopicPartition TP0 = new TopicPartition(TOPIC, 0);
    private static final byte[] VALUE = new byte[100];

    private final MockTime time = new MockTime(1_000_000);
    private final Cluster cluster = TestClusters.cluster(TOPIC, 1, 1, 1, 1);
    private final Node leader = cluster.node(1);
    private final MemoryPool pool = new MemoryPool(1 << 20);

    private RecordAccumulator accumulator(int batchSize, long lingerMs) {
        return new RecordAccumulator(batchSize, CompressionType.NONE, lingerMs, 100, pool);
    }

    private RecordAppendResult append(RecordAccumulator acc, TopicPartition tp) {
        return acc.append(tp, time.milliseconds(), null, VALUE, null, null, 0, false, time.milliseconds());
    }

    @Test
    void fillsOneBatchUpToBatchSizeThenStartsAnotherAndIsReadyAtOnce() {
        RecordAccumulator acc = accumulator(1024, 10_000);
        RecordAppendResult first = append(acc, TP0);
        assertTrue(first.newBatchCreated());
        int records = 1;
        RecordAppendResult r;
        while (!(r = append(acc, TP0)).newBatchCreated()) {
            assertFalse(r.batchIsFull(), "not full before the next record fails to fit");
            records++;
        }
        assertTrue(r.batchIsFull(), "a second batch makes the first one ready");
        assertTrue(records > 5 && records < 10, "about 1024 / ~110 bytes per record, was " + records);
        assertTrue(acc.ready(cluster, time.milliseconds(), GATE).readyNodes().contains(leader), "full batches do not linger");

        List<ProducerBatch> drained = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1);
        assertEquals(1, drained.size(), "at most one batch per partition per request");
        assertEquals(records, drained.get(0).recordCount());
        assertTrue(drained.get(0).estimatedSizeInBytes() <= 1024);
        ByteBuffer bytes = drained.get(0).buffer();
        assertEquals(records, RecordBatch.batches(bytes).iterator().next().records().size());

        ReadyCheckResult later = acc.ready(cluster, time.milliseconds(), GATE);
        assertTrue(later.readyNodes().isEmpty(), "the second, not full batch waits for linger.ms");
        assertEquals(10_000, later.nextReadyCheckDelayMs());
    }

    @Test
    void aBatchARecordDidNotFitIsReadyWithoutLingerWhenTheStickyPartitionMovesOn() {
        RecordAccumulator acc = accumulator(1024, 10_000);
        assertTrue(append(acc, TP0).newBatchCreated());
        RecordAppendResult r;
        int records = 1;
        // as FjordProducer appends a keyless record: abort instead of a new batch, so it can move partition
        while (!(r = acc.append(TP0, time.milliseconds(), null, VALUE, null, null, 0, true, time.milliseconds())).abortForNewBatch()) {
            records++;
        }
        assertTrue(records > 5 && records < 10, "about 1024 / ~110 bytes per record, was " + records);
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), GATE).readyNodes(),
                "nothing more goes into the batch, so it goes at once rather than after linger.ms");
        RecordAppendResult next = append(acc, TP0);
        assertTrue(next.newBatchCreated(), "a later record of the partition starts a new batch");
        List<ProducerBatch> drained = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1);
        assertEquals(records, drained.get(0).recordCount());
    }

    @Test
    void batchBecomesReadyExactlyWhenLingerElapses() {
        RecordAccumulator acc = accumulator(16384, 100);
        append(acc, TP0);
        ReadyCheckResult r = acc.ready(cluster, time.milliseconds(), GATE);
        assertTrue(r.readyNodes().isEmpty());
        assertEquals(100, r.nextReadyCheckDelayMs());
        time.sleep(99);
        r = acc.ready(cluster, time.milliseconds(), GATE);
        assertTrue(r.readyNodes().isEmpty());
        assertEquals(1, r.nextReadyCheckDelayMs());
        time.sleep(1);
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), GATE).readyNodes());
    }

    @Test
    void lingerZeroSendsAtOnce() {
        RecordAccumulator acc = accumulator(16384, 0);
        append(acc, TP0);
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), GATE).readyNodes());
    }

    @Test
    void flushAndCloseMakeLingeringBatchesReady() {
        RecordAccumulator acc = accumulator(16384, 60_000);
        append(acc, TP0);
        assertTrue(acc.ready(cluster, time.milliseconds(), GATE).readyNodes().isEmpty());
        acc.beginFlush();
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), GATE).readyNodes());

        RecordAccumulator closing = accumulator(16384, 60_000);
        append(closing, TP0);
        closing.close();
        assertEquals(Set.of(leader), closing.ready(cluster, time.milliseconds(), GATE).readyNodes());
    }

    @Test
    void drainRespectsMaxRequestSizeAndRotatesOverPartitions() {
        RecordAccumulator acc = accumulator(16384, 0);
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 4; i++) {
                append(acc, new TopicPartition(TOPIC, p));
            }
        }
        io.fjord.wire.RecordBatchBuilder sample = new io.fjord.wire.RecordBatchBuilder(CompressionType.NONE, 1024);
        for (int i = 0; i < 4; i++) {
            sample.append(time.milliseconds(), null, VALUE, null);
        }
        int batchBytes = sample.estimatedSizeInBytes();
        Map<Integer, List<ProducerBatch>> first = acc.drain(cluster, Set.of(leader), 2 * batchBytes + 10, time.milliseconds(), GATE);
        List<Integer> firstPartitions = first.get(1).stream().map(b -> b.tp.partition()).toList();
        assertEquals(List.of(0, 1), firstPartitions);
        Map<Integer, List<ProducerBatch>> second = acc.drain(cluster, Set.of(leader), 10, time.milliseconds(), GATE);
        assertEquals(1, second.get(1).size(), "the first batch always goes, however small the limit");
        assertEquals(2, second.get(1).get(0).tp.partition());
        assertFalse(acc.hasUndrained());
    }

    @Test
    void retriedBatchWaitsForRetryBackoff() {
        RecordAccumulator acc = accumulator(16384, 0);
        append(acc, TP0);
        ProducerBatch batch = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1).get(0);
        acc.reenqueue(batch, time.milliseconds());
        ReadyCheckResult r = acc.ready(cluster, time.milliseconds(), GATE);
        assertTrue(r.readyNodes().isEmpty());
        assertEquals(100, r.nextReadyCheckDelayMs());
        assertTrue(acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).isEmpty());
        time.sleep(100);
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), GATE).readyNodes());
        assertEquals(1, batch.attempts);
    }

    @Test
    void gatedPartitionIsNeitherReadyNorDrainedUntilTheGateOpens() {
        RecordAccumulator acc = accumulator(16384, 0);
        append(acc, TP0);
        append(acc, new TopicPartition(TOPIC, 1));
        java.util.Set<TopicPartition> closed = new java.util.HashSet<>(Set.of(TP0));
        RecordAccumulator.PartitionGate gate = (tp, node, first) -> !closed.contains(tp);
        assertEquals(Set.of(leader), acc.ready(cluster, time.milliseconds(), gate).readyNodes(), "partition 1 is ready");
        List<ProducerBatch> drained = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), gate).get(1);
        assertEquals(List.of(1), drained.stream().map(b -> b.tp.partition()).toList());
        assertTrue(acc.ready(cluster, time.milliseconds(), gate).readyNodes().isEmpty(), "only the gated partition is left");
        closed.clear();
        assertEquals(List.of(0), acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), gate).get(1).stream()
                .map(b -> b.tp.partition()).toList());
    }

    @Test
    void retriedBatchesGoBackInSequenceOrder() {
        RecordAccumulator acc = accumulator(16384, 0);
        List<ProducerBatch> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            append(acc, TP0);
            ProducerBatch b = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1).get(0);
            b.setProducerState(7, (short) 0, i * 10);
            sent.add(b);
        }
        append(acc, TP0); // a new batch, never sent, queued behind the retries
        // answers come back out of order: 2, 0, 1
        acc.reenqueue(sent.get(2), time.milliseconds());
        acc.reenqueue(sent.get(0), time.milliseconds());
        acc.reenqueue(sent.get(1), time.milliseconds());
        time.sleep(1_000);
        List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ProducerBatch b = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1).get(0);
            order.add(b.baseSequence);
        }
        assertEquals(List.of(0, 10, 20, -1), order, "retries in sequence order, then the new batch");
    }

    @Test
    void batchesPastDeliveryTimeoutExpire() {
        RecordAccumulator acc = accumulator(16384, 60_000);
        append(acc, TP0);
        assertTrue(acc.expiredBatches(1000, time.milliseconds()).isEmpty());
        time.sleep(1000);
        List<ProducerBatch> expired = acc.expiredBatches(1000, time.milliseconds());
        assertEquals(1, expired.size());
        assertFalse(acc.hasUndrained());
    }

    @Test
    void abortOnNewBatchCreatesNothing() {
        RecordAccumulator acc = accumulator(16384, 0);
        RecordAppendResult r = acc.append(TP0, time.milliseconds(), null, VALUE, null, null, 0, true, time.milliseconds());
        assertTrue(r.abortForNewBatch());
        assertNull(r.future());
        assertFalse(acc.hasUndrained());
        assertEquals(1 << 20, pool.availableMemory());
    }

    @Test
    void partitionWithoutLeaderIsReportedForMetadataRefresh() {
        Cluster leaderless = TestClusters.cluster(TOPIC, 1, -1);
        RecordAccumulator acc = accumulator(16384, 0);
        append(acc, TP0);
        ReadyCheckResult r = acc.ready(leaderless, time.milliseconds(), GATE);
        assertTrue(r.readyNodes().isEmpty());
        assertEquals(Set.of(TOPIC), r.unknownLeaderTopics());
    }

    @Test
    void completingABatchGivesEachRecordItsOffsetInOrderAndFreesMemory() throws Exception {
        RecordAccumulator acc = accumulator(16384, 0);
        List<RecordMetadata> seen = new ArrayList<>();
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(acc.append(TP0, 5000 + i, new byte[] {(byte) i}, VALUE, null, (m, e) -> seen.add(m), 0, false,
                    time.milliseconds()).future());
        }
        assertTrue(pool.availableMemory() < 1 << 20);
        ProducerBatch batch = acc.drain(cluster, Set.of(leader), 1 << 20, time.milliseconds(), GATE).get(1).get(0);
        acc.complete(batch, 100, -1, null);
        assertEquals(List.of(100L, 101L, 102L), seen.stream().map(RecordMetadata::offset).toList());
        assertEquals(5001, futures.get(1).get().timestamp());
        assertEquals(1, futures.get(1).get().serializedKeySize());
        assertEquals(102, futures.get(2).get().offset());
        assertEquals(1 << 20, pool.availableMemory());
        acc.complete(batch, 999, -1, null);
        assertEquals(100, futures.get(0).get().offset(), "a batch completes once");
    }
}

package io.fjord.clients.producer.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.producer.Callback;
import io.fjord.wire.CompressionType;
import io.fjord.wire.Header;
import io.fjord.wire.RecordBatchBuilder;
import io.fjord.wire.RecordBatchHeader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-partition queues of batches between send() and the sender thread, as Kafka's
 * RecordAccumulator: records go into the last batch of their partition while it has room; a batch
 * is ready when full, when linger.ms has passed since it was created (retry.backoff.ms since its
 * last attempt for a retry), or at once while a flush or close is in progress or send() waits for
 * memory. Time is passed in, never read, so tests drive it.
 *
 * <p>Whether a partition's next batch may go now, given what of it is in flight, is the sender's
 * call ({@link PartitionGate}); the accumulator asks it in {@link #ready} and {@link #drain}.
 *
 * <p>Threading: thread-safe; each deque is guarded by its own monitor.
 */
public final class RecordAccumulator {
    public record RecordAppendResult(FutureRecordMetadata future, boolean batchIsFull, boolean newBatchCreated,
                                     boolean abortForNewBatch) {}

    public record ReadyCheckResult(Set<Node> readyNodes, long nextReadyCheckDelayMs, Set<String> unknownLeaderTopics) {}

    /** Decides whether the first queued batch of a partition may be sent to its leader now. */
    @FunctionalInterface
    public interface PartitionGate {
        PartitionGate OPEN = (tp, leader, first) -> true;

        boolean mayDrain(TopicPartition tp, Node leader, ProducerBatch first);
    }

    private final int batchSize;
    private final CompressionType compression;
    private final long lingerMs;
    private final long retryBackoffMs;
    private final MemoryPool pool;
    private final ProducerMetrics metrics;
    private final ConcurrentMap<TopicPartition, Deque<ProducerBatch>> batches = new ConcurrentHashMap<>();
    private final Set<ProducerBatch> incomplete = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final Map<Integer, Integer> drainIndex = new HashMap<>();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    private volatile boolean closed;

    public RecordAccumulator(int batchSize, CompressionType compression, long lingerMs, long retryBackoffMs, MemoryPool pool) {
        this(batchSize, compression, lingerMs, retryBackoffMs, pool, ProducerMetrics.detached());
    }

    /** @param metrics counts each completed batch's records as sent or failed */
    public RecordAccumulator(int batchSize, CompressionType compression, long lingerMs, long retryBackoffMs, MemoryPool pool,
                             ProducerMetrics metrics) {
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.compression = compression;
        this.lingerMs = lingerMs;
        this.retryBackoffMs = retryBackoffMs;
        this.pool = pool;
    }

    /**
     * Adds a record to the partition's last batch, or to a new one (reserving memory, which may block
     * up to {@code maxBlockMs}). With {@code abortOnNewBatch}, returns instead of creating a batch, so
     * the sticky partitioner can move on to another partition first.
     */
    public RecordAppendResult append(TopicPartition tp, long timestamp, byte[] key, byte[] value, Header[] headers,
                                     Callback callback, long maxBlockMs, boolean abortOnNewBatch, long nowMs) {
        Deque<ProducerBatch> dq = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
        synchronized (dq) {
            RecordAppendResult r = tryAppend(dq, timestamp, key, value, headers, callback);
            if (r != null) {
                return r;
            }
        }
        if (abortOnNewBatch) {
            return new RecordAppendResult(null, false, false, true);
        }
        int size = Math.max(batchSize, RecordBatchHeader.HEADER_SIZE + RecordBatchBuilder.estimateRecordSize(key, value, headers));
        pool.allocate(size, maxBlockMs);
        boolean handedOver = false;
        try {
            synchronized (dq) {
                ensureOpen();
                RecordAppendResult r = tryAppend(dq, timestamp, key, value, headers, callback);
                if (r != null) {
                    return r; // another thread made room meanwhile; the reservation goes back in finally
                }
                ProducerBatch batch = new ProducerBatch(tp, compression, batchSize, size, nowMs);
                FutureRecordMetadata future = batch.tryAppend(timestamp, key, value, headers, callback);
                dq.addLast(batch);
                incomplete.add(batch);
                handedOver = true;
                return new RecordAppendResult(future, dq.size() > 1 || batch.isFull(), true, false);
            }
        } finally {
            if (!handedOver) {
                pool.deallocate(size);
            }
        }
    }

    private RecordAppendResult tryAppend(Deque<ProducerBatch> dq, long timestamp, byte[] key, byte[] value,
                                         Header[] headers, Callback callback) {
        ensureOpen();
        ProducerBatch last = dq.peekLast();
        if (last == null) {
            return null;
        }
        FutureRecordMetadata future = last.tryAppend(timestamp, key, value, headers, callback);
        return future == null ? null : new RecordAppendResult(future, dq.size() > 1 || last.isFull(), false, false);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Producer closed while send in progress: the record was not sent.");
        }
    }

    /** Which leaders have a batch ready to send, and how long until the next one will be. */
    public ReadyCheckResult ready(Cluster cluster, long nowMs, PartitionGate gate) {
        Set<Node> ready = new HashSet<>();
        Set<String> unknownLeaders = new HashSet<>();
        long nextDelay = Long.MAX_VALUE;
        boolean exhausted = pool.queued() > 0;
        boolean sendNow = exhausted || closed || flushesInProgress.get() > 0;
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> e : batches.entrySet()) {
            Deque<ProducerBatch> dq = e.getValue();
            synchronized (dq) {
                ProducerBatch first = dq.peekFirst();
                if (first == null) {
                    continue;
                }
                Node leader = cluster.leaderFor(e.getKey());
                if (leader == null) {
                    unknownLeaders.add(e.getKey().topic());
                    continue;
                }
                if (ready.contains(leader) || !gate.mayDrain(e.getKey(), leader, first)) {
                    continue;
                }
                boolean backingOff = first.attempts > 0 && nowMs - first.lastAttemptMs < retryBackoffMs;
                long waitedMs = nowMs - (first.attempts > 0 ? first.lastAttemptMs : first.createdMs);
                long timeToWaitMs = first.attempts > 0 ? retryBackoffMs : lingerMs;
                boolean full = dq.size() > 1 || first.isFull();
                boolean expired = waitedMs >= timeToWaitMs;
                if ((full || expired || sendNow) && !backingOff) {
                    ready.add(leader);
                } else {
                    nextDelay = Math.min(nextDelay, Math.max(0, timeToWaitMs - waitedMs));
                }
            }
        }
        return new ReadyCheckResult(ready, nextDelay, unknownLeaders);
    }

    /**
     * Takes at most one batch per partition led by each node, up to {@code maxRequestSize} bytes per
     * node (the first batch always goes, however large), starting each round where the last stopped.
     */
    public Map<Integer, List<ProducerBatch>> drain(Cluster cluster, Set<Node> nodes, int maxRequestSize, long nowMs,
                                                   PartitionGate gate) {
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        Map<Integer, Node> leaders = new HashMap<>();
        for (TopicPartition tp : batches.keySet()) {
            Node leader = cluster.leaderFor(tp);
            if (leader != null && nodes.contains(leader)) {
                leaders.put(leader.id(), leader);
                byLeader.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(tp);
            }
        }
        Map<Integer, List<ProducerBatch>> out = new HashMap<>();
        for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
            List<TopicPartition> tps = e.getValue();
            Collections.sort(tps);
            int start = Math.floorMod(drainIndex.getOrDefault(e.getKey(), 0), tps.size());
            List<ProducerBatch> drained = new ArrayList<>();
            int size = 0;
            for (int i = 0; i < tps.size(); i++) {
                Deque<ProducerBatch> dq = batches.get(tps.get((start + i) % tps.size()));
                synchronized (dq) {
                    ProducerBatch first = dq.peekFirst();
                    if (first == null || (first.attempts > 0 && nowMs - first.lastAttemptMs < retryBackoffMs)
                            || !gate.mayDrain(tps.get((start + i) % tps.size()), leaders.get(e.getKey()), first)) {
                        continue;
                    }
                    if (!drained.isEmpty() && size + first.estimatedSizeInBytes() > maxRequestSize) {
                        break;
                    }
                    dq.pollFirst();
                    first.buffer();
                    size += first.estimatedSizeInBytes();
                    drained.add(first);
                }
            }
            drainIndex.put(e.getKey(), start + 1);
            if (!drained.isEmpty()) {
                out.put(e.getKey(), drained);
            }
        }
        return out;
    }

    /** Removes and returns batches that waited in the queues longer than delivery.timeout.ms. */
    public List<ProducerBatch> expiredBatches(long deliveryTimeoutMs, long nowMs) {
        List<ProducerBatch> expired = new ArrayList<>();
        for (Deque<ProducerBatch> dq : batches.values()) {
            synchronized (dq) {
                while (!dq.isEmpty() && dq.peekFirst().hasReachedDeliveryTimeout(deliveryTimeoutMs, nowMs)) {
                    expired.add(dq.pollFirst());
                }
            }
        }
        return expired;
    }

    /**
     * Puts a batch back at the head of its queue for another attempt after retry.backoff.ms. Several
     * batches of a partition may come back from one failure, in any order; batches that carry
     * sequences are kept in sequence order among the retries at the head (Kafka's
     * insertInSequenceOrder), so they are resent in the order they were first sent.
     */
    public void reenqueue(ProducerBatch batch, long nowMs) {
        batch.attempts++;
        batch.lastAttemptMs = nowMs;
        Deque<ProducerBatch> dq = batches.computeIfAbsent(batch.tp, k -> new ArrayDeque<>());
        synchronized (dq) {
            if (!batch.hasSequence() || dq.isEmpty() || !dq.peekFirst().hasSequence()
                    || dq.peekFirst().producerId != batch.producerId) {
                dq.addFirst(batch);
                return;
            }
            List<ProducerBatch> head = new ArrayList<>();
            while (!dq.isEmpty() && dq.peekFirst().hasSequence() && dq.peekFirst().producerId == batch.producerId
                    && dq.peekFirst().baseSequence < batch.baseSequence) {
                head.add(dq.pollFirst());
            }
            dq.addFirst(batch);
            for (int i = head.size() - 1; i >= 0; i--) {
                dq.addFirst(head.get(i));
            }
        }
    }

    /** Completes a batch (once), counts its records as sent or failed, and returns its memory. */
    public void complete(ProducerBatch batch, long baseOffset, long logAppendTime, RuntimeException error) {
        if (batch.complete(baseOffset, logAppendTime, error, metrics)) {
            incomplete.remove(batch);
            pool.deallocate(batch.reservedBytes);
        }
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    /** Waits for every batch that existed when called (and was begun with beginFlush) to complete. */
    public void awaitFlushCompletion() {
        try {
            List<ProducerBatch> snapshot;
            synchronized (incomplete) {
                snapshot = new ArrayList<>(incomplete);
            }
            for (ProducerBatch b : snapshot) {
                b.await();
            }
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while flushing the producer", e);
        } finally {
            flushesInProgress.decrementAndGet();
        }
    }

    public boolean hasUndrained() {
        for (Deque<ProducerBatch> dq : batches.values()) {
            synchronized (dq) {
                if (!dq.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    /** Fails every batch not yet completed, queued or in flight (a forced close). */
    public void abortIncompleteBatches(RuntimeException error) {
        for (Deque<ProducerBatch> dq : batches.values()) {
            synchronized (dq) {
                dq.clear();
            }
        }
        List<ProducerBatch> snapshot;
        synchronized (incomplete) {
            snapshot = new ArrayList<>(incomplete);
        }
        snapshot.forEach(b -> complete(b, -1, -1, error));
    }

    /** No record is accepted after this; queued batches are still sent. */
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }
}

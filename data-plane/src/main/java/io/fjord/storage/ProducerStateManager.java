package io.fjord.storage;

import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Idempotent-producer state of one partition, as in Kafka's ProducerStateManager (non-transactional):
 * per producer id the current producer epoch and the last {@value #NUM_BATCHES_TO_RETAIN} batches
 * appended, so that a retried batch is recognised and answered with the offsets it already has, and a
 * gap in the sequence or a fenced epoch is refused.
 *
 * <p>Plain data: no I/O, not thread-safe. The owning {@link PartitionLog} calls it under its writer lock
 * and rebuilds it from the batch headers of the log on open and after a truncation, so it needs no
 * file of its own (Kafka keeps snapshot files to avoid that scan; see the log's open).
 *
 * <p>A producer is forgotten once its last batch's timestamp is {@code producer.id.expiration.ms} old
 * ({@link #removeExpiredProducers}); its next batch is then accepted with any sequence, as Kafka does,
 * since the state may also have been lost with the segments that held it.
 */
public final class ProducerStateManager {
    /** Kafka's producer.id.expiration.ms default: one day. */
    public static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000L;
    /** Kafka's NUM_BATCHES_TO_RETAIN: a producer has at most 5 requests in flight per connection. */
    public static final int NUM_BATCHES_TO_RETAIN = 5;

    /** One appended batch: its sequence range and where it landed. */
    public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long maxTimestamp) {}

    /**
     * A copy of one producer's state.
     *
     * @param batches oldest first, all in {@code epoch}
     * @param lastTimestamp max timestamp of the last batch appended, which expiry measures from
     */
    public record ProducerEntry(long producerId, short epoch, List<BatchMetadata> batches, long lastTimestamp) {
        public ProducerEntry {
            batches = List.copyOf(batches);
        }

        /** Last sequence appended in the current epoch, or -1 when none. */
        public int lastSeq() {
            return batches.isEmpty() ? RecordBatchHeader.NO_SEQUENCE : batches.get(batches.size() - 1).lastSeq();
        }
    }

    /** Outcome of {@link #check}: append it, or it is a retry of {@code original} (errors are thrown). */
    public record CheckResult(boolean duplicate, BatchMetadata original) {
        public static final CheckResult OK = new CheckResult(false, null);
    }

    private static final class Entry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(NUM_BATCHES_TO_RETAIN);
        long lastTimestamp;

        Entry(short epoch) { this.epoch = epoch; }

        int lastSeq() { return batches.isEmpty() ? RecordBatchHeader.NO_SEQUENCE : batches.getLast().lastSeq(); }
    }

    private final String partition;
    private final long producerIdExpirationMs;
    private final Map<Long, Entry> producers = new HashMap<>();

    /**
     * @param partition named in error messages (the partition directory)
     * @param producerIdExpirationMs producer.id.expiration.ms
     */
    public ProducerStateManager(String partition, long producerIdExpirationMs) {
        if (producerIdExpirationMs <= 0) {
            throw new IllegalArgumentException("producer.id.expiration.ms must be positive, got " + producerIdExpirationMs);
        }
        this.partition = partition;
        this.producerIdExpirationMs = producerIdExpirationMs;
    }

    /**
     * Decides whether a leader may append a batch of {@code producerId}: a duplicate of one of the cached
     * batches of the same epoch (checked first, as Kafka does), else in order. Changes nothing.
     *
     * @throws InvalidProducerEpochException if {@code epoch} is older than the producer's current epoch
     * @throws OutOfOrderSequenceException if a new epoch does not start at sequence 0, or the same epoch
     *     does not continue right after the last sequence
     */
    public CheckResult check(long producerId, short epoch, int firstSeq, int lastSeq) {
        Entry e = producers.get(producerId);
        if (e == null) {
            return CheckResult.OK; // unknown, or expired / removed with its segments: accept any sequence
        }
        if (epoch == e.epoch) {
            for (BatchMetadata b : e.batches) {
                if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                    return new CheckResult(true, b);
                }
            }
        }
        if (epoch < e.epoch) {
            throw new InvalidProducerEpochException(partition, producerId, epoch, e.epoch);
        }
        if (e.epoch == RecordBatchHeader.NO_PRODUCER_EPOCH) {
            return CheckResult.OK; // state without an epoch says nothing about sequences (Kafka's rule)
        }
        if (epoch > e.epoch) {
            if (firstSeq != 0) {
                throw new OutOfOrderSequenceException(partition, producerId, epoch, 0, firstSeq,
                        "a new epoch starts at sequence 0; the current epoch is " + e.epoch);
            }
            return CheckResult.OK;
        }
        int last = e.lastSeq();
        if (last != RecordBatchHeader.NO_SEQUENCE && !inSequence(last, firstSeq)) {
            throw new OutOfOrderSequenceException(partition, producerId, epoch, RecordBatchHeader.incrementSequence(last, 1), firstSeq,
                    "the last sequence appended is " + last);
        }
        return CheckResult.OK;
    }

    /** {@link #check} for the batch whose header is at {@code at}. */
    public CheckResult checkBatch(ByteBuffer b, int at) {
        int firstSeq = RecordBatchHeader.baseSequence(b, at);
        return check(RecordBatchHeader.producerId(b, at), RecordBatchHeader.producerEpoch(b, at), firstSeq,
                lastSequence(firstSeq, RecordBatchHeader.lastOffsetDelta(b, at)));
    }

    /**
     * Records a batch appended to the log (by the leader after {@link #check}, or replicated, which is not
     * checked: the leader decided). A new epoch replaces the producer's batches.
     */
    public void update(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset,
                       long maxTimestamp) {
        Entry e = producers.computeIfAbsent(producerId, id -> new Entry(epoch));
        if (e.epoch != epoch) {
            e.epoch = epoch;
            e.batches.clear();
        }
        if (e.batches.size() == NUM_BATCHES_TO_RETAIN) {
            e.batches.removeFirst();
        }
        e.batches.addLast(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, maxTimestamp));
        // Kafka's choice: the batch timestamp, the only time a replay of the log can know.
        e.lastTimestamp = maxTimestamp;
    }

    /** {@link #update} from the header at {@code at}, if the batch carries producer state. */
    public void updateFromBatch(ByteBuffer b, int at) {
        if (!carriesProducerState(b, at)) {
            return;
        }
        int firstSeq = RecordBatchHeader.baseSequence(b, at);
        update(RecordBatchHeader.producerId(b, at), RecordBatchHeader.producerEpoch(b, at), firstSeq,
                lastSequence(firstSeq, RecordBatchHeader.lastOffsetDelta(b, at)), RecordBatchHeader.baseOffset(b, at),
                RecordBatchHeader.lastOffset(b, at), RecordBatchHeader.maxTimestamp(b, at));
    }

    /** Replays every batch from {@code batches}' position to its limit (offsets already assigned). */
    public void loadFrom(ByteBuffer batches) {
        for (int at = batches.position(); at < batches.limit(); at += RecordBatchHeader.sizeInBytes(batches, at)) {
            updateFromBatch(batches, at);
        }
    }

    /**
     * Forgets producers whose last batch timestamp is at least producer.id.expiration.ms before
     * {@code nowMs} (Kafka's test, {@code >=}). Returns how many were removed.
     */
    public int removeExpiredProducers(long nowMs) {
        int before = producers.size();
        producers.values().removeIf(e -> nowMs - e.lastTimestamp >= producerIdExpirationMs);
        return before - producers.size();
    }

    public void clear() { producers.clear(); }

    public int producerCount() { return producers.size(); }

    public Optional<ProducerEntry> entry(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? Optional.empty() : Optional.of(copy(producerId, e));
    }

    /** A copy of every producer's state, by producer id. */
    public Map<Long, ProducerEntry> snapshot() {
        Map<Long, ProducerEntry> out = new TreeMap<>();
        producers.forEach((id, e) -> out.put(id, copy(id, e)));
        return out;
    }

    private static ProducerEntry copy(long producerId, Entry e) {
        return new ProducerEntry(producerId, e.epoch, List.copyOf(e.batches), e.lastTimestamp);
    }

    /**
     * Whether the batch at {@code at} is an idempotent producer's data batch. Control batches (transaction
     * markers) carry a producer id but no sequence; transactions are not supported, so they are skipped.
     */
    public static boolean carriesProducerState(ByteBuffer b, int at) {
        return RecordBatchHeader.producerId(b, at) >= 0 && !RecordBatchHeader.isControl(b, at);
    }

    /**
     * Refuses a leader append of several batches when one carries a producer id. Kafka's rule too: a
     * duplicate is recognised per batch, and a retry could not be answered for only part of a request.
     */
    public static void requireOneBatchIfIdempotent(ByteBuffer batches, Object where) {
        int count = 0;
        boolean withProducer = false;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatchHeader.sizeInBytes(batches, at)) {
            count++;
            withProducer |= RecordBatchHeader.producerId(batches, at) >= 0;
        }
        if (count > 1 && withProducer) {
            throw new IllegalArgumentException("an idempotent produce carries one batch per partition, got " + count
                    + " batches for " + where + " of which at least one has a producer id");
        }
    }

    /** Last sequence of a batch: {@code baseSeq + lastOffsetDelta}, wrapping past Integer.MAX_VALUE to 0 (Kafka's). */
    public static int lastSequence(int baseSeq, int lastOffsetDelta) {
        if (baseSeq == RecordBatchHeader.NO_SEQUENCE) {
            return RecordBatchHeader.NO_SEQUENCE;
        }
        return RecordBatchHeader.incrementSequence(baseSeq, lastOffsetDelta);
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == RecordBatchHeader.incrementSequence(lastSeq, 1);
    }
}

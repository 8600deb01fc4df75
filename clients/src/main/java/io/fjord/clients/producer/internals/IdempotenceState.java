package io.fjord.clients.producer.internals;

import io.fjord.clients.common.TopicPartition;
import io.fjord.wire.RecordBatchHeader;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotent producer's side of Kafka's sequence protocol: the producer id and epoch, the next
 * sequence per partition, and the last sequence each partition's leader acknowledged. A batch gets
 * its sequences when first sent; retries resend it unchanged, so the leader can recognise a batch it
 * already holds and answer with the original offset instead of writing it twice.
 *
 * <p>When a batch fails for good its sequences leave a gap the leader would refuse forever, so the
 * producer takes a new producer id (Kafka bumps the epoch instead, which needs a transaction
 * coordinator): {@link #reset} forgets the id, and batches not yet acknowledged are stamped afresh.
 *
 * <p>Threading: confined to the sender thread.
 */
final class IdempotenceState {
    private long producerId = RecordBatchHeader.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchHeader.NO_PRODUCER_EPOCH;
    private final Map<TopicPartition, Integer> nextSequence = new HashMap<>();
    private final Map<TopicPartition, Integer> lastAcked = new HashMap<>();

    boolean hasProducerId() {
        return producerId >= 0;
    }

    long producerId() {
        return producerId;
    }

    void setProducerId(long id, short epoch) {
        producerId = id;
        producerEpoch = epoch;
        nextSequence.clear();
        lastAcked.clear();
    }

    /** Forgets the producer id; the sender asks for a new one before it sends again. */
    void reset() {
        producerId = RecordBatchHeader.NO_PRODUCER_ID;
        producerEpoch = RecordBatchHeader.NO_PRODUCER_EPOCH;
    }

    /** Gives the batch its sequences unless it already has them under the current producer id. */
    void stamp(ProducerBatch batch) {
        if (batch.producerId == producerId && batch.hasSequence()) {
            return;
        }
        int seq = nextSequence.getOrDefault(batch.tp, 0);
        batch.setProducerState(producerId, producerEpoch, seq);
        nextSequence.put(batch.tp, RecordBatchHeader.incrementSequence(seq, batch.recordCount()));
    }

    void acknowledged(ProducerBatch batch) {
        if (batch.producerId == producerId) {
            lastAcked.put(batch.tp, RecordBatchHeader.incrementSequence(batch.baseSequence, batch.recordCount() - 1));
        }
    }

    /**
     * Whether the batch is the very next one the leader should take: then an OUT_OF_ORDER_SEQUENCE
     * answer means the leader lost the producer's state (an unclean election), not that an earlier
     * batch is still on its way.
     */
    boolean isNextExpected(ProducerBatch batch) {
        if (batch.producerId != producerId) {
            return false;
        }
        Integer last = lastAcked.get(batch.tp);
        return batch.baseSequence == (last == null ? 0 : RecordBatchHeader.incrementSequence(last, 1));
    }
}

package io.fjord.clients.producer.internals;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.producer.Callback;
import io.fjord.wire.CompressionType;
import io.fjord.wire.Header;
import io.fjord.wire.RecordBatchBuilder;
import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records for one partition on their way to the broker as one v2 batch. Filled under its deque's
 * lock until drained; then built once (the same bytes are resent on retry) and completed once.
 */
public final class ProducerBatch {
    private static final Logger log = LoggerFactory.getLogger(ProducerBatch.class);

    private record Thunk(Callback callback, FutureRecordMetadata future) {}

    final TopicPartition tp;
    final long createdMs;
    final int reservedBytes;
    private final int batchSizeLimit;
    private final RecordBatchBuilder builder;
    private final ProduceRequestResult result = new ProduceRequestResult();
    private final List<Thunk> thunks = new ArrayList<>();
    private final AtomicBoolean completed = new AtomicBoolean();
    private ByteBuffer built;
    /** A record did not fit: nothing more goes in, so the batch need not wait for linger.ms (as Kafka's). */
    private boolean closedForAppends;
    int attempts;
    /** The error of the last failed attempt, so an expiry can say why the batch never got through. */
    io.fjord.clients.common.errors.FjordException lastError;
    long lastAttemptMs;
    /** Idempotence: the producer id, epoch and first sequence stamped into the batch, -1 until stamped. */
    long producerId = RecordBatchHeader.NO_PRODUCER_ID;
    short producerEpoch = RecordBatchHeader.NO_PRODUCER_EPOCH;
    int baseSequence = RecordBatchHeader.NO_SEQUENCE;

    ProducerBatch(TopicPartition tp, CompressionType compression, int batchSizeLimit, int reservedBytes, long createdMs) {
        this.tp = tp;
        this.batchSizeLimit = batchSizeLimit;
        this.reservedBytes = reservedBytes;
        this.createdMs = createdMs;
        this.lastAttemptMs = createdMs;
        this.builder = new RecordBatchBuilder(compression, Math.min(reservedBytes, Math.max(batchSizeLimit, 1024)));
    }

    /** Appends when the record fits (an empty batch takes any record); null when it does not. */
    FutureRecordMetadata tryAppend(long timestamp, byte[] key, byte[] value, Header[] headers, Callback callback) {
        if (built != null || closedForAppends) {
            return null;
        }
        if (!builder.isEmpty()
                && builder.estimatedSizeInBytes() + RecordBatchBuilder.estimateRecordSize(key, value, headers) > batchSizeLimit) {
            closedForAppends = true;
            return null;
        }
        int delta = builder.append(timestamp, key, value, headers);
        FutureRecordMetadata future = new FutureRecordMetadata(tp, result, delta, timestamp,
                key == null ? -1 : key.length, value == null ? -1 : value.length);
        thunks.add(new Thunk(callback, future));
        return future;
    }

    /**
     * Full as Kafka's: a record did not fit (Kafka's closeForRecordAppends), the next could not fit
     * even if tiny, or the batch was built for sending.
     */
    boolean isFull() {
        return built != null || closedForAppends || (!builder.isEmpty() && builder.estimatedSizeInBytes() >= batchSizeLimit);
    }

    int recordCount() {
        return thunks.size();
    }

    int estimatedSizeInBytes() {
        return built != null ? built.remaining() : builder.estimatedSizeInBytes();
    }

    /** Closes the batch to appends and returns its bytes (a fresh read-only view each time). */
    ByteBuffer buffer() {
        if (built == null) {
            built = builder.build();
        }
        return built.asReadOnlyBuffer();
    }

    /**
     * Stamps the idempotent-producer fields into the built batch and recomputes its CRC (which covers
     * them). Done when the batch is first sent and again only if the producer id changes: a retry
     * resends the same bytes, which is what lets the broker recognise it.
     */
    void setProducerState(long producerId, short producerEpoch, int baseSequence) {
        buffer();
        built.putLong(RecordBatchHeader.PRODUCER_ID_OFFSET, producerId);
        built.putShort(RecordBatchHeader.PRODUCER_EPOCH_OFFSET, producerEpoch);
        built.putInt(RecordBatchHeader.BASE_SEQUENCE_OFFSET, baseSequence);
        RecordBatchHeader.updateCrc(built, 0);
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
    }

    boolean hasSequence() {
        return baseSequence != RecordBatchHeader.NO_SEQUENCE;
    }

    /** The sequence of the batch's last record. */
    int lastSequence() {
        return baseSequence + recordCount() - 1;
    }

    void await() throws InterruptedException {
        result.await();
    }

    boolean isDone() {
        return completed.get();
    }

    boolean hasReachedDeliveryTimeout(long deliveryTimeoutMs, long nowMs) {
        return nowMs - createdMs >= deliveryTimeoutMs;
    }

    /**
     * Completes every record in order. As in Kafka, the outcome is set first (callbacks read it), then
     * the callbacks run, then the futures are released: a get() that returns has seen its callback run.
     * Only the first call counts; it is counted in {@code metrics} before any callback runs, so a
     * caller whose get() or flush() returned sees the batch in the meters.
     *
     * @return false when the batch was completed before
     */
    boolean complete(long baseOffset, long logAppendTime, RuntimeException error, ProducerMetrics metrics) {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        metrics.batchCompleted(this, error);
        result.set(baseOffset, logAppendTime, error);
        for (Thunk t : thunks) {
            if (t.callback == null) {
                continue;
            }
            try {
                if (error == null) {
                    t.callback.onCompletion(t.future.value(), null);
                } else {
                    t.callback.onCompletion(t.future.failedValue(), error);
                }
            } catch (RuntimeException e) {
                log.error("Error executing user-provided callback on message for topic-partition '{}'", tp, e);
            }
        }
        result.done();
        return true;
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + tp + ", " + thunks.size() + " records, attempts=" + attempts
                + (hasSequence() ? ", producerId=" + producerId + ", sequence=" + baseSequence : "") + ")";
    }
}

package io.fjord.clients.producer.internals;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.producer.RecordMetadata;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The future send() returns: the batch's result plus this record's place in the batch. */
public final class FutureRecordMetadata implements Future<RecordMetadata> {
    private final TopicPartition tp;
    private final ProduceRequestResult result;
    private final int offsetDelta;
    private final long createTimestamp;
    private final int keySize;
    private final int valueSize;

    FutureRecordMetadata(TopicPartition tp, ProduceRequestResult result, int offsetDelta, long createTimestamp,
                         int keySize, int valueSize) {
        this.tp = tp;
        this.result = result;
        this.offsetDelta = offsetDelta;
        this.createTimestamp = createTimestamp;
        this.keySize = keySize;
        this.valueSize = valueSize;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return result.completed();
    }

    @Override
    public RecordMetadata get() throws InterruptedException, ExecutionException {
        result.await();
        return valueOrError();
    }

    @Override
    public RecordMetadata get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!result.await(timeout, unit)) {
            throw new TimeoutException("Timeout after waiting for " + unit.toMillis(timeout) + " ms.");
        }
        return valueOrError();
    }

    private RecordMetadata valueOrError() throws ExecutionException {
        if (result.error() != null) {
            throw new ExecutionException(result.error());
        }
        return value();
    }

    /** The metadata once the batch succeeded (also what callbacks receive). */
    RecordMetadata value() {
        long base = result.baseOffset();
        long offset = base < 0 ? -1 : base + offsetDelta;
        long timestamp = result.logAppendTime() >= 0 ? result.logAppendTime() : createTimestamp;
        return new RecordMetadata(tp.topic(), tp.partition(), offset, timestamp, keySize, valueSize);
    }

    /** What a failed record's callback receives: -1 everywhere except topic and partition, as Kafka. */
    RecordMetadata failedValue() {
        return new RecordMetadata(tp.topic(), tp.partition(), -1, -1, keySize, valueSize);
    }
}

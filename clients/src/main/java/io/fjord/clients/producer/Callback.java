package io.fjord.clients.producer;

/**
 * Called once when a send completes. Runs on the producer's sender thread (in send order per
 * partition), so it should be quick; a send that fails before it is queued (for example a
 * max.block.ms timeout) calls it on the thread that called send().
 */
@FunctionalInterface
public interface Callback {
    /**
     * @param metadata the record's position; on failure, one with offset -1 (Kafka passes partition -1
     *     when the partition was never chosen)
     * @param exception null on success
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}

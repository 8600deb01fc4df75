package io.fjord.storage;

/**
 * An idempotent producer's batch carrying an epoch older than the latest this partition has seen for the
 * producer id: a newer instance of the producer (or the same one after an epoch bump) took over, so this
 * one is fenced. Nothing was written. Kafka's INVALID_PRODUCER_EPOCH.
 */
public class InvalidProducerEpochException extends RuntimeException {
    private final long producerId;
    private final short producerEpoch;
    private final short currentEpoch;

    public InvalidProducerEpochException(String partition, long producerId, short producerEpoch, short currentEpoch) {
        super("Producer " + producerId + " sent epoch " + producerEpoch + " to " + partition
                + ", older than its current epoch " + currentEpoch + " there; the batch was not written. A newer"
                + " epoch of this producer id fenced this one: stop using it, or re-initialise the producer.");
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.currentEpoch = currentEpoch;
    }

    public long producerId() { return producerId; }
    public short producerEpoch() { return producerEpoch; }
    public short currentEpoch() { return currentEpoch; }
}

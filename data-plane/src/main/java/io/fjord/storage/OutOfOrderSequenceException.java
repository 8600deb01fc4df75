package io.fjord.storage;

/**
 * An idempotent producer's batch whose first sequence does not follow the last one this partition holds
 * for the producer (a gap, or a reordered retry that is not one of the recent batches kept for duplicate
 * detection). Nothing was written. Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER: the producer has lost track of
 * what the partition holds, and must start over with a new epoch (sequence 0) or fail the send.
 */
public class OutOfOrderSequenceException extends RuntimeException {
    private final long producerId;
    private final short producerEpoch;
    private final int expectedSequence;
    private final int firstSequence;

    public OutOfOrderSequenceException(String partition, long producerId, short producerEpoch, int expectedSequence,
                                       int firstSequence, String why) {
        super("Out of order sequence number from producer " + producerId + " (epoch " + producerEpoch + ") for "
                + partition + ": expected sequence " + expectedSequence + ", got " + firstSequence + " (" + why
                + "); the batch was not written. The producer must bump its epoch and restart at sequence 0, or"
                + " fail the send.");
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.expectedSequence = expectedSequence;
        this.firstSequence = firstSequence;
    }

    public long producerId() { return producerId; }
    public short producerEpoch() { return producerEpoch; }
    public int expectedSequence() { return expectedSequence; }
    public int firstSequence() { return firstSequence; }
}

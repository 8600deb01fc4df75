package io.fjord.clients.consumer;

/**
 * What {@link FjordConsumer#offsetsForTimes} found for a partition: the first offset whose record
 * timestamp is at or after the one searched for, and that record's timestamp.
 */
public record OffsetAndTimestamp(long offset, long timestamp) {
    public OffsetAndTimestamp {
        if (offset < 0) {
            throw new IllegalArgumentException("Invalid negative offset " + offset);
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("Invalid negative timestamp " + timestamp);
        }
    }
}

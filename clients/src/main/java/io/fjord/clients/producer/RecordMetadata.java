package io.fjord.clients.producer;

/**
 * Where an acknowledged record was written.
 *
 * @param offset -1 when unknown (acks=0)
 * @param timestamp the record's create time, or the broker's log-append time when the topic uses LogAppendTime
 * @param serializedKeySize -1 for a null key
 * @param serializedValueSize -1 for a null value
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp, int serializedKeySize,
                             int serializedValueSize) {
    public static final int UNKNOWN_PARTITION = -1;

    public boolean hasOffset() {
        return offset >= 0;
    }

    public boolean hasTimestamp() {
        return timestamp >= 0;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}

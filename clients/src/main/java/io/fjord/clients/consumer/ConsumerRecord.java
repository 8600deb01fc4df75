package io.fjord.clients.consumer;

import io.fjord.wire.Header;
import java.util.List;
import java.util.Objects;

/** A record read from a partition, with its offset, timestamp, key, value and headers. */
public final class ConsumerRecord<K, V> {
    public static final long NO_TIMESTAMP = -1L;
    public static final int NULL_SIZE = -1;

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final TimestampType timestampType;
    private final K key;
    private final V value;
    private final List<Header> headers;
    private final int serializedKeySize;
    private final int serializedValueSize;

    /**
     * @param serializedKeySize -1 for a null key
     * @param serializedValueSize -1 for a null value
     */
    public ConsumerRecord(String topic, int partition, long offset, long timestamp, TimestampType timestampType,
                          K key, V value, List<Header> headers, int serializedKeySize, int serializedValueSize) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.timestampType = Objects.requireNonNull(timestampType, "timestampType");
        this.key = key;
        this.value = value;
        this.headers = headers == null || headers.isEmpty() ? List.of() : List.copyOf(headers);
        this.serializedKeySize = serializedKeySize;
        this.serializedValueSize = serializedValueSize;
    }

    public ConsumerRecord(String topic, int partition, long offset, K key, V value) {
        this(topic, partition, offset, NO_TIMESTAMP, TimestampType.NO_TIMESTAMP_TYPE, key, value, List.of(),
                NULL_SIZE, NULL_SIZE);
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    public TimestampType timestampType() {
        return timestampType;
    }

    public K key() {
        return key;
    }

    public V value() {
        return value;
    }

    public List<Header> headers() {
        return headers;
    }

    public int serializedKeySize() {
        return serializedKeySize;
    }

    public int serializedValueSize() {
        return serializedValueSize;
    }

    @Override
    public String toString() {
        return "ConsumerRecord(topic = " + topic + ", partition = " + partition + ", offset = " + offset + ", "
                + timestampType + " = " + timestamp + ", serialized key size = " + serializedKeySize
                + ", serialized value size = " + serializedValueSize + ", headers = " + headers + ", key = " + key
                + ", value = " + value + ")";
    }
}

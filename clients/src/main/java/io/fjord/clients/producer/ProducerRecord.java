package io.fjord.clients.producer;

import io.fjord.wire.Header;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record to send: topic, optional partition (wins over key hashing), optional create timestamp
 * (null: the producer stamps the current time), key, value and headers.
 */
public final class ProducerRecord<K, V> {
    private final String topic;
    private final Integer partition;
    private final Long timestamp;
    private final K key;
    private final V value;
    private final List<Header> headers;

    public ProducerRecord(String topic, Integer partition, Long timestamp, K key, V value, Iterable<Header> headers) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("Topic cannot be null or empty.");
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("Invalid partition: " + partition + ". Partition number should always"
                    + " be non-negative or null.");
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("Invalid timestamp: " + timestamp + ". Timestamp should always be"
                    + " non-negative or null.");
        }
        this.topic = topic;
        this.partition = partition;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        List<Header> hs = new ArrayList<>();
        if (headers != null) {
            headers.forEach(h -> hs.add(Objects.requireNonNull(h, "header")));
        }
        this.headers = List.copyOf(hs);
    }

    public ProducerRecord(String topic, Integer partition, Long timestamp, K key, V value) {
        this(topic, partition, timestamp, key, value, null);
    }

    public ProducerRecord(String topic, Integer partition, K key, V value, Iterable<Header> headers) {
        this(topic, partition, null, key, value, headers);
    }

    public ProducerRecord(String topic, Integer partition, K key, V value) {
        this(topic, partition, null, key, value, null);
    }

    public ProducerRecord(String topic, K key, V value) {
        this(topic, null, null, key, value, null);
    }

    public ProducerRecord(String topic, V value) {
        this(topic, null, null, null, value, null);
    }

    public String topic() {
        return topic;
    }

    public Integer partition() {
        return partition;
    }

    public Long timestamp() {
        return timestamp;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof ProducerRecord<?, ?> r && topic.equals(r.topic) && Objects.equals(partition, r.partition)
                && Objects.equals(timestamp, r.timestamp) && Objects.equals(key, r.key)
                && Objects.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, timestamp, key, value, headers);
    }

    @Override
    public String toString() {
        return "ProducerRecord(topic=" + topic + ", partition=" + partition + ", headers=" + headers + ", key=" + key
                + ", value=" + value + ", timestamp=" + timestamp + ")";
    }
}

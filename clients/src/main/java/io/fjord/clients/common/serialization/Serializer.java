package io.fjord.clients.common.serialization;

import io.fjord.wire.Header;
import java.io.Closeable;
import java.util.Map;

/**
 * Turns a key or value into bytes for the producer. Implementations named by class in
 * {@code key.serializer}/{@code value.serializer} need a public no-argument constructor.
 */
public interface Serializer<T> extends Closeable {
    /** Called once with the producer's configs (as given) before first use. */
    default void configure(Map<String, ?> configs, boolean isKey) {}

    /** @return the bytes, or null for a null key/value */
    byte[] serialize(String topic, T data);

    default byte[] serialize(String topic, Iterable<Header> headers, T data) {
        return serialize(topic, data);
    }

    @Override
    default void close() {}
}

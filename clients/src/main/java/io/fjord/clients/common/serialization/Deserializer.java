package io.fjord.clients.common.serialization;

import io.fjord.wire.Header;
import java.io.Closeable;
import java.util.List;
import java.util.Map;

/**
 * Turns bytes fetched by the consumer back into a key or value. Implementations named by class in
 * {@code key.deserializer}/{@code value.deserializer} need a public no-argument constructor.
 */
public interface Deserializer<T> extends Closeable {
    default void configure(Map<String, ?> configs, boolean isKey) {}

    /** @param data null for a null key/value */
    T deserialize(String topic, byte[] data);

    default T deserialize(String topic, List<Header> headers, byte[] data) {
        return deserialize(topic, data);
    }

    @Override
    default void close() {}
}

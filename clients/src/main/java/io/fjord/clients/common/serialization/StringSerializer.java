package io.fjord.clients.common.serialization;

import java.nio.charset.StandardCharsets;

/** UTF-8, as Kafka's StringSerializer by default. */
public class StringSerializer implements Serializer<String> {
    @Override
    public byte[] serialize(String topic, String data) {
        return data == null ? null : data.getBytes(StandardCharsets.UTF_8);
    }
}

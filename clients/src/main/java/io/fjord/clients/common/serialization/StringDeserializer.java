package io.fjord.clients.common.serialization;

import java.nio.charset.StandardCharsets;

/** UTF-8, as Kafka's StringDeserializer by default. */
public class StringDeserializer implements Deserializer<String> {
    @Override
    public String deserialize(String topic, byte[] data) {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }
}

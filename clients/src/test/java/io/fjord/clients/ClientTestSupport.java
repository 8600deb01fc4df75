package io.fjord.clients;

import io.fjord.clients.common.serialization.StringDeserializer;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.testing.FakeCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Client factories pointed at a FakeCluster, with settings that keep tests fast. */
final class ClientTestSupport {
    private ClientTestSupport() {}

    static Map<String, Object> producerConfigs(FakeCluster cluster, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", cluster.bootstrap());
        m.put("retry.backoff.ms", 10);
        m.put("max.block.ms", 10_000);
        put(m, kv);
        return m;
    }

    static FjordProducer<String, String> producer(FakeCluster cluster, Object... kv) {
        return new FjordProducer<>(producerConfigs(cluster, kv), new StringSerializer(), new StringSerializer());
    }

    static Map<String, Object> consumerConfigs(FakeCluster cluster, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", cluster.bootstrap());
        m.put("fetch.max.wait.ms", 20);
        m.put("retry.backoff.ms", 10);
        m.put("default.api.timeout.ms", 10_000);
        put(m, kv);
        return m;
    }

    static FjordConsumer<String, String> consumer(FakeCluster cluster, Object... kv) {
        return new FjordConsumer<>(consumerConfigs(cluster, kv), new StringDeserializer(), new StringDeserializer());
    }

    private static void put(Map<String, Object> m, Object... kv) {
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
    }

    /** Polls until {@code n} records arrived or 10 s passed. */
    static List<ConsumerRecord<String, String>> pollUntil(FjordConsumer<String, String> consumer, int n) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (out.size() < n && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        return out;
    }
}

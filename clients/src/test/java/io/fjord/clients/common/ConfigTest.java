package io.fjord.clients.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.admin.AdminConfig;
import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.common.errors.ConfigException;
import io.fjord.clients.common.serialization.StringDeserializer;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.consumer.ConsumerConfig;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigTest {
    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092");
        return m;
    }

    @Test
    void unknownKeysAreRejectedByName() {
        Map<String, Object> p = base();
        p.put("linger.msec", "5");
        ConfigException e = assertThrows(ConfigException.class, () -> new ProducerConfig(p));
        assertTrue(e.getMessage().contains("Unknown producer config 'linger.msec'"), e.getMessage());
        assertTrue(e.getMessage().contains("linger.ms"), "lists the known names: " + e.getMessage());

        Map<String, Object> c = base();
        c.put("auto.offset.rest", "earliest");
        e = assertThrows(ConfigException.class, () -> new ConsumerConfig(c));
        assertTrue(e.getMessage().contains("'auto.offset.rest'"), e.getMessage());

        Map<String, Object> a = base();
        a.put("acks", "1");
        e = assertThrows(ConfigException.class, () -> FjordAdmin.create(a));
        assertTrue(e.getMessage().contains("Unknown admin client config 'acks'"), e.getMessage());

        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("bogus", "x");
        e = assertThrows(ConfigException.class,
                () -> new FjordProducer<>(props, new StringSerializer(), new StringSerializer()));
        assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
    }

    @Test
    void defaultsAreKafkas() {
        ProducerConfig p = new ProducerConfig(base());
        assertEquals("all", p.getString("acks"));
        assertEquals(-1, p.acks());
        assertEquals(16384, p.getInt("batch.size"));
        assertEquals(5, p.getLong("linger.ms"));
        assertEquals(33554432L, p.getLong("buffer.memory"));
        assertEquals(60000, p.getLong("max.block.ms"));
        assertEquals(1048576, p.getInt("max.request.size"));
        assertEquals(5, p.getInt("max.in.flight.requests.per.connection"));
        assertEquals(120000, p.deliveryTimeoutMs());
        assertEquals(30000, p.getInt("request.timeout.ms"));
        assertEquals(Integer.MAX_VALUE, p.getInt("retries"));
        assertTrue(p.getBoolean("enable.idempotence"));

        ConsumerConfig c = new ConsumerConfig(base());
        assertEquals("latest", c.getString("auto.offset.reset"));
        assertEquals(500, c.getInt("max.poll.records"));
        assertEquals(500, c.getInt("fetch.max.wait.ms"));
        assertEquals(52428800, c.getInt("fetch.max.bytes"));
        assertEquals(1048576, c.getInt("max.partition.fetch.bytes"));
        assertTrue(c.getBoolean("check.crcs"));
        assertEquals(List.of("127.0.0.1:9092"), c.getList("bootstrap.servers"));
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        Map<String, Object> p = base();
        p.put("acks", "2");
        ConfigException e = assertThrows(ConfigException.class, () -> new ProducerConfig(p));
        assertTrue(e.getMessage().contains("'acks'") && e.getMessage().contains("all, -1, 0, 1"), e.getMessage());

        p.put("acks", 1);
        assertEquals(1, new ProducerConfig(p).acks(), "numbers are accepted where Kafka takes strings");
        p.put("batch.size", "lots");
        e = assertThrows(ConfigException.class, () -> new ProducerConfig(p));
        assertTrue(e.getMessage().contains("'batch.size'") && e.getMessage().contains("integer"), e.getMessage());
        p.remove("batch.size");
        p.put("linger.ms", -1);
        e = assertThrows(ConfigException.class, () -> new ProducerConfig(p));
        assertTrue(e.getMessage().contains("'linger.ms'") && e.getMessage().contains("at least 0"), e.getMessage());
        p.remove("linger.ms");
        for (String codec : new String[] {"none", "gzip", "snappy", "lz4", "zstd"}) {
            p.put("compression.type", codec);
            new ProducerConfig(p);
        }
        p.put("compression.type", "brotli");
        assertThrows(ConfigException.class, () -> new ProducerConfig(p));

        Map<String, Object> c = base();
        c.put("auto.offset.reset", "smallest");
        e = assertThrows(ConfigException.class, () -> new ConsumerConfig(c));
        assertTrue(e.getMessage().contains("latest, earliest, none"), e.getMessage());
    }

    @Test
    void missingOrMalformedBootstrapIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ProducerConfig(Map.of()));
        assertTrue(e.getMessage().contains("'bootstrap.servers'"), e.getMessage());
        Map<String, Object> m = base();
        m.put("bootstrap.servers", "localhost");
        e = assertThrows(ConfigException.class, () -> new FjordConsumer<>(m, new StringDeserializer(), new StringDeserializer()));
        assertTrue(e.getMessage().contains("'localhost'") && e.getMessage().contains("host:port"), e.getMessage());
    }

    @Test
    void deliveryTimeoutMustCoverLingerAndRequestTimeout() {
        Map<String, Object> p = base();
        p.put("delivery.timeout.ms", 1000);
        p.put("request.timeout.ms", 1000);
        ConfigException e = assertThrows(ConfigException.class, () -> new ProducerConfig(p));
        assertTrue(e.getMessage().contains("delivery.timeout.ms"), e.getMessage());
        p.remove("delivery.timeout.ms");
        p.put("request.timeout.ms", 200_000);
        assertEquals(200_005, new ProducerConfig(p).deliveryTimeoutMs(), "a default delivery timeout is raised, as Kafka");
    }

    @Test
    void serializersByClassNameAndMissingSerializer() {
        Map<String, Object> p = base();
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class);
        FjordProducer<String, String> producer = new FjordProducer<>(p);
        producer.close(); // constructed: both forms of class config are accepted
        Map<String, Object> missing = base();
        ConfigException e = assertThrows(ConfigException.class, () -> new FjordProducer<>(missing));
        assertTrue(e.getMessage().contains("'key.serializer'"), e.getMessage());
        Map<String, Object> wrong = base();
        wrong.put("key.deserializer", "no.such.Deserializer");
        e = assertThrows(ConfigException.class, () -> new FjordConsumer<>(wrong));
        assertTrue(e.getMessage().contains("no.such.Deserializer"), e.getMessage());
        Map<String, Object> notA = base();
        notA.put("key.deserializer", StringSerializer.class.getName());
        notA.put("value.deserializer", StringDeserializer.class.getName());
        e = assertThrows(ConfigException.class, () -> new FjordConsumer<>(notA));
        assertTrue(e.getMessage().contains("is not a"), e.getMessage());
    }

    @Test
    void adminDefaults() {
        AdminConfig a = new AdminConfig(base());
        assertEquals(60000, a.getInt("default.api.timeout.ms"));
        assertEquals(30000, a.getInt("request.timeout.ms"));
    }
}

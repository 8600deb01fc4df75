package io.fjord.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** {@link Driver} over Apache Kafka's Java client (the kafka-clients version of bench/kafka-dist). */
final class KafkaDriver implements Driver {
    private final String bootstrap;
    private final Admin admin;

    KafkaDriver(String bootstrap) {
        this.bootstrap = bootstrap;
        Map<String, Object> c = new HashMap<>();
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "bench-admin");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        this.admin = Admin.create(c);
    }

    Admin admin() {
        return admin;
    }

    @Override
    public void createTopic(String name, int partitions, int rf, Map<String, String> configs, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) rf).configs(configs))).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka: cannot create topic " + name + ": " + e, e);
        }
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS).get(name);
                boolean ready = d.partitions().size() == partitions;
                for (TopicPartitionInfo p : d.partitions()) {
                    ready &= p.leader() != null && !p.leader().isEmpty() && p.isr().size() == rf;
                }
                if (ready) {
                    return;
                }
                last = d.toString();
            } catch (Exception e) {
                last = e.toString();
            }
            Bench.sleep(100);
        }
        throw new IllegalStateException("Kafka: topic " + name + " not fully in sync within " + timeout.toSeconds() + " s: " + last);
    }

    @Override
    public int leader(String topic, int partition) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.partition() == partition) {
                    return p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
                }
            }
            return -1;
        } catch (Exception e) {
            throw new IllegalStateException("Kafka: cannot describe " + topic + ": " + e, e);
        }
    }

    @Override
    public Producer producer(Map<String, Object> configs) {
        Map<String, Object> c = new HashMap<>(configs);
        c.put("bootstrap.servers", bootstrap);
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
        return new Producer() {
            @Override
            public void send(String topic, byte[] value, Ack ack) {
                p.send(new ProducerRecord<>(topic, value), (md, e) -> ack.done(e == null ? md.offset() : -1, e));
            }

            @Override
            public void flush() {
                p.flush();
            }

            @Override
            public void close() {
                p.close(Duration.ofSeconds(30));
            }
        };
    }

    @Override
    public Consumer consumer(Map<String, Object> configs) {
        Map<String, Object> c = new HashMap<>(configs);
        c.put("bootstrap.servers", bootstrap);
        c.putIfAbsent("enable.auto.commit", "false");
        KafkaConsumer<byte[], byte[]> k = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new Consumer() {
            private final List<TopicPartition> tps = new ArrayList<>();

            @Override
            public List<Integer> assignAll(String topic) {
                List<PartitionInfo> ps = k.partitionsFor(topic, Duration.ofSeconds(30));
                tps.clear();
                List<Integer> out = new ArrayList<>();
                for (PartitionInfo p : ps) {
                    tps.add(new TopicPartition(topic, p.partition()));
                    out.add(p.partition());
                }
                k.assign(tps);
                return out;
            }

            @Override
            public void seekToBeginning() {
                k.seekToBeginning(tps);
            }

            @Override
            public void seekToEnd() {
                k.seekToEnd(tps);
                tps.forEach(tp -> k.position(tp, Duration.ofSeconds(30)));
            }

            @Override
            public Map<Integer, Long> endOffsets() {
                Map<Integer, Long> out = new TreeMap<>();
                k.endOffsets(tps, Duration.ofSeconds(30)).forEach((tp, o) -> out.put(tp.partition(), o));
                return out;
            }

            @Override
            public int poll(Duration timeout, RecordSink sink) {
                int n = 0;
                for (ConsumerRecord<byte[], byte[]> r : k.poll(timeout)) {
                    sink.accept(r.partition(), r.offset(), r.value());
                    n++;
                }
                return n;
            }

            @Override
            public void close() {
                k.close(Duration.ofSeconds(10));
            }
        };
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(10));
    }
}

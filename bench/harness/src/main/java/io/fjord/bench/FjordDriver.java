package io.fjord.bench;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.admin.TopicDescription;
import io.fjord.clients.admin.TopicPartitionInfo;
import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.ByteArrayDeserializer;
import io.fjord.clients.common.serialization.ByteArraySerializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@link Driver} over Fjord's Java client (same config names as Kafka's). */
final class FjordDriver implements Driver {
    private final String bootstrap;
    private final FjordAdmin admin;

    FjordDriver(String bootstrap) {
        this.bootstrap = bootstrap;
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("client.id", "bench-admin");
        this.admin = FjordAdmin.create(c);
    }

    @Override
    public void createTopic(String name, int partitions, int rf, Map<String, String> configs, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) rf).configs(configs)));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Fjord: cannot create topic " + name + ": " + e, e);
        }
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription d = admin.describeTopics(List.of(name)).get(name);
                boolean ready = d.partitions().size() == partitions;
                for (TopicPartitionInfo p : d.partitions()) {
                    ready &= p.leader() != null && p.isr().size() == rf;
                }
                if (ready) {
                    return;
                }
                last = d.toString();
            } catch (RuntimeException e) {
                last = e.toString();
            }
            Bench.sleep(100);
        }
        throw new IllegalStateException("Fjord: topic " + name + " not fully in sync within " + timeout.toSeconds() + " s: " + last);
    }

    @Override
    public int leader(String topic, int partition) {
        TopicDescription d = admin.describeTopics(List.of(topic)).get(topic);
        for (TopicPartitionInfo p : d.partitions()) {
            if (p.partition() == partition) {
                return p.leader() == null ? -1 : p.leader().id();
            }
        }
        return -1;
    }

    @Override
    public Producer producer(Map<String, Object> configs) {
        Map<String, Object> c = new HashMap<>(configs);
        c.put("bootstrap.servers", bootstrap);
        FjordProducer<byte[], byte[]> p = new FjordProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
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
        FjordConsumer<byte[], byte[]> k = new FjordConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new Consumer() {
            private final List<TopicPartition> tps = new ArrayList<>();

            @Override
            public List<Integer> assignAll(String topic) {
                List<PartitionInfo> ps = k.partitionsFor(topic);
                tps.clear();
                List<Integer> out = new ArrayList<>();
                for (PartitionInfo p : ps) {
                    tps.add(p.topicPartition());
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
        admin.close();
    }
}

package io.fjord.clients.producer;

import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.config.ClientConfig;
import io.fjord.clients.common.errors.ConfigException;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.RecordTooLargeException;
import io.fjord.clients.common.errors.SerializationException;
import io.fjord.clients.common.serialization.Serializer;
import io.fjord.clients.internals.BootstrapServers;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.ClientMetrics;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.internals.Metadata;
import io.fjord.clients.internals.Time;
import io.fjord.clients.producer.internals.MemoryPool;
import io.fjord.clients.producer.internals.Partitioner;
import io.fjord.clients.producer.internals.ProducerMetrics;
import io.fjord.clients.producer.internals.RecordAccumulator;
import io.fjord.clients.producer.internals.RecordAccumulator.RecordAppendResult;
import io.fjord.clients.producer.internals.Sender;
import io.fjord.clients.producer.internals.StickyPartitionCache;
import io.fjord.wire.CompressionType;
import io.fjord.wire.Header;
import io.fjord.wire.RecordBatchBuilder;
import io.fjord.wire.RecordBatchHeader;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records to Fjord brokers, as Kafka's KafkaProducer: {@link #send} serializes, picks the
 * partition and appends to a per-partition batch; one background sender thread ships ready batches
 * (one Produce request per broker, on one stream per broker) and completes the futures and callbacks. Thread-safe: share one
 * instance between threads.
 *
 * <p>Configs are Kafka's (see {@link ProducerConfig}); unknown names are rejected.
 * With {@code enable.idempotence} (the default) retries write no duplicates and keep each partition's
 * records in send order, up to 5 requests in flight. Without key, records stick to one partition
 * until a batch is sent (KIP-480); with a key, the partition is murmur2(key) as in Kafka.
 *
 * <p>Failures known before the record is queued (topic not in metadata or no memory within
 * max.block.ms, record too large) complete the returned future and the callback exceptionally, as
 * Kafka does; serialization errors and sends after close are thrown.
 *
 * <p>Metrics: {@link #metrics()} is a Micrometer registry with the producer's meters (request latency,
 * batch sizes, records and bytes sent, retries, errors, buffer memory; see docs/CLIENTS.md), each
 * tagged {@code client.id}. Pass a registry of your own to a constructor to have them there instead.
 */
public class FjordProducer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordProducer.class);
    private static final AtomicInteger CLIENT_SEQ = new AtomicInteger(1);

    private final String clientId;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final BrokerChannels channels;
    private final Metadata metadata;
    private final MemoryPool pool;
    private final RecordAccumulator accumulator;
    private final Partitioner partitioner;
    private final Sender sender;
    private final Thread ioThread;
    private final Time time;
    private final ClientMetrics clientMetrics;
    private final ProducerMetrics metrics;
    private final long maxBlockMs;
    private final int maxRequestSize;
    private volatile boolean closed;
    /** Set when close() is called from a callback, which cannot wait for the sender thread it runs on. */
    private volatile boolean releaseOnSenderExit;
    private final AtomicBoolean released = new AtomicBoolean();

    public FjordProducer(Properties props) {
        this(ClientConfig.toMap(props), null, null);
    }

    public FjordProducer(Map<String, Object> configs) {
        this(configs, null, null);
    }

    public FjordProducer(Properties props, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(ClientConfig.toMap(props), keySerializer, valueSerializer);
    }

    public FjordProducer(Map<String, Object> configs, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(configs, keySerializer, valueSerializer, null);
    }

    /**
     * Registers the producer's meters in {@code meterRegistry} (tagged with this producer's
     * {@code client.id}) instead of a registry of its own; close() removes them from it again.
     * Null means a registry of its own, as the other constructors.
     */
    public FjordProducer(Properties props, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                         MeterRegistry meterRegistry) {
        this(ClientConfig.toMap(props), keySerializer, valueSerializer, meterRegistry);
    }

    /** As {@link #FjordProducer(Properties, Serializer, Serializer, MeterRegistry)}. */
    public FjordProducer(Map<String, Object> configs, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                         MeterRegistry meterRegistry) {
        this(new ProducerConfig(configs), keySerializer, valueSerializer, BrokerChannels.PLAINTEXT, Time.SYSTEM,
                meterRegistry);
    }

    /** For tests: a channel factory (e.g. to an in-process server) and a clock. */
    FjordProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                  BrokerChannels.ChannelFactory channelFactory, Time time) {
        this(config, keySerializer, valueSerializer, channelFactory, time, null);
    }

    @SuppressWarnings("unchecked")
    FjordProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                  BrokerChannels.ChannelFactory channelFactory, Time time, MeterRegistry meterRegistry) {
        String id = config.getString(ProducerConfig.CLIENT_ID_CONFIG);
        this.clientId = id.isEmpty() ? "producer-" + CLIENT_SEQ.getAndIncrement() : id;
        this.time = time;
        this.keySerializer = keySerializer != null ? keySerializer
                : (Serializer<K>) configured(config, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, true);
        this.valueSerializer = valueSerializer != null ? valueSerializer
                : (Serializer<V>) configured(config, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, false);
        this.maxBlockMs = config.getLong(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        this.maxRequestSize = config.getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int requestTimeoutMs = config.getInt(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        long retryBackoffMs = config.getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG);
        this.channels = new BrokerChannels(channelFactory);
        this.metadata = new Metadata(BootstrapServers.parse(config.getList(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)),
                channels, requestTimeoutMs, config.getLong(ProducerConfig.METADATA_MAX_AGE_CONFIG), retryBackoffMs, time);
        this.pool = new MemoryPool(config.getLong(ProducerConfig.BUFFER_MEMORY_CONFIG));
        this.clientMetrics = new ClientMetrics(meterRegistry, clientId);
        this.metrics = new ProducerMetrics(clientMetrics);
        this.accumulator = new RecordAccumulator(config.getInt(ProducerConfig.BATCH_SIZE_CONFIG),
                CompressionType.forName(config.getString(ProducerConfig.COMPRESSION_TYPE_CONFIG).toLowerCase()),
                config.getLong(ProducerConfig.LINGER_MS_CONFIG), retryBackoffMs, pool, metrics);
        this.partitioner = new Partitioner(new StickyPartitionCache(new Random()));
        this.sender = new Sender(accumulator, metadata, channels, time, new Sender.Settings(config.acks(),
                requestTimeoutMs, config.getInt(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), maxRequestSize,
                config.getInt(ProducerConfig.RETRIES_CONFIG), retryBackoffMs, config.deliveryTimeoutMs(),
                config.idempotenceEnabled()), metrics);
        metrics.bindGauges(pool, sender);
        this.ioThread = new Thread(() -> {
            try {
                sender.run();
            } finally {
                if (releaseOnSenderExit) {
                    releaseResources();
                }
            }
        }, "fjord-producer-network-thread | " + clientId);
        this.ioThread.setDaemon(true);
        this.ioThread.start();
        log.debug("producer {} started", clientId);
    }

    private static Serializer<?> configured(ProducerConfig config, String name, boolean isKey) {
        Serializer<?> s = config.getConfiguredInstance(name, Serializer.class);
        if (s == null) {
            throw new ConfigException("Missing required producer config '" + name + "': give a Serializer class name"
                    + " (e.g. io.fjord.clients.common.serialization.StringSerializer) or pass a Serializer instance.");
        }
        s.configure(config.originals(), isKey);
        return s;
    }

    /** Same as {@code send(record, null)}. */
    public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    /**
     * Queues a record and returns at once (unless buffer.memory is full or the topic's metadata is not
     * known yet: then it blocks up to max.block.ms). The callback runs when the record is acknowledged
     * or has failed.
     *
     * @throws IllegalStateException after close
     * @throws SerializationException when the key or value cannot be serialized
     */
    public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        if (closed) {
            throw new IllegalStateException("Cannot perform operation after producer has been closed");
        }
        TopicPartition tp = null;
        try {
            long nowMs = time.milliseconds();
            Cluster cluster = metadata.awaitPartitions(record.topic(), record.partition(), maxBlockMs);
            long remainingMs = Math.max(0, maxBlockMs - (time.milliseconds() - nowMs));
            byte[] key = serialize(keySerializer, record, record.key(), "key");
            byte[] value = serialize(valueSerializer, record, record.value(), "value");
            Header[] headers = record.headers().toArray(new Header[0]);
            int numPartitions = cluster.partitionCount(record.topic());
            int partition = partitioner.partition(record.topic(), record.partition(), key, cluster, numPartitions);
            tp = new TopicPartition(record.topic(), partition);
            ensureValidRecordSize(RecordBatchHeader.HEADER_SIZE + RecordBatchBuilder.estimateRecordSize(key, value, headers));
            long timestamp = record.timestamp() == null ? nowMs : record.timestamp();
            boolean sticky = Partitioner.isSticky(record.partition(), key);
            RecordAppendResult result = accumulator.append(tp, timestamp, key, value, headers, callback, remainingMs,
                    sticky, time.milliseconds());
            if (result.abortForNewBatch()) {
                int prev = partition;
                partition = partitioner.onNewBatch(record.topic(), cluster, prev);
                tp = new TopicPartition(record.topic(), partition);
                log.trace("sticky partition of {} moved from {} to {}", record.topic(), prev, partition);
                result = accumulator.append(tp, timestamp, key, value, headers, callback, remainingMs, false,
                        time.milliseconds());
            }
            if (result.batchIsFull() || result.newBatchCreated()) {
                sender.wakeup();
            }
            return result.future();
        } catch (SerializationException | InterruptException | IllegalStateException e) {
            throw e;
        } catch (FjordException e) {
            log.debug("send to {} failed before it was queued: {}", tp != null ? tp : record.topic(), e.getMessage());
            metrics.recordsFailed(e, 1);
            if (callback != null) {
                int partition = tp != null ? tp.partition() : RecordMetadata.UNKNOWN_PARTITION;
                callback.onCompletion(new RecordMetadata(record.topic(), partition, -1, -1, -1, -1), e);
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    private <T> byte[] serialize(Serializer<T> serializer, ProducerRecord<K, V> record, T data, String what) {
        try {
            return serializer.serialize(record.topic(), record.headers(), data);
        } catch (ClassCastException e) {
            throw new SerializationException("Can't convert " + what + " of class " + data.getClass().getName()
                    + " to the class expected by " + serializer.getClass().getName() + " for topic " + record.topic()
                    + ": check " + what + ".serializer.", e);
        } catch (SerializationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("Could not serialize the " + what + " of a record for topic "
                    + record.topic() + " with " + serializer.getClass().getName() + ": " + e, e);
        }
    }

    private void ensureValidRecordSize(int size) {
        if (size > maxRequestSize) {
            throw new RecordTooLargeException("The message is " + size + " bytes when serialized which is larger than "
                    + maxRequestSize + ", which is the value of the max.request.size configuration.");
        }
        if (size > pool.totalMemory()) {
            throw new RecordTooLargeException("The message is " + size + " bytes when serialized which is larger than"
                    + " the total memory buffer you have configured with the buffer.memory configuration.");
        }
    }

    /**
     * Makes every record sent so far ready to send at once and blocks until all of them have
     * completed (successfully or not).
     */
    public void flush() {
        accumulator.beginFlush();
        sender.wakeup();
        accumulator.awaitFlushCompletion();
    }

    /** The topic's partitions, fetching metadata first if needed (blocks up to max.block.ms). */
    public List<PartitionInfo> partitionsFor(String topic) {
        if (closed) {
            throw new IllegalStateException("Cannot perform operation after producer has been closed");
        }
        return metadata.awaitPartitions(topic, null, maxBlockMs).partitionsForTopic(topic);
    }

    /**
     * The producer's meters (see docs/CLIENTS.md, "Metrics"), each tagged {@code client.id}: the
     * registry given to the constructor, else a {@code SimpleMeterRegistry} of this producer's own.
     * After close the producer's own registry is closed (its meters keep their last values); from a
     * registry given, the producer's meters are removed.
     */
    public MeterRegistry metrics() {
        return clientMetrics.registry();
    }

    /** Sends everything queued, waits for the answers, then releases the connections. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Like {@link #close()}, but waits at most {@code timeout}; records still unacknowledged then are
     * failed. Called from a callback (the sender thread), it does not wait, as in Kafka.
     */
    public void close(Duration timeout) {
        long timeoutMs = timeout.toMillis();
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("The timeout cannot be negative.");
        }
        boolean fromSender = Thread.currentThread() == ioThread;
        closed = true;
        if (fromSender) {
            releaseOnSenderExit = true;
        }
        if (fromSender || timeoutMs == 0) {
            sender.forceClose();
        } else {
            sender.initiateClose();
        }
        if (!fromSender) {
            try {
                ioThread.join(timeoutMs);
                if (ioThread.isAlive()) {
                    log.info("producer {}: close timed out after {} ms, failing unsent records", clientId, timeoutMs);
                    sender.forceClose();
                    ioThread.join();
                }
            } catch (InterruptedException e) {
                sender.forceClose();
                throw new InterruptException("interrupted while closing the producer", e);
            } finally {
                releaseResources();
            }
        }
    }

    private void releaseResources() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        channels.close();
        keySerializer.close();
        valueSerializer.close();
        clientMetrics.close();
        log.debug("producer {} closed", clientId);
    }
}

package io.fjord.clients.consumer;

import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.config.ClientConfig;
import io.fjord.clients.common.errors.ConfigException;
import io.fjord.clients.common.errors.NoOffsetForPartitionException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.WakeupException;
import io.fjord.clients.common.serialization.Deserializer;
import io.fjord.clients.consumer.internals.ConsumerMetrics;
import io.fjord.clients.consumer.internals.Fetcher;
import io.fjord.clients.consumer.internals.SubscriptionState;
import io.fjord.clients.consumer.internals.SubscriptionState.ResetStrategy;
import io.fjord.clients.internals.BootstrapServers;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.ClientMetrics;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.internals.ListOffsetsClient;
import io.fjord.clients.internals.Metadata;
import io.fjord.clients.internals.Time;
import io.fjord.proto.MetadataRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records from Fjord partitions, as Kafka's KafkaConsumer with manual assignment: assign()
 * partitions, optionally seek(), then poll() in a loop. Not thread-safe: use it from one thread
 * (a second thread gets ConcurrentModificationException, as in Kafka); only {@link #wakeup()} may be
 * called from any thread.
 *
 * <p>Where a partition has no position, auto.offset.reset decides (latest by default; earliest; none
 * throws {@link NoOffsetForPartitionException}); a position that falls out of the log is reset the
 * same way. Consumer groups (subscribe, commits) come later: group.id and enable.auto.commit are
 * accepted and have no effect. Blocking calls without a timeout argument use default.api.timeout.ms.
 *
 * <p>Metrics: {@link #metrics()} is a Micrometer registry with the consumer's meters (fetch latency,
 * records and bytes consumed, fetch errors, max lag; see docs/CLIENTS.md), each tagged
 * {@code client.id}. Pass a registry of your own to a constructor to have them there instead.
 */
public class FjordConsumer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordConsumer.class);
    private static final AtomicInteger CLIENT_SEQ = new AtomicInteger(1);
    private static final long NO_THREAD = -1L;

    private final String clientId;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final BrokerChannels channels;
    private final Metadata metadata;
    private final SubscriptionState subscriptions;
    private final Fetcher<K, V> fetcher;
    private final ListOffsetsClient offsets;
    private final ClientMetrics clientMetrics;
    private final Time time;
    private final long defaultApiTimeoutMs;
    private final long retryBackoffMs;
    private final AtomicLong currentThread = new AtomicLong(NO_THREAD);
    private final AtomicInteger refCount = new AtomicInteger();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private volatile boolean closed;

    public FjordConsumer(Properties props) {
        this(ClientConfig.toMap(props), null, null);
    }

    public FjordConsumer(Map<String, Object> configs) {
        this(configs, null, null);
    }

    public FjordConsumer(Properties props, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(ClientConfig.toMap(props), keyDeserializer, valueDeserializer);
    }

    public FjordConsumer(Map<String, Object> configs, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(configs, keyDeserializer, valueDeserializer, null);
    }

    /**
     * Registers the consumer's meters in {@code meterRegistry} (tagged with this consumer's
     * {@code client.id}) instead of a registry of its own; close() removes them from it again.
     * Null means a registry of its own, as the other constructors.
     */
    public FjordConsumer(Properties props, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                         MeterRegistry meterRegistry) {
        this(ClientConfig.toMap(props), keyDeserializer, valueDeserializer, meterRegistry);
    }

    /** As {@link #FjordConsumer(Properties, Deserializer, Deserializer, MeterRegistry)}. */
    public FjordConsumer(Map<String, Object> configs, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                         MeterRegistry meterRegistry) {
        this(new ConsumerConfig(configs), keyDeserializer, valueDeserializer, BrokerChannels.PLAINTEXT, Time.SYSTEM,
                meterRegistry);
    }

    /** For tests: a channel factory and a clock. */
    FjordConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                  BrokerChannels.ChannelFactory channelFactory, Time time) {
        this(config, keyDeserializer, valueDeserializer, channelFactory, time, null);
    }

    @SuppressWarnings("unchecked")
    FjordConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                  BrokerChannels.ChannelFactory channelFactory, Time time, MeterRegistry meterRegistry) {
        String id = config.getString(ConsumerConfig.CLIENT_ID_CONFIG);
        this.clientId = id.isEmpty() ? "consumer-" + CLIENT_SEQ.getAndIncrement() : id;
        this.time = time;
        this.keyDeserializer = keyDeserializer != null ? keyDeserializer
                : (Deserializer<K>) configured(config, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, true);
        this.valueDeserializer = valueDeserializer != null ? valueDeserializer
                : (Deserializer<V>) configured(config, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, false);
        this.defaultApiTimeoutMs = config.getInt(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        this.retryBackoffMs = config.getLong(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG);
        int requestTimeoutMs = config.getInt(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        int isolation = config.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG).equalsIgnoreCase("read_committed") ? 1 : 0;
        this.channels = new BrokerChannels(channelFactory);
        this.metadata = new Metadata(BootstrapServers.parse(config.getList(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)),
                channels, requestTimeoutMs, config.getLong(ConsumerConfig.METADATA_MAX_AGE_CONFIG), retryBackoffMs, time);
        this.subscriptions = new SubscriptionState(ResetStrategy.valueOf(
                config.getString(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG).toUpperCase(Locale.ROOT)));
        this.clientMetrics = new ClientMetrics(meterRegistry, clientId);
        this.fetcher = new Fetcher<>(metadata, channels, subscriptions, new Fetcher.Settings(
                config.getInt(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), config.getInt(ConsumerConfig.FETCH_MAX_BYTES_CONFIG),
                config.getInt(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                config.getInt(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                config.getInt(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), config.getBoolean(ConsumerConfig.CHECK_CRCS_CONFIG),
                requestTimeoutMs, isolation), this.keyDeserializer, this.valueDeserializer,
                new ConsumerMetrics(clientMetrics), time);
        this.offsets = new ListOffsetsClient(metadata, channels, retryBackoffMs, isolation, time);
        log.debug("consumer {} created", clientId);
    }

    private static Deserializer<?> configured(ConsumerConfig config, String name, boolean isKey) {
        Deserializer<?> d = config.getConfiguredInstance(name, Deserializer.class);
        if (d == null) {
            throw new ConfigException("Missing required consumer config '" + name + "': give a Deserializer class name"
                    + " (e.g. io.fjord.clients.common.serialization.StringDeserializer) or pass a Deserializer instance.");
        }
        d.configure(config.originals(), isKey);
        return d;
    }

    /** Reads from exactly these partitions from now on; partitions kept keep their positions. */
    public void assign(Collection<TopicPartition> partitions) {
        acquireAndEnsureOpen();
        try {
            for (TopicPartition tp : partitions) {
                if (tp == null || tp.topic().isBlank()) {
                    throw new IllegalArgumentException("Topic partitions to assign to cannot have null or empty topic");
                }
            }
            for (TopicPartition tp : subscriptions.assignedPartitions()) {
                if (!partitions.contains(tp)) {
                    fetcher.clearBufferedData(tp);
                }
            }
            subscriptions.assign(partitions);
            Set<String> topics = new HashSet<>();
            partitions.forEach(tp -> topics.add(tp.topic()));
            metadata.setTopics(topics);
        } finally {
            release();
        }
    }

    public Set<TopicPartition> assignment() {
        acquireAndEnsureOpen();
        try {
            return subscriptions.assignedPartitions();
        } finally {
            release();
        }
    }

    /**
     * Returns the records fetched since the last call, at most max.poll.records, waiting up to
     * {@code timeout} for some to arrive. Positions advance past the records returned.
     *
     * @throws NoOffsetForPartitionException when a partition has no position and auto.offset.reset=none
     * @throws io.fjord.clients.common.errors.OffsetOutOfRangeException when a position is out of range
     *     and auto.offset.reset=none
     * @throws WakeupException when {@link #wakeup()} was called before or during this poll
     */
    public ConsumerRecords<K, V> poll(Duration timeout) {
        acquireAndEnsureOpen();
        try {
            if (subscriptions.isEmpty()) {
                throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
            }
            long deadline = saturatedAdd(time.milliseconds(), timeout.toMillis());
            while (true) {
                maybeThrowWakeup();
                Cluster cluster = metadata.maybeUpdate(time.milliseconds());
                try {
                    updateFetchPositions(deadline);
                } catch (RetriableException e) {
                    log.debug("could not find fetch positions yet: {}", e.getMessage());
                }
                Map<TopicPartition, List<ConsumerRecord<K, V>>> records = fetcher.collect();
                if (!records.isEmpty()) {
                    fetcher.sendFetches(metadata.cluster()); // pipelining: the next data is on its way while the caller works
                    return new ConsumerRecords<>(records);
                }
                long remaining = deadline - time.milliseconds();
                if (remaining <= 0) {
                    return ConsumerRecords.empty();
                }
                fetcher.sendFetches(cluster);
                long waitMs = fetcher.hasPendingFetches() ? remaining : Math.min(remaining, retryBackoffMs);
                fetcher.awaitAnswers(Math.min(waitMs, Math.max(1, metadata.timeToNextUpdateMs(time.milliseconds()))));
            }
        } finally {
            release();
        }
    }

    private void maybeThrowWakeup() {
        if (wakeupRequested.getAndSet(false)) {
            throw new WakeupException();
        }
    }

    /**
     * Makes a poll blocked in another thread throw {@link WakeupException} promptly, or, when none is
     * in progress, the next one. Thread-safe: the one method that may be called from any thread.
     */
    public void wakeup() {
        wakeupRequested.set(true);
        fetcher.wakeup();
    }

    /**
     * Stops fetching from these partitions: poll returns none of their records until they are
     * resumed. Positions are kept, so resume continues exactly where the partition stood.
     */
    public void pause(Collection<TopicPartition> partitions) {
        acquireAndEnsureOpen();
        try {
            for (TopicPartition tp : partitions) {
                subscriptions.pause(tp);
                fetcher.clearBufferedData(tp);
            }
        } finally {
            release();
        }
    }

    /** Fetches from these paused partitions again; partitions not paused are left as they are. */
    public void resume(Collection<TopicPartition> partitions) {
        acquireAndEnsureOpen();
        try {
            for (TopicPartition tp : partitions) {
                subscriptions.resume(tp);
            }
        } finally {
            release();
        }
    }

    /** The partitions paused by {@link #pause} and not resumed since. */
    public Set<TopicPartition> paused() {
        acquireAndEnsureOpen();
        try {
            return subscriptions.pausedPartitions();
        } finally {
            release();
        }
    }

    /**
     * Per partition, the earliest offset whose record timestamp is at or after the given timestamp,
     * asking each partition's leader; the value is null where no such record exists (the timestamp is
     * past the last record), as in Kafka.
     */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
        return offsetsForTimes(timestampsToSearch, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch,
                                                                   Duration timeout) {
        acquireAndEnsureOpen();
        try {
            for (Map.Entry<TopicPartition, Long> e : timestampsToSearch.entrySet()) {
                // negative values are the earliest/latest markers of the wire protocol, not timestamps
                if (e.getValue() == null || e.getValue() < 0) {
                    throw new IllegalArgumentException("The target time for partition " + e.getKey() + " is "
                            + e.getValue() + ". The target time cannot be negative.");
                }
            }
            Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            if (timestampsToSearch.isEmpty()) {
                return out;
            }
            offsets.lookup(timestampsToSearch, timeout.toMillis()).forEach((tp, found) ->
                    out.put(tp, found.offset() < 0 ? null : new OffsetAndTimestamp(found.offset(), Math.max(0, found.timestamp()))));
            return out;
        } finally {
            release();
        }
    }

    /** Resets partitions without position per seekTo* or auto.offset.reset. */
    private void updateFetchPositions(long deadline) {
        List<TopicPartition> missing = subscriptions.partitionsWithoutPosition();
        if (missing.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> timestamps = new LinkedHashMap<>();
        Map<TopicPartition, ResetStrategy> strategies = new LinkedHashMap<>();
        Set<TopicPartition> noStrategy = new HashSet<>();
        for (TopicPartition tp : missing) {
            ResetStrategy s = subscriptions.resetStrategy(tp);
            if (s == ResetStrategy.NONE) {
                noStrategy.add(tp);
            } else {
                strategies.put(tp, s);
                timestamps.put(tp, s == ResetStrategy.EARLIEST ? ListOffsetsClient.EARLIEST_TIMESTAMP
                        : ListOffsetsClient.LATEST_TIMESTAMP);
            }
        }
        if (!noStrategy.isEmpty()) {
            throw new NoOffsetForPartitionException(noStrategy);
        }
        Map<TopicPartition, Long> found = offsets.listOffsets(timestamps, Math.max(0, deadline - time.milliseconds()));
        found.forEach((tp, offset) -> {
            log.debug("Resetting offset for partition {} to position {} ({})", tp, offset, strategies.get(tp));
            subscriptions.completeReset(tp, strategies.get(tp), offset);
        });
    }

    /** The next poll() returns records from {@code offset} on. */
    public void seek(TopicPartition partition, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must not be a negative number");
        }
        acquireAndEnsureOpen();
        try {
            subscriptions.seek(partition, offset);
            fetcher.clearBufferedData(partition);
        } finally {
            release();
        }
    }

    /** Moves to the first offset of each partition (all assigned ones when empty), evaluated lazily. */
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        requestReset(partitions, ResetStrategy.EARLIEST);
    }

    /** Moves to the end (the high watermark) of each partition (all assigned ones when empty), lazily. */
    public void seekToEnd(Collection<TopicPartition> partitions) {
        requestReset(partitions, ResetStrategy.LATEST);
    }

    private void requestReset(Collection<TopicPartition> partitions, ResetStrategy strategy) {
        if (partitions == null) {
            throw new IllegalArgumentException("Partitions collection cannot be null");
        }
        acquireAndEnsureOpen();
        try {
            Collection<TopicPartition> tps = partitions.isEmpty() ? subscriptions.assignedPartitions() : partitions;
            for (TopicPartition tp : tps) {
                subscriptions.requestReset(tp, strategy);
                fetcher.clearBufferedData(tp);
            }
        } finally {
            release();
        }
    }

    /** The offset of the next record poll() would return, resolving a pending reset first. */
    public long position(TopicPartition partition) {
        return position(partition, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public long position(TopicPartition partition, Duration timeout) {
        acquireAndEnsureOpen();
        try {
            if (!subscriptions.isAssigned(partition)) {
                throw new IllegalStateException("You can only check the position for partitions assigned to this consumer.");
            }
            long deadline = saturatedAdd(time.milliseconds(), timeout.toMillis());
            while (subscriptions.position(partition) == null) {
                updateFetchPositions(deadline);
            }
            return subscriptions.position(partition);
        } finally {
            release();
        }
    }

    /** The topic's partitions; empty when the topic does not exist. */
    public List<PartitionInfo> partitionsFor(String topic) {
        acquireAndEnsureOpen();
        try {
            MetadataRequest request = MetadataRequest.newBuilder().addTopics(topic).build();
            return Cluster.fromResponse(metadata.fetch(request, saturatedAdd(time.milliseconds(), defaultApiTimeoutMs)))
                    .partitionsForTopic(topic);
        } finally {
            release();
        }
    }

    /** Every topic with its partitions. */
    public Map<String, List<PartitionInfo>> listTopics() {
        acquireAndEnsureOpen();
        try {
            MetadataRequest request = MetadataRequest.newBuilder().setAllTopics(true).build();
            Cluster c = Cluster.fromResponse(metadata.fetch(request, saturatedAdd(time.milliseconds(), defaultApiTimeoutMs)));
            Map<String, List<PartitionInfo>> out = new TreeMap<>();
            for (String t : c.topics()) {
                out.put(t, c.partitionsForTopic(t));
            }
            return out;
        } finally {
            release();
        }
    }

    /** The first offset of each partition (the log start offset). */
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return beginningOffsets(partitions, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return listOffsets(partitions, ListOffsetsClient.EARLIEST_TIMESTAMP, timeout);
    }

    /** The end offset of each partition: the high watermark, i.e. the offset the next record will get. */
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return endOffsets(partitions, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return listOffsets(partitions, ListOffsetsClient.LATEST_TIMESTAMP, timeout);
    }

    private Map<TopicPartition, Long> listOffsets(Collection<TopicPartition> partitions, long spec, Duration timeout) {
        acquireAndEnsureOpen();
        try {
            Map<TopicPartition, Long> timestamps = new LinkedHashMap<>();
            partitions.forEach(tp -> timestamps.put(tp, spec));
            return offsets.listOffsets(timestamps, timeout.toMillis());
        } finally {
            release();
        }
    }

    /**
     * The consumer's meters (see docs/CLIENTS.md, "Metrics"), each tagged {@code client.id}: the
     * registry given to the constructor, else a {@code SimpleMeterRegistry} of this consumer's own.
     * After close the consumer's own registry is closed (its meters keep their last values); from a
     * registry given, the consumer's meters are removed. Callable from any thread.
     */
    public MeterRegistry metrics() {
        return clientMetrics.registry();
    }

    @Override
    public void close() {
        close(Duration.ofMillis(30000));
    }

    /** Releases the connections; there is nothing to commit yet, so this does not wait for brokers. */
    public void close(Duration timeout) {
        acquire();
        try {
            if (closed) {
                return;
            }
            closed = true;
            channels.close();
            keyDeserializer.close();
            valueDeserializer.close();
            clientMetrics.close();
            log.debug("consumer {} closed", clientId);
        } finally {
            release();
        }
    }

    private void acquireAndEnsureOpen() {
        acquire();
        if (closed) {
            release();
            throw new IllegalStateException("This consumer has already been closed.");
        }
    }

    /** Kafka's light-weight guard against use from several threads at once. */
    private void acquire() {
        long threadId = Thread.currentThread().getId();
        if (threadId != currentThread.get() && !currentThread.compareAndSet(NO_THREAD, threadId)) {
            throw new ConcurrentModificationException("FjordConsumer is not safe for multi-threaded access");
        }
        refCount.incrementAndGet();
    }

    private void release() {
        if (refCount.decrementAndGet() == 0) {
            currentThread.set(NO_THREAD);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

package io.fjord.clients.admin;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.config.ClientConfig;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.errors.UnknownTopicOrPartitionException;
import io.fjord.clients.internals.BootstrapServers;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.internals.ListOffsetsClient;
import io.fjord.clients.internals.Metadata;
import io.fjord.clients.internals.Rpc;
import io.fjord.clients.internals.Time;
import io.fjord.proto.BrokerServiceGrpc.BrokerServiceBlockingStub;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreatableTopicResult;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsTopic;
import io.fjord.proto.CreatePartitionsTopicResult;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.DeletableTopicResult;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DescribeConfigsRequest;
import io.fjord.proto.DescribeConfigsResult;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Manages topics. Unlike Kafka's Admin, whose calls return KafkaFutures, every call here blocks
 * until the cluster has answered (retrying retriable errors, such as a request that reached a
 * non-controller, for up to default.api.timeout.ms) and returns the result or throws the typed
 * exception of the first topic that failed, carrying the broker's error message; the other failures
 * are attached as suppressed exceptions. Thread-safe.
 */
public final class FjordAdmin implements AutoCloseable {
    private record Outcome(ErrorCode code, String message) {}

    private final BrokerChannels channels;
    private final Metadata metadata;
    private final ListOffsetsClient offsets;
    private final Time time;
    private final long defaultApiTimeoutMs;
    private final long retryBackoffMs;

    private FjordAdmin(AdminConfig config, BrokerChannels.ChannelFactory channelFactory, Time time) {
        this.time = time;
        this.defaultApiTimeoutMs = config.getInt(AdminConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        this.retryBackoffMs = config.getLong(AdminConfig.RETRY_BACKOFF_MS_CONFIG);
        this.channels = new BrokerChannels(channelFactory);
        this.metadata = new Metadata(BootstrapServers.parse(config.getList(AdminConfig.BOOTSTRAP_SERVERS_CONFIG)),
                channels, config.getInt(AdminConfig.REQUEST_TIMEOUT_MS_CONFIG),
                config.getLong(AdminConfig.METADATA_MAX_AGE_CONFIG), retryBackoffMs, time);
        // read_uncommitted, as Kafka's Admin listOffsets defaults to
        this.offsets = new ListOffsetsClient(metadata, channels, retryBackoffMs, 0, time);
    }

    public static FjordAdmin create(Properties props) {
        return create(ClientConfig.toMap(props));
    }

    public static FjordAdmin create(Map<String, Object> configs) {
        return new FjordAdmin(new AdminConfig(configs), BrokerChannels.PLAINTEXT, Time.SYSTEM);
    }

    /** For tests: a channel factory and a clock. */
    static FjordAdmin create(Map<String, Object> configs, BrokerChannels.ChannelFactory channelFactory, Time time) {
        return new FjordAdmin(new AdminConfig(configs), channelFactory, time);
    }

    /** Creates the topics; returns what was created, keyed by name. */
    public Map<String, CreatedTopic> createTopics(Collection<NewTopic> newTopics) {
        Map<String, NewTopic> byName = new LinkedHashMap<>();
        for (NewTopic t : newTopics) {
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("Topic '" + t.name() + "' is listed twice.");
            }
        }
        Map<String, CreatedTopic> created = new LinkedHashMap<>();
        perTopic("Create topic", byName.keySet(), names -> {
            CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder().setTimeoutMs(requestTimeoutMs());
            for (String name : names) {
                NewTopic t = byName.get(name);
                request.addTopics(CreatableTopic.newBuilder().setName(name)
                        .setNumPartitions(t.numPartitions().orElse(-1))
                        .setReplicationFactor(t.replicationFactor().map(Short::intValue).orElse(-1))
                        .putAllConfigs(t.configs()));
            }
            Map<String, Outcome> outcomes = new HashMap<>();
            for (CreatableTopicResult r : call("Create topics", stub -> stub.createTopics(request.build())).getTopicsList()) {
                outcomes.put(r.getName(), new Outcome(r.getErrorCode(), r.getErrorMessage()));
                if (r.getErrorCode() == ErrorCode.NONE) {
                    created.put(r.getName(), new CreatedTopic(r.getName(), r.getTopicId(), r.getNumPartitions(),
                            r.getReplicationFactor()));
                }
            }
            return outcomes;
        });
        return created;
    }

    /** Every topic name, sorted. */
    public Set<String> listTopics() {
        MetadataRequest request = MetadataRequest.newBuilder().setAllTopics(true).build();
        Set<String> names = new TreeSet<>();
        for (TopicMetadata t : call("List topics", stub -> stub.metadata(request)).getTopicsList()) {
            if (t.getErrorCode() == ErrorCode.NONE) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /**
     * Describes the topics: partitions with leader, replicas, ISR, epochs, and the high watermark as
     * each partition's leader reports it (-1 when the leader could not be asked).
     */
    public Map<String, TopicDescription> describeTopics(Collection<String> names) {
        MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(new LinkedHashSet<>(names)).build();
        MetadataResponse response = call("Describe topics", stub -> stub.metadata(request));
        Cluster cluster = Cluster.fromResponse(response);
        List<FjordException> failures = new ArrayList<>();
        for (String name : new LinkedHashSet<>(names)) {
            ErrorCode code = cluster.topicError(name);
            if (code == null) {
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            }
            if (code != ErrorCode.NONE) {
                failures.add(topicFailure("Describe topic", name, code, errorMessage(response, name)));
            }
        }
        throwIfAny(failures);
        Map<String, Map<Integer, Long>> highWatermarks = highWatermarksFromLeaders(cluster, names);
        Map<String, TopicDescription> out = new LinkedHashMap<>();
        for (String name : new LinkedHashSet<>(names)) {
            Cluster.TopicState t = cluster.topic(name);
            List<TopicPartitionInfo> partitions = new ArrayList<>();
            for (Cluster.PartitionState p : t.partitions()) {
                long hw = p.highWatermark() >= 0 ? p.highWatermark()
                        : highWatermarks.getOrDefault(name, Map.of()).getOrDefault(p.info().partition(), -1L);
                partitions.add(new TopicPartitionInfo(p.info().partition(), p.info().leader(), p.info().replicas(),
                        p.info().isr(), p.leaderEpoch(), p.partitionEpoch(), hw, p.logStartOffset(), p.logEndOffset()));
            }
            out.put(name, new TopicDescription(name, t.topicId(), partitions, new TreeMap<>(t.configs())));
        }
        return out;
    }

    private static String errorMessage(MetadataResponse response, String name) {
        return response.getTopicsList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .map(TopicMetadata::getErrorMessage).orElse("");
    }

    /** Only a partition's leader knows its high watermark: ask each leader, in parallel, best effort. */
    private Map<String, Map<Integer, Long>> highWatermarksFromLeaders(Cluster cluster, Collection<String> names) {
        Set<Node> leaders = new LinkedHashSet<>();
        for (String name : names) {
            for (Cluster.PartitionState p : cluster.topic(name).partitions()) {
                if (p.highWatermark() < 0 && p.info().leader() != null) {
                    leaders.add(p.info().leader());
                }
            }
        }
        MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(new LinkedHashSet<>(names)).build();
        List<CompletableFuture<MetadataResponse>> calls = new ArrayList<>();
        for (Node leader : leaders) {
            calls.add(Rpc.call(obs -> channels.asyncStub(leader, requestTimeoutMs()).metadata(request, obs)));
        }
        Map<String, Map<Integer, Long>> out = new HashMap<>();
        for (CompletableFuture<MetadataResponse> c : calls) {
            try {
                for (TopicMetadata t : c.get().getTopicsList()) {
                    for (PartitionMetadata p : t.getPartitionsList()) {
                        if (p.getHighWatermark() >= 0) {
                            out.computeIfAbsent(t.getName(), k -> new HashMap<>()).put(p.getPartition(), p.getHighWatermark());
                        }
                    }
                }
            } catch (ExecutionException e) {
                // best effort: the high watermark stays unknown for that leader's partitions
            } catch (InterruptedException e) {
                throw new InterruptException("interrupted while describing topics", e);
            }
        }
        return out;
    }

    /** The cluster id, the controller and the live brokers, as one broker's Metadata answer names them. */
    public ClusterDescription describeCluster() {
        MetadataRequest request = MetadataRequest.newBuilder().build();
        Cluster cluster = Cluster.fromResponse(call("Describe cluster", stub -> stub.metadata(request)));
        return new ClusterDescription(cluster.clusterId(), cluster.controllerId(), cluster.nodes());
    }

    /**
     * Looks up offsets per partition (earliest, latest, or by timestamp), asking each partition's
     * leader and retrying leadership errors up to default.api.timeout.ms.
     */
    public Map<TopicPartition, ListOffsetsResultInfo> listOffsets(Map<TopicPartition, OffsetSpec> topicPartitionOffsets) {
        Map<TopicPartition, Long> timestamps = new LinkedHashMap<>();
        topicPartitionOffsets.forEach((tp, spec) -> timestamps.put(tp, spec.timestamp()));
        Map<TopicPartition, ListOffsetsResultInfo> out = new LinkedHashMap<>();
        if (timestamps.isEmpty()) {
            return out;
        }
        Map<TopicPartition, ListOffsetsClient.Found> found = offsets.lookup(timestamps, defaultApiTimeoutMs);
        for (TopicPartition tp : timestamps.keySet()) {
            ListOffsetsClient.Found f = found.get(tp);
            out.put(tp, new ListOffsetsResultInfo(f.offset(), f.timestamp(),
                    f.leaderEpoch() >= 0 ? Optional.of(f.leaderEpoch()) : Optional.empty()));
        }
        return out;
    }

    /** Deletes the topics and all their data. */
    public void deleteTopics(Collection<String> names) {
        perTopic("Delete topic", new LinkedHashSet<>(names), pending -> {
            DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addAllNames(pending)
                    .setTimeoutMs(requestTimeoutMs()).build();
            Map<String, Outcome> outcomes = new HashMap<>();
            for (DeletableTopicResult r : call("Delete topics", stub -> stub.deleteTopics(request)).getTopicsList()) {
                outcomes.put(r.getName(), new Outcome(r.getErrorCode(), r.getErrorMessage()));
            }
            return outcomes;
        });
    }

    /** Raises each topic's partition count to the new total given. */
    public void createPartitions(Map<String, Integer> newTotals) {
        perTopic("Create partitions for topic", new LinkedHashSet<>(newTotals.keySet()), pending -> {
            CreatePartitionsRequest.Builder request = CreatePartitionsRequest.newBuilder().setTimeoutMs(requestTimeoutMs());
            for (String name : pending) {
                request.addTopics(CreatePartitionsTopic.newBuilder().setName(name).setCount(newTotals.get(name)));
            }
            Map<String, Outcome> outcomes = new HashMap<>();
            for (CreatePartitionsTopicResult r : call("Create partitions", stub -> stub.createPartitions(request.build()))
                    .getResultsList()) {
                outcomes.put(r.getName(), new Outcome(r.getErrorCode(), r.getErrorMessage()));
            }
            return outcomes;
        });
    }

    /**
     * Changes a topic's config overrides incrementally: {@code set} keys get the given values,
     * {@code delete} keys go back to the broker default, other overrides stay.
     */
    public void alterConfigs(String topic, Map<String, String> set, java.util.Collection<String> delete) {
        perTopic("Alter configs of topic", new LinkedHashSet<>(java.util.List.of(topic)), pending -> {
            io.fjord.proto.AlterTopicConfigsRequest request = io.fjord.proto.AlterTopicConfigsRequest.newBuilder()
                    .addTopics(io.fjord.proto.AlterTopicConfigs.newBuilder().setTopic(topic).putAllSet(set).addAllDelete(delete)).build();
            Map<String, Outcome> outcomes = new HashMap<>();
            for (io.fjord.proto.AlterTopicConfigsResult r : call("Alter configs", stub -> stub.alterConfigs(request)).getResultsList()) {
                outcomes.put(r.getTopic(), new Outcome(r.getErrorCode(), r.getErrorMessage()));
            }
            return outcomes;
        });
    }

    /** Every config in force for the topic (defaults included), by name. */
    public Map<String, ConfigEntry> describeConfigs(String topic) {
        return describeConfigs(topic, true);
    }

    public Map<String, ConfigEntry> describeConfigs(String topic, boolean includeDefaults) {
        DescribeConfigsRequest request = DescribeConfigsRequest.newBuilder().addTopics(topic)
                .setIncludeDefaults(includeDefaults).build();
        for (DescribeConfigsResult r : call("Describe configs", stub -> stub.describeConfigs(request)).getResultsList()) {
            if (!r.getTopic().equals(topic)) {
                continue;
            }
            if (r.getErrorCode() != ErrorCode.NONE) {
                throw topicFailure("Describe configs of topic", topic, r.getErrorCode(), r.getErrorMessage());
            }
            Map<String, ConfigEntry> out = new TreeMap<>();
            for (io.fjord.proto.ConfigEntry e : r.getEntriesList()) {
                out.put(e.getName(), new ConfigEntry(e.getName(), e.getValue(), e.getIsDefault()));
            }
            return out;
        }
        throw new FjordException("Describe configs of topic '" + topic + "': the broker's answer did not mention the topic.");
    }

    /**
     * Runs a per-topic request until every topic has succeeded or failed for good: topics that got a
     * retriable error (say, the request reached a broker that is not the controller) are sent again.
     */
    private void perTopic(String verb, Set<String> names, Function<Set<String>, Map<String, Outcome>> attempt) {
        Set<String> pending = new LinkedHashSet<>(names);
        List<FjordException> failures = new ArrayList<>();
        long deadline = time.milliseconds() + defaultApiTimeoutMs;
        while (!pending.isEmpty()) {
            Map<String, Outcome> outcomes = attempt.apply(pending);
            Map<String, FjordException> retriable = new LinkedHashMap<>();
            for (String name : new ArrayList<>(pending)) {
                Outcome o = outcomes.getOrDefault(name, new Outcome(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "the broker's answer did not mention this topic"));
                if (o.code == ErrorCode.NONE) {
                    pending.remove(name);
                } else if (Errors.isRetriable(o.code) && o.code != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                    retriable.put(name, topicFailure(verb, name, o.code, o.message));
                } else {
                    failures.add(topicFailure(verb, name, o.code, o.message));
                    pending.remove(name);
                }
            }
            if (!pending.isEmpty() && time.milliseconds() + retryBackoffMs >= deadline) {
                retriable.values().forEach(e -> failures.add(new TimeoutException(e.getMessage()
                        + " Gave up after default.api.timeout.ms=" + defaultApiTimeoutMs + ".", e)));
                break;
            }
            if (!pending.isEmpty()) {
                sleep(retryBackoffMs);
            }
        }
        throwIfAny(failures);
    }

    private static FjordException topicFailure(String verb, String topic, ErrorCode code, String message) {
        if (code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
            String said = message == null || message.isBlank() ? "" : " (broker says: " + message + ")";
            return new UnknownTopicOrPartitionException(verb + " '" + topic + "' failed: the topic does not exist" + said
                    + ". Check the name with 'fjord topics list'.");
        }
        return Errors.exception(code, verb + " '" + topic + "'", message);
    }

    private static void throwIfAny(List<FjordException> failures) {
        if (failures.isEmpty()) {
            return;
        }
        FjordException first = failures.get(0);
        failures.subList(1, failures.size()).forEach(first::addSuppressed);
        throw first;
    }

    /** One RPC to any broker, retried on transport failures until default.api.timeout.ms. */
    private <T> T call(String what, Function<BrokerServiceBlockingStub, T> rpc) {
        long deadline = time.milliseconds() + defaultApiTimeoutMs;
        while (true) {
            try {
                return metadata.callAnyNode(what, deadline, (stub, node) -> rpc.apply(stub));
            } catch (RetriableException e) {
                if (time.milliseconds() + retryBackoffMs >= deadline) {
                    throw new TimeoutException(e.getMessage() + " Gave up after default.api.timeout.ms="
                            + defaultApiTimeoutMs + ".", e);
                }
                sleep(retryBackoffMs);
            }
        }
    }

    private int requestTimeoutMs() {
        return (int) metadata.requestTimeoutMs();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while retrying an admin request", e);
        }
    }

    @Override
    public void close() {
        channels.close();
    }
}

package io.fjord.broker;

import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreatableTopicResult;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreatePartitionsTopic;
import io.fjord.proto.CreatePartitionsTopicResult;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeletableTopicResult;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.ErrorCode;
import io.fjord.storage.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Topic create, delete and partition increase on a standalone broker. Each topic is validated
 * (name, counts, configs) before anything is written, and gets its own result and error.
 *
 * <p>Threading: all mutations are serialized on this object so a create and a delete of the same
 * topic cannot interleave.
 */
final class TopicAdmin implements AdminBackend {
    private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);

    /** A standalone broker is the only replica there is. */
    private static final int LIVE_BROKERS = 1;

    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final BrokerConfig config;
    private final ReplicationManager replication;

    TopicAdmin(TopicRegistry registry, ReplicaManager replicas, BrokerConfig config, ReplicationManager replication) {
        this.registry = registry;
        this.replicas = replicas;
        this.config = config;
        this.replication = replication;
    }

    /** A standalone broker leads every partition alone: its ISR is itself. */
    private void host(String topic, int partition, Map<String, String> configs) {
        replication.becomeLeader(replicas.ensure(new TopicPartitionKey(topic, partition), replicas.standaloneState(configs)));
    }

    @Override
    public synchronized CreateTopicsResponse create(CreateTopicsRequest req) {
        CreateTopicsResponse.Builder resp = CreateTopicsResponse.newBuilder();
        for (CreatableTopic t : req.getTopicsList()) {
            resp.addTopics(createOne(t, req.getValidateOnly()));
        }
        return resp.build();
    }

    private CreatableTopicResult createOne(CreatableTopic t, boolean validateOnly) {
        CreatableTopicResult.Builder r = CreatableTopicResult.newBuilder().setName(t.getName());
        String bad = TopicRegistry.invalidNameReason(t.getName());
        if (bad != null) {
            return r.setErrorCode(ErrorCode.INVALID_TOPIC).setErrorMessage(bad).build();
        }
        if (registry.get(t.getName()) != null) {
            return r.setErrorCode(ErrorCode.TOPIC_ALREADY_EXISTS).setErrorMessage("topic '" + t.getName() + "' already exists").build();
        }
        // -1 is Kafka's "use the broker default"; 0 is what a gRPC client that omits the field sends.
        int partitions = t.getNumPartitions() == -1 || t.getNumPartitions() == 0 ? config.numPartitions() : t.getNumPartitions();
        if (partitions <= 0) {
            return r.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("number of partitions must be at least 1, got " + partitions).build();
        }
        int rf = t.getReplicationFactor() == -1 || t.getReplicationFactor() == 0 ? config.defaultReplicationFactor() : t.getReplicationFactor();
        if (rf < 1) {
            return r.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR).setErrorMessage("replication factor must be at least 1, got " + rf).build();
        }
        if (rf > LIVE_BROKERS) {
            return r.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR).setErrorMessage("replication factor " + rf
                    + " is larger than the " + LIVE_BROKERS + " live broker(s); start more brokers or lower --replication-factor").build();
        }
        Map<String, String> configs = t.getConfigsMap();
        try {
            replicas.configFor(configs);
        } catch (ConfigException e) {
            return r.setErrorCode(ErrorCode.INVALID_CONFIG).setErrorMessage(e.getMessage()).build();
        }
        if (validateOnly) {
            return r.setErrorCode(ErrorCode.NONE).setNumPartitions(partitions).setReplicationFactor(rf).build();
        }
        try {
            TopicRegistry.Topic created = registry.create(t.getName(), partitions, configs);
            for (int p = 0; p < partitions; p++) {
                host(t.getName(), p, configs);
            }
            log.info("Created topic {} with {} partition(s), configs {}", t.getName(), partitions, configs);
            return r.setErrorCode(ErrorCode.NONE).setTopicId(created.topicId()).setNumPartitions(partitions).setReplicationFactor(rf).build();
        } catch (RuntimeException e) {
            log.error("Creating topic {} failed", t.getName(), e);
            return r.setErrorCode(Errors.codeFor(e)).setErrorMessage("creating topic " + t.getName() + " failed: " + Errors.messageFor(e)).build();
        }
    }

    @Override
    public synchronized DeleteTopicsResponse delete(DeleteTopicsRequest req) {
        DeleteTopicsResponse.Builder resp = DeleteTopicsResponse.newBuilder();
        for (String name : req.getNamesList()) {
            DeletableTopicResult.Builder r = DeletableTopicResult.newBuilder().setName(name);
            if (registry.get(name) == null) {
                resp.addTopics(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + name + "' does not exist"));
                continue;
            }
            try {
                // Forget the topic first: a crash after this leaves stray directories, removed at start.
                registry.delete(name);
                for (Partition p : replicas.all()) {
                    if (p.key().topic().equals(name)) {
                        replication.removed(p.key());
                    }
                }
                replicas.deleteTopic(name);
                log.info("Deleted topic {}", name);
                resp.addTopics(r.setErrorCode(ErrorCode.NONE));
            } catch (RuntimeException e) {
                log.error("Deleting topic {} failed", name, e);
                resp.addTopics(r.setErrorCode(Errors.codeFor(e)).setErrorMessage("deleting topic " + name + " failed: " + Errors.messageFor(e)));
            }
        }
        return resp.build();
    }

    @Override
    public synchronized CreatePartitionsResponse createPartitions(CreatePartitionsRequest req) {
        CreatePartitionsResponse.Builder resp = CreatePartitionsResponse.newBuilder();
        for (CreatePartitionsTopic t : req.getTopicsList()) {
            CreatePartitionsTopicResult.Builder r = CreatePartitionsTopicResult.newBuilder().setName(t.getName());
            TopicRegistry.Topic existing = registry.get(t.getName());
            if (existing == null) {
                resp.addResults(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + t.getName() + "' does not exist"));
                continue;
            }
            if (t.getCount() <= existing.partitions()) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("topic '" + t.getName() + "' has "
                        + existing.partitions() + " partitions; the new count must be larger (partitions are never removed), got " + t.getCount()));
                continue;
            }
            if (req.getValidateOnly()) {
                resp.addResults(r.setErrorCode(ErrorCode.NONE));
                continue;
            }
            registry.update(new TopicRegistry.Topic(existing.name(), existing.topicId(), t.getCount(), existing.configs()));
            for (int p = existing.partitions(); p < t.getCount(); p++) {
                host(t.getName(), p, existing.configs());
            }
            resp.addResults(r.setErrorCode(ErrorCode.NONE));
        }
        return resp.build();
    }

    @Override
    public synchronized io.fjord.proto.AlterTopicConfigsResponse alterConfigs(io.fjord.proto.AlterTopicConfigsRequest req) {
        io.fjord.proto.AlterTopicConfigsResponse.Builder resp = io.fjord.proto.AlterTopicConfigsResponse.newBuilder();
        for (io.fjord.proto.AlterTopicConfigs t : req.getTopicsList()) {
            io.fjord.proto.AlterTopicConfigsResult.Builder r = io.fjord.proto.AlterTopicConfigsResult.newBuilder().setTopic(t.getTopic());
            TopicRegistry.Topic existing = registry.get(t.getTopic());
            if (existing == null) {
                resp.addResults(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + t.getTopic() + "' does not exist"));
                continue;
            }
            Map<String, String> next = new java.util.TreeMap<>(existing.configs());
            next.putAll(t.getSetMap());
            t.getDeleteList().forEach(next::remove);
            try {
                replicas.configFor(next);
            } catch (ConfigException e) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_CONFIG).setErrorMessage(e.getMessage()));
                continue;
            }
            if (!req.getValidateOnly()) {
                registry.update(new TopicRegistry.Topic(existing.name(), existing.topicId(), existing.partitions(), next));
                for (int p = 0; p < existing.partitions(); p++) {
                    host(existing.name(), p, next);
                }
            }
            resp.addResults(r.setErrorCode(ErrorCode.NONE));
        }
        return resp.build();
    }

    /** Creates a topic with the broker's defaults, for auto.create.topics.enable. */
    @Override
    public synchronized void autoCreate(String name) {
        if (registry.get(name) != null || TopicRegistry.invalidNameReason(name) != null) {
            return;
        }
        createOne(CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1).build(), false);
    }
}

package io.fjord.metadata.controller;

import io.fjord.metadata.common.ConfigException;
import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
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
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResource;
import io.fjord.proto.controller.AlterConfigsResponse;
import io.fjord.proto.controller.AlterConfigsResult;
import io.fjord.proto.metadata.ConfigRecord;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.RemoveTopicRecord;
import io.fjord.proto.metadata.TopicRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Topic commands: create, delete, add partitions, alter configs. Pure functions of an image and a
 * request; randomness (topic ids, where leader placement starts) comes from the injected Random.
 *
 * <p>Threading: not thread-safe (the Random); used by the controller's command thread.
 */
public final class TopicControl {
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_NAME_LENGTH = 249;

    private final ControllerSettings settings;
    private final ReplicationControl replication;
    private final Random random;

    public TopicControl(ControllerSettings settings, ReplicationControl replication, Random random) {
        this.settings = settings;
        this.replication = replication;
        this.random = random;
    }

    public ControllerResult<CreateTopicsResponse> createTopics(MetadataImage image, CreateTopicsRequest req) {
        List<MetadataRecord> records = new ArrayList<>();
        CreateTopicsResponse.Builder resp = CreateTopicsResponse.newBuilder();
        Map<String, Integer> counts = new HashMap<>();
        req.getTopicsList().forEach(t -> counts.merge(t.getName(), 1, Integer::sum));
        for (CreatableTopic t : req.getTopicsList()) {
            CreatableTopicResult.Builder r = CreatableTopicResult.newBuilder().setName(t.getName());
            if (counts.get(t.getName()) > 1) {
                resp.addTopics(r.setErrorCode(ErrorCode.INVALID_REQUEST)
                        .setErrorMessage("Topic '" + t.getName() + "' appears more than once in the request."));
                continue;
            }
            resp.addTopics(createOne(image, t, r, records, req.getValidateOnly()));
        }
        return new ControllerResult<>(records, resp.build());
    }

    private CreatableTopicResult.Builder createOne(MetadataImage image, CreatableTopic t, CreatableTopicResult.Builder r,
                                                   List<MetadataRecord> records, boolean validateOnly) {
        String nameError = validateName(t.getName());
        if (nameError != null) {
            return r.setErrorCode(ErrorCode.INVALID_TOPIC).setErrorMessage(nameError);
        }
        if (image.topics().topic(t.getName()) != null) {
            return r.setErrorCode(ErrorCode.TOPIC_ALREADY_EXISTS).setErrorMessage("Topic '" + t.getName() + "' already exists.");
        }
        int partitions = t.getNumPartitions() == -1 ? settings.defaultNumPartitions() : t.getNumPartitions();
        if (partitions <= 0) {
            return r.setErrorCode(ErrorCode.INVALID_PARTITIONS)
                    .setErrorMessage("Number of partitions must be larger than 0 (or -1 for the default), got " + t.getNumPartitions() + ".");
        }
        int rf = t.getReplicationFactor() == -1 ? settings.defaultReplicationFactor() : t.getReplicationFactor();
        if (rf <= 0) {
            return r.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR)
                    .setErrorMessage("Replication factor must be larger than 0 (or -1 for the default), got " + t.getReplicationFactor() + ".");
        }
        try {
            TopicConfigs.validate(t.getConfigsMap());
        } catch (ConfigException e) {
            return r.setErrorCode(ErrorCode.INVALID_CONFIG).setErrorMessage(e.getMessage());
        }
        List<ReplicaPlacer.Broker> brokers = usableBrokers(image);
        if (rf > brokers.size()) {
            return r.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR).setErrorMessage(rfTooLarge(rf, brokers.size()));
        }
        r.setNumPartitions(partitions).setReplicationFactor(rf);
        if (validateOnly) {
            return r.setErrorCode(ErrorCode.NONE);
        }
        String topicId = new UUID(random.nextLong(), random.nextLong()).toString();
        records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(t.getName()).setTopicId(topicId)).build());
        t.getConfigsMap().forEach((k, v) -> records.add(config(t.getName(), k, v.trim())));
        List<List<Integer>> assignment = ReplicaPlacer.place(partitions, rf, brokers, 0,
                random.nextInt(brokers.size()), random.nextInt(brokers.size()));
        for (int p = 0; p < assignment.size(); p++) {
            List<Integer> replicas = assignment.get(p);
            PartitionRegistration reg = new PartitionRegistration(replicas, replicas, replicas.get(0), 0, 0);
            records.add(MetadataRecord.newBuilder().setPartition(reg.toRecord(topicId, p)).build());
        }
        return r.setErrorCode(ErrorCode.NONE).setTopicId(topicId);
    }

    public ControllerResult<DeleteTopicsResponse> deleteTopics(MetadataImage image, DeleteTopicsRequest req) {
        List<MetadataRecord> records = new ArrayList<>();
        DeleteTopicsResponse.Builder resp = DeleteTopicsResponse.newBuilder();
        Set<String> removed = new HashSet<>();
        for (String name : new LinkedHashSet<>(req.getNamesList())) {
            DeletableTopicResult.Builder r = DeletableTopicResult.newBuilder().setName(name);
            TopicImage t = image.topics().topic(name);
            if (t == null) {
                resp.addTopics(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("Topic '" + name + "' does not exist."));
                continue;
            }
            if (removed.add(t.id())) {
                records.add(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setTopicId(t.id())).build());
            }
            resp.addTopics(r.setErrorCode(ErrorCode.NONE));
        }
        return new ControllerResult<>(records, resp.build());
    }

    public ControllerResult<CreatePartitionsResponse> createPartitions(MetadataImage image, CreatePartitionsRequest req) {
        List<MetadataRecord> records = new ArrayList<>();
        CreatePartitionsResponse.Builder resp = CreatePartitionsResponse.newBuilder();
        Set<String> seen = new HashSet<>();
        for (CreatePartitionsTopic ct : req.getTopicsList()) {
            CreatePartitionsTopicResult.Builder r = CreatePartitionsTopicResult.newBuilder().setName(ct.getName());
            TopicImage t = image.topics().topic(ct.getName());
            if (!seen.add(ct.getName())) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_REQUEST).setErrorMessage("Topic '" + ct.getName() + "' appears more than once in the request."));
                continue;
            }
            if (t == null) {
                resp.addResults(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("Topic '" + ct.getName() + "' does not exist."));
                continue;
            }
            int current = t.partitions().size();
            if (ct.getCount() <= current) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("Topic '" + ct.getName() + "' has "
                        + current + " partitions; the new count must be larger (partitions are never removed), got " + ct.getCount() + "."));
                continue;
            }
            int rf = t.partitions().isEmpty() ? 1 : t.partition(0).replicas().size();
            List<ReplicaPlacer.Broker> brokers = usableBrokers(image);
            if (rf > brokers.size()) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_REPLICATION_FACTOR).setErrorMessage(rfTooLarge(rf, brokers.size())));
                continue;
            }
            if (!req.getValidateOnly()) {
                List<List<Integer>> assignment = ReplicaPlacer.place(ct.getCount() - current, rf, brokers, current,
                        random.nextInt(brokers.size()), random.nextInt(brokers.size()));
                for (int i = 0; i < assignment.size(); i++) {
                    List<Integer> replicas = assignment.get(i);
                    PartitionRegistration reg = new PartitionRegistration(replicas, replicas, replicas.get(0), 0, 0);
                    records.add(MetadataRecord.newBuilder().setPartition(reg.toRecord(t.id(), current + i)).build());
                }
            }
            resp.addResults(r.setErrorCode(ErrorCode.NONE));
        }
        return new ControllerResult<>(records, resp.build());
    }

    public ControllerResult<AlterConfigsResponse> alterConfigs(MetadataImage image, AlterConfigsRequest req) {
        List<MetadataRecord> records = new ArrayList<>();
        AlterConfigsResponse.Builder resp = AlterConfigsResponse.newBuilder();
        for (AlterConfigsResource res : req.getResourcesList()) {
            AlterConfigsResult.Builder r = AlterConfigsResult.newBuilder().setTopic(res.getTopic());
            TopicImage t = image.topics().topic(res.getTopic());
            if (t == null) {
                resp.addResults(r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("Topic '" + res.getTopic() + "' does not exist."));
                continue;
            }
            try {
                TopicConfigs.validate(res.getSetMap());
                for (String key : res.getDeleteList()) {
                    TopicConfigs.validateName(key);
                    if (res.getSetMap().containsKey(key)) {
                        throw new ConfigException("Topic config '" + key + "' is both set and deleted in one request");
                    }
                }
            } catch (ConfigException e) {
                resp.addResults(r.setErrorCode(ErrorCode.INVALID_CONFIG).setErrorMessage(e.getMessage()));
                continue;
            }
            if (!req.getValidateOnly()) {
                List<MetadataRecord> mine = new ArrayList<>();
                res.getSetMap().forEach((k, v) -> mine.add(config(t.name(), k, v.trim())));
                for (String key : res.getDeleteList()) {
                    mine.add(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder().setTopic(t.name()).setName(key)).build());
                }
                records.addAll(mine);
                // Enabling unclean election lets offline partitions elect at once, as Kafka does.
                MetadataImage view = Scratch.with(image, mine);
                records.addAll(replication.electOfflinePartitions(view, view.topics().topic(t.name())));
            }
            resp.addResults(r.setErrorCode(ErrorCode.NONE));
        }
        return new ControllerResult<>(records, resp.build());
    }

    private static MetadataRecord config(String topic, String key, String value) {
        return MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder().setTopic(topic).setName(key).setValue(value)).build();
    }

    private static List<ReplicaPlacer.Broker> usableBrokers(MetadataImage image) {
        List<ReplicaPlacer.Broker> out = new ArrayList<>();
        for (BrokerRegistration b : image.cluster().activeBrokers()) {
            out.add(new ReplicaPlacer.Broker(b.id(), b.rack()));
        }
        return out;
    }

    private static String rfTooLarge(int rf, int available) {
        return "Unable to replicate the partition " + rf + " time(s): the replication factor " + rf
                + " is larger than the number of live (unfenced) brokers, " + available + ".";
    }

    /** Kafka's topic-name rules; null when valid. */
    static String validateName(String name) {
        if (name.isEmpty()) {
            return "Topic name is empty.";
        }
        if (name.equals(".") || name.equals("..")) {
            return "Topic name cannot be '.' or '..'.";
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return "Topic name '" + name + "' is longer than " + MAX_NAME_LENGTH + " characters.";
        }
        if (!LEGAL_NAME.matcher(name).matches()) {
            return "Topic name '" + name + "' is illegal: only ASCII letters, digits, '.', '_' and '-' are allowed.";
        }
        return null;
    }
}

package io.fjord.metadata.image;

import io.fjord.proto.metadata.MetadataBatch;
import io.fjord.proto.metadata.MetadataRecord;

import java.util.HashMap;
import java.util.Map;

/**
 * A throwaway accumulation of metadata records over a base image. {@link #replay} is the one place
 * where a record changes metadata; {@link #apply} builds the next image, sharing every part no record
 * touched.
 *
 * <p>Replay re-checks each record's preconditions deterministically and ignores records that no longer
 * apply (a topic name already taken, a stale broker or partition epoch), so a record computed by a
 * controller against stale state has the same effect, none, on every node.
 *
 * <p>Threading: not thread-safe; one thread replays, then applies.
 */
public final class MetadataDelta {
    private final MetadataImage image;
    private final ClusterDelta cluster;
    private final TopicsDelta topics;
    private final ConfigsDelta configs;
    private long nextProducerId;
    private long offset;
    private boolean reset;
    /**
     * Topic names whose TopicRecord was ignored, with that record's offset: the ConfigRecords of the same
     * create (same batch, same offset) belong to the rejected topic, not to the one holding the name.
     */
    private final Map<String, Long> rejectedTopicNames = new HashMap<>();

    public MetadataDelta(MetadataImage image) {
        this.image = image;
        this.cluster = new ClusterDelta(image.cluster());
        this.topics = new TopicsDelta(image.topics());
        this.configs = new ConfigsDelta(image.configs());
        this.nextProducerId = image.producerIds().nextProducerId();
        this.offset = image.offset();
    }

    /** The image this delta started from. */
    public MetadataImage image() {
        return image;
    }

    public ClusterDelta clusterDelta() {
        return cluster;
    }

    public TopicsDelta topicsDelta() {
        return topics;
    }

    public ConfigsDelta configsDelta() {
        return configs;
    }

    /** The highest offset replayed so far (the base image's offset when nothing was). */
    public long offset() {
        return offset;
    }

    /**
     * Forget everything in the base image: the records that follow are a whole image (a snapshot). The
     * delta still compares against the base, so {@link TopicsDelta#localChanges} reports what vanished.
     */
    public void resetToEmpty() {
        reset = true;
        cluster.reset();
        topics.reset();
        configs.reset();
        nextProducerId = 0;
        rejectedTopicNames.clear();
    }

    /** True when this delta replaced the whole image (a snapshot), rather than adding to it. */
    public boolean isReset() {
        return reset;
    }

    public void replay(MetadataBatch batch, long batchOffset) {
        for (MetadataRecord r : batch.getRecordsList()) {
            replay(r, batchOffset);
        }
    }

    /** Applies one record at metadata offset {@code recordOffset} (the Raft index of its batch). */
    public void replay(MetadataRecord record, long recordOffset) {
        offset = Math.max(offset, recordOffset);
        switch (record.getRecordCase()) {
            case REGISTER_BROKER -> cluster.replay(record.getRegisterBroker(), recordOffset);
            case FENCE_BROKER -> cluster.replay(record.getFenceBroker());
            case UNFENCE_BROKER -> cluster.replay(record.getUnfenceBroker());
            case UNREGISTER_BROKER -> cluster.replay(record.getUnregisterBroker());
            case BROKER_REGISTRATION_CHANGE -> cluster.replay(record.getBrokerRegistrationChange());
            case REGISTER_CONTROLLER -> cluster.replay(record.getRegisterController());
            case TOPIC -> {
                if (!topics.replay(record.getTopic())) {
                    rejectedTopicNames.put(record.getTopic().getName(), recordOffset);
                }
            }
            case PARTITION -> topics.replay(record.getPartition());
            case PARTITION_CHANGE -> topics.replay(record.getPartitionChange());
            case REMOVE_TOPIC -> {
                String name = topics.removeTopic(record.getRemoveTopic().getTopicId());
                if (name != null) {
                    configs.removeTopic(name);
                }
            }
            case CONFIG -> {
                String topic = record.getConfig().getTopic();
                Long rejectedAt = rejectedTopicNames.get(topic);
                if (topics.topicId(topic) != null && (rejectedAt == null || rejectedAt != recordOffset)) {
                    configs.replay(record.getConfig());
                }
            }
            case PRODUCER_IDS -> nextProducerId = Math.max(nextProducerId, record.getProducerIds().getNextProducerId());
            case RECORD_NOT_SET -> { }
        }
    }

    /** The next producer id as of this delta. */
    public long nextProducerId() {
        return nextProducerId;
    }

    /** The new image at the highest offset replayed. */
    public MetadataImage apply() {
        return apply(offset);
    }

    /** The new image, stamped with {@code newOffset}. */
    public MetadataImage apply(long newOffset) {
        ProducerIdsImage pids = nextProducerId == image.producerIds().nextProducerId()
                ? image.producerIds() : new ProducerIdsImage(nextProducerId);
        return new MetadataImage(newOffset, cluster.apply(), topics.apply(), configs.apply(), pids);
    }
}

package io.fjord.metadata.image;

import io.fjord.proto.metadata.ConfigRecord;
import io.fjord.proto.metadata.MetadataBatch;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.ProducerIdsRecord;
import io.fjord.proto.metadata.RegisterControllerRecord;
import io.fjord.proto.metadata.TopicRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metadata as of one offset of the metadata log: what every controller and broker reads.
 * Immutable and shared freely between threads; a new image comes from {@link MetadataDelta#apply()} and
 * shares the parts the delta did not touch. Holders publish it through one volatile reference.
 *
 * @param offset the metadata offset (Raft log index) of the last batch applied, 0 for the empty image
 */
public record MetadataImage(long offset, ClusterImage cluster, TopicsImage topics, ConfigsImage configs,
                            ProducerIdsImage producerIds) {
    public static final MetadataImage EMPTY = new MetadataImage(0, ClusterImage.EMPTY, TopicsImage.EMPTY,
            ConfigsImage.EMPTY, ProducerIdsImage.EMPTY);

    /**
     * The image written out as records: replaying them in order into a delta over {@link #EMPTY} with this
     * image's offset gives back an equal image. Used for Ratis snapshots and for FollowMetadata resets.
     */
    public List<MetadataRecord> toRecords() {
        List<MetadataRecord> out = new ArrayList<>();
        for (ControllerRegistration c : cluster.controllers().values()) {
            out.add(MetadataRecord.newBuilder().setRegisterController(RegisterControllerRecord.newBuilder()
                    .setControllerId(c.id()).setHost(c.host()).setPort(c.port())).build());
        }
        for (BrokerRegistration b : cluster.brokers().values()) {
            out.addAll(b.toRecords());
        }
        for (TopicImage t : topics.topics()) {
            out.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                    .setName(t.name()).setTopicId(t.id())).build());
            // Configs right after their topic: a ConfigRecord only applies to an existing topic.
            for (Map.Entry<String, String> e : configs.topicConfig(t.name()).entrySet()) {
                out.add(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder()
                        .setTopic(t.name()).setName(e.getKey()).setValue(e.getValue())).build());
            }
            t.partitions().forEach((p, reg) ->
                    out.add(MetadataRecord.newBuilder().setPartition(reg.toRecord(t.id(), p)).build()));
        }
        if (producerIds.nextProducerId() > 0) {
            out.add(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                    .setBrokerId(-1).setBrokerEpoch(-1).setNextProducerId(producerIds.nextProducerId())).build());
        }
        return out;
    }

    public MetadataBatch toBatch() {
        return MetadataBatch.newBuilder().addAllRecords(toRecords()).build();
    }

    /** Rebuilds an image from {@link #toRecords()} output. */
    public static MetadataImage fromRecords(List<MetadataRecord> records, long offset) {
        MetadataDelta delta = new MetadataDelta(EMPTY);
        for (MetadataRecord r : records) {
            delta.replay(r, offset);
        }
        return delta.apply(offset);
    }
}

package io.fjord.metadata.image;

import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.metadata.BrokerRegistrationChangeRecord;
import io.fjord.proto.metadata.ConfigRecord;
import io.fjord.proto.metadata.FenceBrokerRecord;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.PartitionChangeRecord;
import io.fjord.proto.metadata.PartitionRecord;
import io.fjord.proto.metadata.ProducerIdsRecord;
import io.fjord.proto.metadata.RegisterBrokerRecord;
import io.fjord.proto.metadata.RegisterControllerRecord;
import io.fjord.proto.metadata.RemoveTopicRecord;
import io.fjord.proto.metadata.TopicRecord;
import io.fjord.proto.metadata.UnfenceBrokerRecord;
import io.fjord.proto.metadata.UnregisterBrokerRecord;

import java.util.List;

/** Builders of metadata records for tests. */
public final class Records {
    private Records() {}

    public static MetadataRecord register(int id, String incarnation, String rack) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                .setIncarnationId(incarnation).setRack(rack)
                .addEndpoints(NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(9000 + id).setRack(rack))).build();
    }

    public static MetadataRecord fence(int id, long epoch) {
        return MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    public static MetadataRecord unfence(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    public static MetadataRecord unregister(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnregisterBroker(UnregisterBrokerRecord.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    public static MetadataRecord controlledShutdown(int id, long epoch) {
        return MetadataRecord.newBuilder().setBrokerRegistrationChange(BrokerRegistrationChangeRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch).setInControlledShutdown(true)).build();
    }

    public static MetadataRecord topic(String name, String id) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name).setTopicId(id)).build();
    }

    public static MetadataRecord partition(String topicId, int p, List<Integer> replicas, List<Integer> isr, int leader) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(topicId).setPartition(p)
                .addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)).build();
    }

    public static MetadataRecord leaderChange(String topicId, int p, int leader, int expectedEpoch) {
        return MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder().setTopicId(topicId)
                .setPartition(p).setLeader(leader).setExpectedPartitionEpoch(expectedEpoch)).build();
    }

    public static MetadataRecord isrChange(String topicId, int p, List<Integer> isr, int expectedEpoch) {
        return MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder().setTopicId(topicId)
                .setPartition(p).setIsrSet(true).addAllIsr(isr).setExpectedPartitionEpoch(expectedEpoch)).build();
    }

    public static MetadataRecord removeTopic(String topicId) {
        return MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setTopicId(topicId)).build();
    }

    public static MetadataRecord config(String topic, String name, String value) {
        ConfigRecord.Builder b = ConfigRecord.newBuilder().setTopic(topic).setName(name);
        if (value != null) {
            b.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(b).build();
    }

    public static MetadataRecord producerIds(int broker, long epoch, long next) {
        return MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder().setBrokerId(broker)
                .setBrokerEpoch(epoch).setNextProducerId(next)).build();
    }

    public static MetadataRecord controller(int id, String host, int port) {
        return MetadataRecord.newBuilder().setRegisterController(RegisterControllerRecord.newBuilder()
                .setControllerId(id).setHost(host).setPort(port)).build();
    }

    /** Replays each record list as one batch at offsets 1, 2, 3, ... after the image's offset. */
    @SafeVarargs
    public static MetadataImage apply(MetadataImage image, List<MetadataRecord>... batches) {
        MetadataImage current = image;
        for (List<MetadataRecord> batch : batches) {
            MetadataDelta d = new MetadataDelta(current);
            long offset = current.offset() + 1;
            for (MetadataRecord r : batch) {
                d.replay(r, offset);
            }
            current = d.apply(offset);
        }
        return current;
    }
}

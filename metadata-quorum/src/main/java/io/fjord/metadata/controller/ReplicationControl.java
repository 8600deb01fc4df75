package io.fjord.metadata.controller;

import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionData;
import io.fjord.proto.controller.AlterPartitionRequest;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.proto.controller.AlterPartitionTopic;
import io.fjord.proto.controller.AlterPartitionTopicResult;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Partition leadership and ISR: elections when brokers leave or return, and ISR changes proposed by
 * partition leaders (AlterPartition). Pure functions of an image.
 *
 * <p>Finding a broker's partitions scans every partition; fine for thousands of partitions, and the
 * place to add a broker-to-partitions index if clusters grow past that.
 */
public final class ReplicationControl {
    private final boolean uncleanDefault;

    public ReplicationControl(boolean uncleanDefault) {
        this.uncleanDefault = uncleanDefault;
    }

    boolean unclean(MetadataImage image, String topic) {
        String v = image.configs().topicConfig(topic).get(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE);
        return v == null ? uncleanDefault : Boolean.parseBoolean(v.trim());
    }

    /**
     * The broker is fenced or shutting down in {@code view}: take it out of every ISR (never emptying one)
     * and elect new leaders where it led.
     */
    public List<MetadataRecord> brokerLeaving(MetadataImage view, int brokerId) {
        List<MetadataRecord> out = new ArrayList<>();
        for (TopicImage t : view.topics().topics()) {
            boolean unclean = unclean(view, t.name());
            for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
                PartitionRegistration reg = e.getValue();
                if (!reg.isr().contains(brokerId) && reg.leader() != brokerId) {
                    continue;
                }
                PartitionElection.Outcome o = PartitionElection.removeFromIsr(reg, brokerId, view.cluster()::isActive, unclean);
                PartitionElection.changeRecord(t.id(), e.getKey(), reg, o).ifPresent(r -> out.add(wrap(r)));
            }
        }
        return out;
    }

    /** The broker became unfenced in {@code view}: offline partitions it can lead get a leader again. */
    public List<MetadataRecord> brokerJoined(MetadataImage view, int brokerId) {
        List<MetadataRecord> out = new ArrayList<>();
        for (TopicImage t : view.topics().topics()) {
            boolean unclean = unclean(view, t.name());
            for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
                PartitionRegistration reg = e.getValue();
                if (!reg.hasLeader() && reg.replicas().contains(brokerId)) {
                    out.addAll(electOffline(view, t, e.getKey(), unclean));
                }
            }
        }
        return out;
    }

    /** Offline partitions of a topic that may now elect (for example, unclean election was just enabled). */
    public List<MetadataRecord> electOfflinePartitions(MetadataImage view, TopicImage t) {
        List<MetadataRecord> out = new ArrayList<>();
        boolean unclean = unclean(view, t.name());
        for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
            if (!e.getValue().hasLeader()) {
                out.addAll(electOffline(view, t, e.getKey(), unclean));
            }
        }
        return out;
    }

    private List<MetadataRecord> electOffline(MetadataImage view, TopicImage t, int partition, boolean unclean) {
        PartitionRegistration reg = t.partition(partition);
        PartitionElection.Outcome o = PartitionElection.elect(reg, reg.isr(), view.cluster()::isActive, unclean);
        return PartitionElection.changeRecord(t.id(), partition, reg, o).map(r -> List.of(wrap(r))).orElse(List.of());
    }

    /** Whether the broker leads any partition. */
    public static boolean leadsAnything(MetadataImage image, int brokerId) {
        for (TopicImage t : image.topics().topics()) {
            for (PartitionRegistration reg : t.partitions().values()) {
                if (reg.leader() == brokerId) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * An ISR change proposed by a partition leader, with Kafka's checks: the broker epoch is current, the
     * proposer leads the partition at the given leader epoch, the partition epoch is the current one, the
     * new ISR holds the leader and only assigned replicas, and every replica it adds is unfenced and not
     * shutting down. The record is guarded by the partition epoch, so a concurrent change wins cleanly.
     */
    public ControllerResult<AlterPartitionResponse> alterPartition(MetadataImage image, AlterPartitionRequest req) {
        BrokerRegistration b = image.cluster().broker(req.getBrokerId());
        if (b == null || b.epoch() != req.getBrokerEpoch()) {
            return ControllerResult.of(AlterPartitionResponse.newBuilder().setErrorCode(ErrorCode.STALE_BROKER_EPOCH).build());
        }
        List<MetadataRecord> records = new ArrayList<>();
        AlterPartitionResponse.Builder resp = AlterPartitionResponse.newBuilder().setErrorCode(ErrorCode.NONE);
        for (AlterPartitionTopic topic : req.getTopicsList()) {
            TopicImage t = image.topics().topic(topic.getTopic());
            AlterPartitionTopicResult.Builder tr = AlterPartitionTopicResult.newBuilder().setTopic(topic.getTopic());
            for (AlterPartitionData data : topic.getPartitionsList()) {
                tr.addPartitions(alterOne(image, t, req.getBrokerId(), data, records));
            }
            resp.addTopics(tr);
        }
        return new ControllerResult<>(records, resp.build());
    }

    private AlterPartitionResult alterOne(MetadataImage image, TopicImage t, int brokerId, AlterPartitionData data,
                                          List<MetadataRecord> records) {
        AlterPartitionResult.Builder r = AlterPartitionResult.newBuilder().setPartition(data.getPartition());
        PartitionRegistration reg = t == null ? null : t.partition(data.getPartition());
        if (reg == null) {
            return r.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).build();
        }
        current(r, reg);
        if (reg.leader() != brokerId) {
            return r.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).build();
        }
        if (data.getLeaderEpoch() < reg.leaderEpoch()) {
            return r.setErrorCode(ErrorCode.FENCED_LEADER_EPOCH).build();
        }
        if (data.getLeaderEpoch() > reg.leaderEpoch()) {
            return r.setErrorCode(ErrorCode.UNKNOWN_LEADER_EPOCH).build();
        }
        if (data.getPartitionEpoch() != reg.partitionEpoch()) {
            // Kafka answers INVALID_UPDATE_VERSION; errors.proto has no such code yet. The current state
            // is in the result so the leader can catch up and propose again.
            return r.setErrorCode(ErrorCode.FENCED_LEADER_EPOCH).build();
        }
        List<Integer> newIsr = data.getNewIsrList();
        Set<Integer> unique = new HashSet<>(newIsr);
        if (newIsr.isEmpty() || unique.size() != newIsr.size() || !unique.contains(brokerId)
                || !reg.replicas().containsAll(unique)) {
            return r.setErrorCode(ErrorCode.INVALID_REQUEST).build();
        }
        for (int id : newIsr) {
            if (!reg.isr().contains(id) && !image.cluster().isActive(id)) {
                return r.setErrorCode(ErrorCode.INELIGIBLE_REPLICA).build();
            }
        }
        if (newIsr.equals(reg.isr())) {
            return r.setErrorCode(ErrorCode.NONE).build();
        }
        records.add(wrap(PartitionChangeRecord.newBuilder().setTopicId(t.id()).setPartition(data.getPartition())
                .setIsrSet(true).addAllIsr(newIsr).setExpectedPartitionEpoch(reg.partitionEpoch()).build()));
        return r.setErrorCode(ErrorCode.NONE).setPartitionEpoch(reg.partitionEpoch() + 1)
                .clearIsr().addAllIsr(newIsr).build();
    }

    private static void current(AlterPartitionResult.Builder r, PartitionRegistration reg) {
        r.setLeader(reg.leader()).setLeaderEpoch(reg.leaderEpoch()).setPartitionEpoch(reg.partitionEpoch())
                .clearIsr().addAllIsr(reg.isr());
    }

    static MetadataRecord wrap(PartitionChangeRecord r) {
        return MetadataRecord.newBuilder().setPartitionChange(r).build();
    }

    static Optional<TopicImage> topic(MetadataImage image, String name) {
        return Optional.ofNullable(image.topics().topic(name));
    }
}

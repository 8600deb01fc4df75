package io.fjord.broker;

import io.fjord.metadata.broker.MetadataListener;
import io.fjord.metadata.image.LocalReplicaChanges;
import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Makes this broker's replicas what the metadata log says: the broker is never told "become
 * leader"; it derives that from each delta ({@code localChanges}), in log order, on the metadata
 * thread. Topic config changes reach the hosted logs the same way.
 */
final class MetadataApplier implements MetadataListener {
    private static final Logger log = LoggerFactory.getLogger(MetadataApplier.class);

    private final int nodeId;
    private final ReplicaManager replicas;
    private final ReplicationManager replication;
    private final java.util.function.LongSupplier brokerEpoch;
    private boolean caughtUp;

    /**
     * @param brokerEpoch this process's registration offset in the metadata log (-1 until registered)
     */
    MetadataApplier(int nodeId, ReplicaManager replicas, ReplicationManager replication, java.util.function.LongSupplier brokerEpoch) {
        this.nodeId = nodeId;
        this.replicas = replicas;
        this.replication = replication;
        this.brokerEpoch = brokerEpoch;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        if (!caughtUp) {
            // A restarted broker replays history first. Acting on it would make this broker lead
            // partitions it led long ago, at old epochs, and acknowledge writes as a stale leader.
            // So nothing happens until the log reaches this process's own registration; then the
            // whole image is applied at once, as one change from nothing.
            long epoch = brokerEpoch.getAsLong();
            if (epoch < 0 || newImage.offset() < epoch) {
                return;
            }
            caughtUp = true;
            MetadataDelta full = new MetadataDelta(MetadataImage.EMPTY);
            full.replay(newImage.toBatch(), newImage.offset());
            log.info("Caught up with the metadata log at offset {}; applying the image", newImage.offset());
            apply(full, newImage);
            return;
        }
        apply(delta, newImage);
    }

    private void apply(MetadataDelta delta, MetadataImage newImage) {
        LocalReplicaChanges changes = delta.topicsDelta().localChanges(nodeId);
        for (LocalReplicaChanges.PartitionInfo d : changes.deletes().values()) {
            TopicPartitionKey key = key(d);
            log.info("Deleting replica {} (topic deleted or replica moved away)", key);
            replication.removed(key);
            replicas.deletePartition(key);
        }
        for (LocalReplicaChanges.PartitionInfo l : changes.leaders().values()) {
            Partition p = replicas.ensure(key(l), state(l.registration(), newImage, l.topicPartition().topic()));
            replication.becomeLeader(p);
            log.info("Leading {} at leader epoch {} (ISR {})", p.key(), p.leaderEpoch(), l.registration().isr());
        }
        for (LocalReplicaChanges.PartitionInfo f : changes.followers().values()) {
            Partition p = replicas.ensure(key(f), state(f.registration(), newImage, f.topicPartition().topic()));
            replication.becomeFollower(p);
            log.info("Following {} led by {} at leader epoch {}", p.key(), f.registration().leader(), p.leaderEpoch());
        }
        if (delta.isReset()) {
            dropReplicasNotIn(newImage);
        }
        refreshConfigs(newImage);
    }

    private Partition.State state(PartitionRegistration r, MetadataImage image, String topic) {
        return new Partition.State(r.leader(), r.leaderEpoch(), r.partitionEpoch(), r.replicas(), r.isr(),
                image.configs().topicConfig(topic));
    }

    private static TopicPartitionKey key(LocalReplicaChanges.PartitionInfo i) {
        return new TopicPartitionKey(i.topicPartition().topic(), i.topicPartition().partition());
    }

    /** After a snapshot reset, replicas the new image no longer gives this broker must go. */
    private void dropReplicasNotIn(MetadataImage image) {
        Set<TopicPartitionKey> doomed = new HashSet<>();
        for (Partition p : replicas.all()) {
            TopicImage t = image.topics().topic(p.key().topic());
            PartitionRegistration r = t == null ? null : t.partition(p.key().partition());
            if (r == null || !r.replicas().contains(nodeId)) {
                doomed.add(p.key());
            }
        }
        for (TopicPartitionKey k : doomed) {
            replication.removed(k);
            replicas.deletePartition(k);
        }
    }

    private void refreshConfigs(MetadataImage image) {
        for (Partition p : replicas.all()) {
            Map<String, String> overrides = image.configs().topicConfig(p.key().topic());
            Partition.State s = p.state();
            if (!s.topicOverrides().equals(overrides)) {
                replicas.ensure(p.key(), new Partition.State(s.leaderId(), s.leaderEpoch(), s.partitionEpoch(),
                        s.replicas(), s.isr(), overrides));
                if (p.isLeader()) {
                    replication.becomeLeader(p); // min.insync.replicas may have changed
                }
            }
        }
    }
}

package io.fjord.broker;

import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import io.fjord.proto.NodeEndpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The cluster as the metadata log's latest image on this broker says it is. Lock-free reads. */
final class ImageMetadata implements ClusterMetadata {
    private final String clusterId;
    private final Supplier<MetadataImage> image;
    private final IntSupplier activeController;

    ImageMetadata(String clusterId, Supplier<MetadataImage> image, IntSupplier activeController) {
        this.clusterId = clusterId;
        this.image = image;
        this.activeController = activeController;
    }

    @Override public String clusterId() { return clusterId; }
    @Override public int controllerId() { return activeController.getAsInt(); }

    @Override
    public List<NodeEndpoint> liveBrokers() {
        List<NodeEndpoint> out = new ArrayList<>();
        for (BrokerRegistration b : image.get().cluster().brokers().values()) {
            if (!b.fenced() && !b.endpoints().isEmpty()) {
                out.add(b.endpoints().get(0));
            }
        }
        return out;
    }

    @Override
    public Optional<NodeEndpoint> broker(int id) {
        BrokerRegistration b = image.get().cluster().broker(id);
        return b == null || b.endpoints().isEmpty() ? Optional.empty() : Optional.of(b.endpoints().get(0));
    }

    @Override
    public Collection<TopicView> topics() {
        MetadataImage img = image.get();
        List<TopicView> out = new ArrayList<>();
        for (TopicImage t : img.topics().topics()) {
            out.add(view(img, t));
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public Optional<TopicView> topic(String name) {
        MetadataImage img = image.get();
        return Optional.ofNullable(img.topics().topic(name)).map(t -> view(img, t));
    }

    private static TopicView view(MetadataImage img, TopicImage t) {
        SortedMap<Integer, PartitionView> ps = new TreeMap<>();
        for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
            PartitionRegistration r = e.getValue();
            ps.put(e.getKey(), new PartitionView(e.getKey(), r.leader(), r.leaderEpoch(), r.partitionEpoch(), r.replicas(), r.isr()));
        }
        return new TopicView(t.name(), t.id(), img.configs().topicConfig(t.name()), ps);
    }
}

package io.fjord.broker;

import io.fjord.proto.NodeEndpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/** A standalone broker's view: itself, leading every partition of the topics in its registry. */
final class StandaloneMetadata implements ClusterMetadata {
    private final String clusterId;
    private final Supplier<NodeEndpoint> self;
    private final TopicRegistry registry;

    StandaloneMetadata(String clusterId, Supplier<NodeEndpoint> self, TopicRegistry registry) {
        this.clusterId = clusterId;
        this.self = self;
        this.registry = registry;
    }

    @Override public String clusterId() { return clusterId; }
    @Override public int controllerId() { return self.get().getNodeId(); }
    @Override public List<NodeEndpoint> liveBrokers() { return List.of(self.get()); }

    @Override
    public Optional<NodeEndpoint> broker(int id) {
        NodeEndpoint me = self.get();
        return me.getNodeId() == id ? Optional.of(me) : Optional.empty();
    }

    @Override
    public Collection<TopicView> topics() {
        List<TopicView> out = new ArrayList<>();
        for (TopicRegistry.Topic t : registry.snapshot().values()) {
            out.add(view(t));
        }
        return out;
    }

    @Override
    public Optional<TopicView> topic(String name) {
        return Optional.ofNullable(registry.get(name)).map(this::view);
    }

    private TopicView view(TopicRegistry.Topic t) {
        int me = self.get().getNodeId();
        SortedMap<Integer, PartitionView> ps = new TreeMap<>();
        for (int i = 0; i < t.partitions(); i++) {
            ps.put(i, new PartitionView(i, me, 0, 0, List.of(me), List.of(me)));
        }
        return new TopicView(t.name(), t.topicId(), t.configs(), ps);
    }
}

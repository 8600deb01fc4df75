package io.fjord.clients.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what one Metadata answer said: brokers, and for each topic asked about
 * its partitions with leader, replicas, ISR and epochs. Replaced whole on refresh; a leader hint
 * from an error response yields a copy with one partition changed.
 */
public final class Cluster {
    public record PartitionState(PartitionInfo info, int leaderEpoch, int partitionEpoch, long highWatermark,
                                 long logStartOffset, long logEndOffset) {}

    public record TopicState(String name, String topicId, List<PartitionState> partitions, Map<String, String> configs) {}

    private static final Cluster EMPTY = new Cluster("", -1, Map.of(), Map.of(), Map.of());

    private final String clusterId;
    private final int controllerId;
    private final Map<Integer, Node> nodes;
    private final Map<String, TopicState> topics;
    private final Map<String, ErrorCode> topicErrors;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Map<String, List<PartitionInfo>> available = new HashMap<>();

    private Cluster(String clusterId, int controllerId, Map<Integer, Node> nodes, Map<String, TopicState> topics,
                    Map<String, ErrorCode> topicErrors) {
        this.clusterId = clusterId;
        this.controllerId = controllerId;
        this.nodes = Map.copyOf(nodes);
        this.topics = Map.copyOf(topics);
        this.topicErrors = Map.copyOf(topicErrors);
        for (TopicState t : topics.values()) {
            List<PartitionInfo> up = new ArrayList<>();
            for (PartitionState p : t.partitions) {
                partitions.put(p.info.topicPartition(), p);
                if (p.info.leader() != null) {
                    up.add(p.info);
                }
            }
            available.put(t.name, List.copyOf(up));
        }
    }

    public static Cluster empty() {
        return EMPTY;
    }

    public static Cluster fromResponse(MetadataResponse response) {
        Map<Integer, Node> nodes = new LinkedHashMap<>();
        for (NodeEndpoint e : response.getBrokersList()) {
            nodes.put(e.getNodeId(), toNode(e));
        }
        Map<String, TopicState> topics = new HashMap<>();
        Map<String, ErrorCode> errors = new HashMap<>();
        for (TopicMetadata t : response.getTopicsList()) {
            if (t.getErrorCode() != ErrorCode.NONE) {
                errors.put(t.getName(), t.getErrorCode());
                continue;
            }
            List<PartitionState> ps = new ArrayList<>();
            for (PartitionMetadata p : t.getPartitionsList()) {
                Node leader = p.getLeaderId() >= 0 ? nodes.get(p.getLeaderId()) : null;
                PartitionInfo info = new PartitionInfo(t.getName(), p.getPartition(), leader,
                        toNodes(p.getReplicasList(), nodes), toNodes(p.getIsrList(), nodes));
                ps.add(new PartitionState(info, p.getLeaderEpoch(), p.getPartitionEpoch(), p.getHighWatermark(),
                        p.getLogStartOffset(), p.getLogEndOffset()));
            }
            ps.sort(Comparator.comparingInt(p -> p.info.partition()));
            topics.put(t.getName(), new TopicState(t.getName(), t.getTopicId(), List.copyOf(ps), Map.copyOf(t.getConfigsMap())));
        }
        return new Cluster(response.getClusterId(), response.getControllerId(), nodes, topics, errors);
    }

    public static Node toNode(NodeEndpoint e) {
        return new Node(e.getNodeId(), e.getHost(), e.getPort(), e.getRack());
    }

    /** Replicas that are not live brokers get a node without address, as Kafka does. */
    private static List<Node> toNodes(List<Integer> ids, Map<Integer, Node> nodes) {
        List<Node> out = new ArrayList<>(ids.size());
        for (int id : ids) {
            Node n = nodes.get(id);
            out.add(n != null ? n : new Node(id, "", -1));
        }
        return out;
    }

    public String clusterId() {
        return clusterId;
    }

    public int controllerId() {
        return controllerId;
    }

    public Collection<Node> nodes() {
        return nodes.values();
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public Set<String> topics() {
        return topics.keySet();
    }

    public TopicState topic(String name) {
        return topics.get(name);
    }

    /** NONE when the topic is known, its error when the broker reported one, null when it was not asked about. */
    public ErrorCode topicError(String topic) {
        return topics.containsKey(topic) ? ErrorCode.NONE : topicErrors.get(topic);
    }

    /** Null when the topic is not in this snapshot. */
    public Integer partitionCount(String topic) {
        TopicState t = topics.get(topic);
        return t == null ? null : t.partitions.size();
    }

    public PartitionState partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    /** Null when unknown or leaderless. */
    public Node leaderFor(TopicPartition tp) {
        PartitionState p = partitions.get(tp);
        return p == null ? null : p.info.leader();
    }

    public List<PartitionInfo> partitionsForTopic(String topic) {
        TopicState t = topics.get(topic);
        return t == null ? List.of() : t.partitions.stream().map(PartitionState::info).toList();
    }

    public List<PartitionInfo> availablePartitionsForTopic(String topic) {
        return available.getOrDefault(topic, List.of());
    }

    /**
     * A copy in which {@code tp} is led by {@code leader} at {@code leaderEpoch}; this snapshot when
     * the hint is older than what it knows or the partition is not in it.
     */
    public Cluster withLeader(TopicPartition tp, Node leader, int leaderEpoch) {
        PartitionState old = partitions.get(tp);
        if (old == null || (leaderEpoch >= 0 && leaderEpoch < old.leaderEpoch)) {
            return this;
        }
        Map<Integer, Node> newNodes = new LinkedHashMap<>(nodes);
        newNodes.putIfAbsent(leader.id(), leader);
        PartitionInfo info = new PartitionInfo(tp.topic(), tp.partition(), leader, old.info.replicas(), old.info.isr());
        PartitionState updated = new PartitionState(info, leaderEpoch >= 0 ? leaderEpoch : old.leaderEpoch,
                old.partitionEpoch, -1, old.logStartOffset, old.logEndOffset);
        TopicState t = topics.get(tp.topic());
        List<PartitionState> ps = new ArrayList<>(t.partitions);
        ps.replaceAll(p -> p.info.partition() == tp.partition() ? updated : p);
        Map<String, TopicState> newTopics = new HashMap<>(topics);
        newTopics.put(tp.topic(), new TopicState(t.name, t.topicId, List.copyOf(ps), t.configs));
        return new Cluster(clusterId, controllerId, newNodes, newTopics, topicErrors);
    }
}

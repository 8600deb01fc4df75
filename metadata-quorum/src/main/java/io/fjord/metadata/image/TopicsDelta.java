package io.fjord.metadata.image;

import io.fjord.proto.metadata.PartitionChangeRecord;
import io.fjord.proto.metadata.PartitionRecord;
import io.fjord.proto.metadata.TopicRecord;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Changes to topics and partitions, and the view "base image plus changes so far" that replay checks
 * preconditions against. Every check is a pure function of that view, so all nodes accept and ignore
 * the same records.
 *
 * <p>Threading: confined to the thread replaying.
 */
public final class TopicsDelta {
    private final TopicsImage base;
    /** Topics created or changed, by id. */
    private final Map<String, TopicChange> changed = new LinkedHashMap<>();
    /** Ids of base-image topics removed. */
    private final Set<String> deleted = new LinkedHashSet<>();
    /** Names of topics created in this delta, to their ids. */
    private final Map<String, String> createdNames = new HashMap<>();

    /** One topic's state under construction. */
    private static final class TopicChange {
        final String name;
        final String id;
        /** The base-image topic this one replaces in a snapshot reset, else null. */
        final TopicImage replaced;
        final Map<Integer, PartitionRegistration> partitions;
        final Set<Integer> changedPartitions = new TreeSet<>();

        TopicChange(String name, String id, TopicImage replaced, Map<Integer, PartitionRegistration> partitions) {
            this.name = name;
            this.id = id;
            this.replaced = replaced;
            this.partitions = new TreeMap<>(partitions);
        }
    }

    TopicsDelta(TopicsImage base) {
        this.base = base;
    }

    public TopicsImage image() {
        return base;
    }

    void reset() {
        changed.clear();
        createdNames.clear();
        deleted.addAll(base.byId().keySet());
    }

    /** The id of the topic called {@code name} as of this delta, or null. */
    public String topicId(String name) {
        String id = createdNames.get(name);
        if (id != null) {
            return id;
        }
        TopicImage t = base.topic(name);
        return t != null && !deleted.contains(t.id()) ? t.id() : null;
    }

    /** The partition as of this delta, or null. */
    public PartitionRegistration partition(String topicId, int partition) {
        TopicChange c = changed.get(topicId);
        if (c != null) {
            return c.partitions.get(partition);
        }
        if (deleted.contains(topicId)) {
            return null;
        }
        TopicImage t = base.topicById(topicId);
        return t == null ? null : t.partition(partition);
    }

    private boolean exists(String topicId) {
        return changed.containsKey(topicId) || (!deleted.contains(topicId) && base.topicById(topicId) != null);
    }

    private TopicChange change(String topicId) {
        TopicChange c = changed.get(topicId);
        if (c == null && !deleted.contains(topicId)) {
            TopicImage t = base.topicById(topicId);
            if (t != null) {
                c = new TopicChange(t.name(), t.id(), null, t.partitions());
                changed.put(topicId, c);
            }
        }
        return c;
    }

    /** @return false when ignored because the name or id is taken */
    boolean replay(TopicRecord r) {
        if (topicId(r.getName()) != null || exists(r.getTopicId())) {
            return false;
        }
        TopicImage replaced = null;
        if (deleted.remove(r.getTopicId())) {
            // A snapshot reset brings back a topic it first dropped: compare against the old one for deletes.
            replaced = base.topicById(r.getTopicId());
        }
        changed.put(r.getTopicId(), new TopicChange(r.getName(), r.getTopicId(), replaced, Map.of()));
        createdNames.put(r.getName(), r.getTopicId());
        return true;
    }

    void replay(PartitionRecord r) {
        TopicChange c = change(r.getTopicId());
        if (c == null || c.partitions.containsKey(r.getPartition())) {
            return;
        }
        c.partitions.put(r.getPartition(), PartitionRegistration.fromRecord(r));
        c.changedPartitions.add(r.getPartition());
    }

    void replay(PartitionChangeRecord r) {
        TopicChange c = change(r.getTopicId());
        if (c == null) {
            return;
        }
        PartitionRegistration current = c.partitions.get(r.getPartition());
        if (current == null) {
            return;
        }
        if (r.getExpectedPartitionEpoch() != -1 && r.getExpectedPartitionEpoch() != current.partitionEpoch()) {
            return;
        }
        PartitionRegistration next = current.merge(r);
        if (next.isr().isEmpty()) {
            return;  // never commit an empty ISR, whoever asked for it
        }
        c.partitions.put(r.getPartition(), next);
        c.changedPartitions.add(r.getPartition());
    }

    /** @return the removed topic's name, or null when there was no such topic */
    String removeTopic(String topicId) {
        TopicChange c = changed.remove(topicId);
        if (c != null) {
            createdNames.remove(c.name);
            if (c.replaced != null || base.topicById(topicId) != null) {
                deleted.add(topicId);
            }
            return c.name;
        }
        if (deleted.contains(topicId)) {
            return null;
        }
        TopicImage t = base.topicById(topicId);
        if (t == null) {
            return null;
        }
        deleted.add(topicId);
        return t.name();
    }

    TopicsImage apply() {
        if (changed.isEmpty() && deleted.isEmpty()) {
            return base;
        }
        Map<String, TopicImage> byId = new HashMap<>(base.byId());
        byId.keySet().removeAll(deleted);
        for (TopicChange c : changed.values()) {
            byId.put(c.id, new TopicImage(c.name, c.id, c.partitions));
        }
        return TopicsImage.of(byId);
    }

    /** Ids of topics removed by this delta (that existed in the base image). */
    public Set<String> deletedTopicIds() {
        return Collections.unmodifiableSet(deleted);
    }

    /** Which partitions {@code brokerId} now leads, follows, or must delete, after this delta. */
    public LocalReplicaChanges localChanges(int brokerId) {
        Map<TopicPartition, LocalReplicaChanges.PartitionInfo> leaders = new TreeMap<>();
        Map<TopicPartition, LocalReplicaChanges.PartitionInfo> followers = new TreeMap<>();
        Map<TopicPartition, LocalReplicaChanges.PartitionInfo> deletes = new TreeMap<>();
        for (String id : deleted) {
            TopicImage old = base.topicById(id);
            if (old != null) {
                addHosted(deletes, old, brokerId);
            }
        }
        for (TopicChange c : changed.values()) {
            TopicImage before = c.replaced != null ? c.replaced : base.topicById(c.id);
            if (before != null) {
                for (Map.Entry<Integer, PartitionRegistration> e : before.partitions().entrySet()) {
                    PartitionRegistration now = c.partitions.get(e.getKey());
                    if (e.getValue().replicas().contains(brokerId) && (now == null || !now.replicas().contains(brokerId))) {
                        TopicPartition tp = new TopicPartition(before.name(), e.getKey());
                        deletes.put(tp, new LocalReplicaChanges.PartitionInfo(tp, before.id(), e.getValue()));
                    }
                }
            }
            Set<Integer> touched = c.replaced != null ? c.partitions.keySet() : c.changedPartitions;
            for (int p : touched) {
                PartitionRegistration reg = c.partitions.get(p);
                TopicPartition tp = new TopicPartition(c.name, p);
                if (reg.leader() == brokerId) {
                    leaders.put(tp, new LocalReplicaChanges.PartitionInfo(tp, c.id, reg));
                } else if (reg.replicas().contains(brokerId)) {
                    followers.put(tp, new LocalReplicaChanges.PartitionInfo(tp, c.id, reg));
                }
            }
        }
        return new LocalReplicaChanges(Collections.unmodifiableMap(leaders), Collections.unmodifiableMap(followers),
                Collections.unmodifiableMap(deletes));
    }

    private static void addHosted(Map<TopicPartition, LocalReplicaChanges.PartitionInfo> out, TopicImage t, int brokerId) {
        t.partitions().forEach((p, reg) -> {
            if (reg.replicas().contains(brokerId)) {
                TopicPartition tp = new TopicPartition(t.name(), p);
                out.put(tp, new LocalReplicaChanges.PartitionInfo(tp, t.id(), reg));
            }
        });
    }
}

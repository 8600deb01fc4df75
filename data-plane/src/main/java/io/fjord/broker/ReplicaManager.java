package io.fjord.broker;

import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;
import io.fjord.storage.StorageException;
import io.fjord.storage.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partition replicas hosted on this broker: opens them at start (recovering after a crash),
 * creates and deletes them, and runs the periodic retention and flush policies.
 *
 * <p>Threading: the replica map is concurrent; create/delete of one topic are serialized by the
 * caller (the admin handler holds the registry lock).
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int nodeId;
    private final Path logDir;
    private final LogConfig defaults;
    private final Time time;
    private final Map<TopicPartitionKey, Partition> partitions = new ConcurrentHashMap<>();

    public ReplicaManager(int nodeId, Path logDir, LogConfig defaults, Time time) {
        this.nodeId = nodeId;
        this.logDir = logDir;
        this.defaults = defaults;
        this.time = time;
    }

    public LogConfig defaults() { return defaults; }

    public LogConfig configFor(Map<String, String> topicOverrides) {
        return LogConfig.fromMap(topicOverrides, defaults);
    }

    public Partition get(TopicPartitionKey tp) {
        return partitions.get(tp);
    }

    public Collection<Partition> all() {
        return partitions.values();
    }

    /** Opens (recovering if needed) or creates a partition's log; the role is set by the replication layer. */
    public Partition ensure(TopicPartitionKey tp, Partition.State state) {
        Partition p = partitions.computeIfAbsent(tp, k -> {
            PartitionLog pl = PartitionLog.open(logDir.resolve(k.dirName()), configFor(state.topicOverrides()), time);
            return new Partition(k, pl, state);
        });
        if (!p.state().topicOverrides().equals(state.topicOverrides())) {
            p.log().updateConfig(configFor(state.topicOverrides()));
        }
        p.setState(state);
        return p;
    }

    /** The metadata state of a partition a standalone broker leads alone. */
    public Partition.State standaloneState(Map<String, String> topicOverrides) {
        return new Partition.State(nodeId, 0, 0, java.util.List.of(nodeId), java.util.List.of(nodeId), topicOverrides);
    }

    /** Removes one partition replica from this broker and deletes its files. */
    public void deletePartition(TopicPartitionKey tp) {
        Partition p = partitions.remove(tp);
        if (p != null) {
            p.log().delete();
        }
    }

    public void updateConfig(String topic, Map<String, String> topicOverrides) {
        LogConfig c = configFor(topicOverrides);
        for (Partition p : partitions.values()) {
            if (p.key().topic().equals(topic)) {
                p.log().updateConfig(c);
            }
        }
    }

    /** Removes a topic's partitions from this broker and deletes their files. */
    public void deleteTopic(String topic) {
        List<TopicPartitionKey> doomed = new ArrayList<>();
        for (TopicPartitionKey k : partitions.keySet()) {
            if (k.topic().equals(topic)) {
                doomed.add(k);
            }
        }
        for (TopicPartitionKey k : doomed) {
            Partition p = partitions.remove(k);
            if (p != null) {
                p.log().delete();
            }
        }
    }

    /** Lists partition directories left on disk, e.g. by a crash during topic deletion. */
    public List<Path> strayDirectories(java.util.Set<String> knownTopics) {
        List<Path> stray = new ArrayList<>();
        try (var s = Files.list(logDir)) {
            s.filter(Files::isDirectory).forEach(d -> {
                String n = d.getFileName().toString();
                int dash = n.lastIndexOf('-');
                if (dash > 0 && !n.startsWith("__") && !knownTopics.contains(n.substring(0, dash))) {
                    stray.add(d);
                }
            });
        } catch (IOException e) {
            throw new StorageException("cannot list " + logDir + ": " + e.getMessage(), e);
        }
        return stray;
    }

    public void runRetention() {
        for (Partition p : partitions.values()) {
            try {
                // Never delete past the high watermark: those records are not yet committed.
                int deleted = p.log().deleteExpiredSegments(p.highWatermark());
                if (deleted > 0) {
                    log.info("Retention deleted {} segment(s) of {}; log start offset now {}", deleted, p.key(), p.log().logStartOffset());
                }
            } catch (RuntimeException e) {
                log.error("Retention failed for {}", p.key(), e);
            }
        }
    }

    public void runFlush() {
        for (Partition p : partitions.values()) {
            // A failed flush is a failed write to disk: it must not be swallowed. maybeFlush throws
            // StorageException; we let it reach the scheduler, which halts the broker.
            p.log().maybeFlush();
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Partition p : partitions.values()) {
            try {
                p.log().close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
                log.error("Closing the log of {} failed", p.key(), e);
            }
        }
        partitions.clear();
        if (first != null) {
            throw first;
        }
    }
}

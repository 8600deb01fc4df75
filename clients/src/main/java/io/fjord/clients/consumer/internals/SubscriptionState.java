package io.fjord.clients.consumer.internals;

import io.fjord.clients.common.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The partitions assigned to a consumer and, per partition, the fetch position (the offset of the
 * next record to return) or a pending reset to earliest/latest.
 *
 * <p>Threading: confined to the consumer's thread.
 */
public final class SubscriptionState {
    public enum ResetStrategy { EARLIEST, LATEST, NONE }

    private static final class PartitionState {
        Long position;
        ResetStrategy pendingReset;
        long highWatermark = -1;
        boolean paused;
    }

    private final Map<TopicPartition, PartitionState> assignment = new LinkedHashMap<>();
    private final ResetStrategy defaultReset;

    public SubscriptionState(ResetStrategy defaultReset) {
        this.defaultReset = defaultReset;
    }

    public ResetStrategy defaultResetStrategy() {
        return defaultReset;
    }

    /** Replaces the assignment; partitions kept keep their positions. */
    public void assign(Collection<TopicPartition> partitions) {
        Set<TopicPartition> wanted = new LinkedHashSet<>(partitions);
        assignment.keySet().retainAll(wanted);
        for (TopicPartition tp : wanted) {
            assignment.computeIfAbsent(tp, k -> new PartitionState());
        }
    }

    public Set<TopicPartition> assignedPartitions() {
        return new LinkedHashSet<>(assignment.keySet());
    }

    public boolean isAssigned(TopicPartition tp) {
        return assignment.containsKey(tp);
    }

    public boolean isEmpty() {
        return assignment.isEmpty();
    }

    private PartitionState state(TopicPartition tp) {
        PartitionState s = assignment.get(tp);
        if (s == null) {
            throw new IllegalStateException("No current assignment for partition " + tp
                    + ": assign() it before seeking or asking for its position.");
        }
        return s;
    }

    public void seek(TopicPartition tp, long offset) {
        PartitionState s = state(tp);
        s.position = offset;
        s.pendingReset = null;
    }

    public void requestReset(TopicPartition tp, ResetStrategy strategy) {
        PartitionState s = state(tp);
        s.position = null;
        s.pendingReset = strategy;
    }

    /** Null while the position is unknown or a reset is pending. */
    public Long position(TopicPartition tp) {
        return state(tp).position;
    }

    /** The strategy a partition without position is reset with: asked for by seekTo*, else auto.offset.reset. */
    public ResetStrategy resetStrategy(TopicPartition tp) {
        PartitionState s = state(tp);
        return s.pendingReset != null ? s.pendingReset : defaultReset;
    }

    /** Sets a position found by a reset, unless the user has seeked meanwhile. */
    public void completeReset(TopicPartition tp, ResetStrategy strategy, long offset) {
        PartitionState s = assignment.get(tp);
        if (s != null && s.position == null && resetStrategy(tp) == strategy) {
            s.position = offset;
            s.pendingReset = null;
        }
    }

    public List<TopicPartition> partitionsWithoutPosition() {
        List<TopicPartition> out = new ArrayList<>();
        assignment.forEach((tp, s) -> {
            if (s.position == null) {
                out.add(tp);
            }
        });
        return out;
    }

    public List<TopicPartition> fetchablePartitions() {
        List<TopicPartition> out = new ArrayList<>();
        assignment.forEach((tp, s) -> {
            if (s.position != null && !s.paused) {
                out.add(tp);
            }
        });
        return out;
    }

    public void pause(TopicPartition tp) {
        state(tp).paused = true;
    }

    public void resume(TopicPartition tp) {
        state(tp).paused = false;
    }

    public boolean isPaused(TopicPartition tp) {
        PartitionState s = assignment.get(tp);
        return s != null && s.paused;
    }

    public Set<TopicPartition> pausedPartitions() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assignment.forEach((tp, s) -> {
            if (s.paused) {
                out.add(tp);
            }
        });
        return out;
    }

    public void updateHighWatermark(TopicPartition tp, long hw) {
        PartitionState s = assignment.get(tp);
        if (s != null) {
            s.highWatermark = hw;
        }
    }

    /**
     * The largest lag (high watermark minus position, at least 0) over assigned partitions that have
     * both, or -1 when none has.
     */
    public long maxLag() {
        long max = -1;
        for (PartitionState s : assignment.values()) {
            if (s.position != null && s.highWatermark >= 0) {
                max = Math.max(max, Math.max(0, s.highWatermark - s.position));
            }
        }
        return max;
    }

    /** -1 until a fetch has reported it. */
    public long highWatermark(TopicPartition tp) {
        return state(tp).highWatermark;
    }
}

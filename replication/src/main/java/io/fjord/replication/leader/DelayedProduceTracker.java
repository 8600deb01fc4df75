package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.replication.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * acks=all produce requests waiting for the high watermark (Kafka's DelayedProduce purgatory, without
 * the threads). A request covers several partitions and completes when every one of them is settled:
 * NONE when the partition's HW reached the offset after its last appended record,
 * NOT_LEADER_OR_FOLLOWER when this broker stopped leading it, REQUEST_TIMED_OUT at the deadline.
 *
 * <p>How a broker drives it: {@link #add} after appending (it may complete at once), {@link #onHighWatermark}
 * whenever a {@link PartitionLeaderState} method returns a new HW, {@link #onLeadershipLost} when the
 * leader state is dropped, and {@link #expire} when {@link #nextDeadlineMs()} passes. Each returns the
 * requests to answer now; each request is returned exactly once.
 *
 * <p>Threading: not thread-safe; one caller at a time (a lock around it is enough: every call is
 * short). Its size is bounded by the produce requests in flight, which the server bounds per connection.
 *
 * @param <T> what the caller needs to answer a request (its response observer, say)
 */
public final class DelayedProduceTracker<T> {

    /** A settled request: an error code for every partition it waited on. */
    public record Completion<T>(T request, Map<TopicPartition, ErrorCode> errors) {
        public boolean succeeded() {
            return errors.values().stream().allMatch(e -> e == ErrorCode.NONE);
        }
    }

    private static final class Pending<T> {
        final T request;
        final long deadlineMs;
        final long sequence;
        final Map<TopicPartition, Long> waiting;
        final Map<TopicPartition, ErrorCode> errors = new LinkedHashMap<>();

        Pending(T request, long deadlineMs, long sequence, Map<TopicPartition, Long> waiting) {
            this.request = request;
            this.deadlineMs = deadlineMs;
            this.sequence = sequence;
            this.waiting = waiting;
        }
    }

    /** Per partition: required offset → requests waiting for the HW to reach it. */
    private final Map<TopicPartition, TreeMap<Long, Set<Pending<T>>>> byPartition = new HashMap<>();
    /** Deadline order; settled requests are skipped lazily. */
    private final PriorityQueue<Pending<T>> byDeadline = new PriorityQueue<>((a, b) -> a.deadlineMs != b.deadlineMs
            ? Long.compare(a.deadlineMs, b.deadlineMs) : Long.compare(a.sequence, b.sequence));
    private long nextSequence;
    private int size;

    /**
     * Registers a request whose partitions were appended.
     *
     * @param requiredOffsets per partition, the offset the HW must reach: the last appended offset + 1
     * @param currentHighWatermark the partitions' HW now, so that a request already satisfied (a lone
     *     ISR) completes here instead of waiting for an HW change that will not come
     * @return the completion when nothing is left to wait for
     */
    public Optional<Completion<T>> add(T request, Map<TopicPartition, Long> requiredOffsets, long deadlineMs,
                                       ToLongFunction<TopicPartition> currentHighWatermark) {
        Map<TopicPartition, Long> waiting = new LinkedHashMap<>();
        Pending<T> p = new Pending<>(request, deadlineMs, nextSequence++, waiting);
        for (Map.Entry<TopicPartition, Long> e : requiredOffsets.entrySet()) {
            if (currentHighWatermark.applyAsLong(e.getKey()) >= e.getValue()) {
                p.errors.put(e.getKey(), ErrorCode.NONE);
            } else {
                waiting.put(e.getKey(), e.getValue());
            }
        }
        if (waiting.isEmpty()) {
            return Optional.of(new Completion<>(request, Collections.unmodifiableMap(p.errors)));
        }
        for (Map.Entry<TopicPartition, Long> e : waiting.entrySet()) {
            byPartition.computeIfAbsent(e.getKey(), k -> new TreeMap<>())
                    .computeIfAbsent(e.getValue(), k -> new LinkedHashSet<>()).add(p);
        }
        byDeadline.add(p);
        size++;
        return Optional.empty();
    }

    /** The HW of {@code partition} is now {@code highWatermark}: settles what waited for offsets up to it. */
    public List<Completion<T>> onHighWatermark(TopicPartition partition, long highWatermark) {
        TreeMap<Long, Set<Pending<T>>> index = byPartition.get(partition);
        if (index == null) {
            return List.of();
        }
        NavigableMap<Long, Set<Pending<T>>> reached = index.headMap(highWatermark, true);
        List<Pending<T>> hit = new ArrayList<>();
        reached.values().forEach(hit::addAll);
        reached.clear();
        if (index.isEmpty()) {
            byPartition.remove(partition);
        }
        return settle(hit, partition, ErrorCode.NONE);
    }

    /** This broker no longer leads {@code partition}: its waiters fail with NOT_LEADER_OR_FOLLOWER. */
    public List<Completion<T>> onLeadershipLost(TopicPartition partition) {
        TreeMap<Long, Set<Pending<T>>> index = byPartition.remove(partition);
        if (index == null) {
            return List.of();
        }
        List<Pending<T>> hit = new ArrayList<>();
        index.values().forEach(hit::addAll);
        return settle(hit, partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    /** Requests past their deadline: partitions still waiting get REQUEST_TIMED_OUT. */
    public List<Completion<T>> expire(long nowMs) {
        List<Completion<T>> out = new ArrayList<>();
        while (!byDeadline.isEmpty() && byDeadline.peek().deadlineMs <= nowMs) {
            Pending<T> p = byDeadline.poll();
            if (p.waiting.isEmpty()) {
                continue;
            }
            for (Map.Entry<TopicPartition, Long> e : p.waiting.entrySet()) {
                unindex(e.getKey(), e.getValue(), p);
                p.errors.put(e.getKey(), ErrorCode.REQUEST_TIMED_OUT);
            }
            p.waiting.clear();
            size--;
            out.add(new Completion<>(p.request, Collections.unmodifiableMap(p.errors)));
        }
        return out;
    }

    /** When {@link #expire} next has work; empty when nothing waits. */
    public OptionalLong nextDeadlineMs() {
        while (!byDeadline.isEmpty() && byDeadline.peek().waiting.isEmpty()) {
            byDeadline.poll();
        }
        return byDeadline.isEmpty() ? OptionalLong.empty() : OptionalLong.of(byDeadline.peek().deadlineMs);
    }

    /** Requests still waiting. */
    public int size() { return size; }

    private List<Completion<T>> settle(List<Pending<T>> hit, TopicPartition partition, ErrorCode error) {
        List<Completion<T>> out = new ArrayList<>();
        for (Pending<T> p : hit) {
            if (p.waiting.remove(partition) == null) {
                continue;
            }
            p.errors.put(partition, error);
            if (p.waiting.isEmpty()) {
                size--;
                out.add(new Completion<>(p.request, Collections.unmodifiableMap(p.errors)));
            }
        }
        return out;
    }

    private void unindex(TopicPartition partition, long requiredOffset, Pending<T> p) {
        TreeMap<Long, Set<Pending<T>>> index = byPartition.get(partition);
        if (index == null) {
            return;
        }
        Set<Pending<T>> set = index.get(requiredOffset);
        if (set != null && set.remove(p) && set.isEmpty()) {
            index.remove(requiredOffset);
            if (index.isEmpty()) {
                byPartition.remove(partition);
            }
        }
    }
}

package io.fjord.replication.follower;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.FetchableTopicResponse;
import io.fjord.replication.EpochEndOffset;
import io.fjord.replication.ReplicaLog;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.TruncationPoint;
import io.fjord.replication.follower.FollowerPartitionState.AwaitingMetadata;
import io.fjord.replication.follower.FollowerPartitionState.Delayed;
import io.fjord.replication.follower.FollowerPartitionState.Fetching;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fetcher of one follower for one source broker, as a state machine without I/O (STYLE 5): it
 * multiplexes every partition this broker follows from that source into one long-polling fetch at a
 * time, and turns each response into {@link FetcherAction}s. {@link FetcherDriver} connects it to a
 * {@link LeaderClient} and the logs; tests drive it directly.
 *
 * <p>Cycle: {@link #buildFetchRequest} (empty while one is in flight or nothing is fetchable) →
 * {@link #handleFetchResponse} or {@link #handleFetchFailure} → apply the actions, in order, before
 * building the next request (the next request reads the log's new end offset and epoch). A failed
 * apply goes back through {@link #onApplyFailed}. {@link #pollDelayMs} says when to come back.
 *
 * <p>A response is used only for partitions still fetching at the same leader epoch and log end
 * offset as when the request was built; anything else changed underneath it and is ignored.
 *
 * <p>Threading: not thread-safe; one caller at a time. Metadata changes ({@link #addPartition},
 * {@link #removePartition}) must reach it on the same thread as the fetch cycle, or under the same lock.
 */
public final class ReplicaFetcher {
    private static final class Entry {
        final ReplicaLog log;
        FollowerPartitionState state;

        Entry(ReplicaLog log, FollowerPartitionState state) {
            this.log = log;
            this.state = state;
        }
    }

    /** What a request asked for one partition, to recognise a response that no longer applies. */
    private record Sent(long fetchOffset, int leaderEpoch) {}

    private final int localBrokerId;
    private final int sourceBrokerId;
    private final ReplicationConfig config;
    private long brokerEpoch;
    private final Map<TopicPartition, Entry> partitions = new LinkedHashMap<>();
    private Map<TopicPartition, Sent> inFlight;
    /** Rotates where requests start, so one busy partition cannot starve the rest of the response budget. */
    private int rotation;

    public ReplicaFetcher(int localBrokerId, long brokerEpoch, int sourceBrokerId, ReplicationConfig config) {
        this.localBrokerId = localBrokerId;
        this.brokerEpoch = brokerEpoch;
        this.sourceBrokerId = sourceBrokerId;
        this.config = config;
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Starts (or restarts, after {@link AwaitingMetadata}) fetching {@code partition} as a follower at
     * {@code leaderEpoch}. An epoch older than the one already held is stale metadata and ignored.
     *
     * @return false when ignored
     */
    public boolean addPartition(TopicPartition partition, int leaderEpoch, ReplicaLog log) {
        Entry e = partitions.get(partition);
        if (e != null && e.state.leaderEpoch() > leaderEpoch) {
            return false;
        }
        partitions.put(partition, new Entry(log, new Fetching(leaderEpoch)));
        return true;
    }

    /** Stops fetching {@code partition} (this broker leads it now, or no longer hosts it). */
    public boolean removePartition(TopicPartition partition) {
        return partitions.remove(partition) != null;
    }

    /** The broker re-registered with a new epoch; later requests carry it. */
    public void setBrokerEpoch(long brokerEpoch) { this.brokerEpoch = brokerEpoch; }

    // ---------------------------------------------------------------- fetch cycle

    /**
     * The next fetch: every partition in {@link Fetching} (and every {@link Delayed} one whose backoff
     * is over) at its log end offset and latest epoch. Empty while a request is in flight or when no
     * partition is fetchable.
     */
    public Optional<FetchRequest> buildFetchRequest(long nowMs) {
        if (inFlight != null) {
            return Optional.empty();
        }
        List<TopicPartition> order = new ArrayList<>(partitions.keySet());
        if (order.isEmpty()) {
            return Optional.empty();
        }
        Collections.rotate(order, -Math.floorMod(rotation++, order.size()));
        Map<TopicPartition, Sent> sent = new LinkedHashMap<>();
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (TopicPartition tp : order) {
            Entry e = partitions.get(tp);
            if (e.state instanceof Delayed d && d.retryAtMs() <= nowMs) {
                e.state = new Fetching(d.leaderEpoch());
            }
            if (!(e.state instanceof Fetching f)) {
                continue;
            }
            long fetchOffset = e.log.logEndOffset();
            topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t))
                    .addPartitions(FetchPartition.newBuilder()
                            .setPartition(tp.partition())
                            .setCurrentLeaderEpoch(f.leaderEpoch())
                            .setFetchOffset(fetchOffset)
                            .setLastFetchedEpoch(e.log.latestEpoch().orElse(-1))
                            .setLogStartOffset(e.log.logStartOffset())
                            .setPartitionMaxBytes(config.replicaFetchMaxBytes()));
            sent.put(tp, new Sent(fetchOffset, f.leaderEpoch()));
        }
        if (sent.isEmpty()) {
            return Optional.empty();
        }
        FetchRequest.Builder req = FetchRequest.newBuilder()
                .setReplicaId(localBrokerId)
                .setReplicaEpoch(brokerEpoch)
                .setMaxWaitMs(config.replicaFetchWaitMaxMs())
                .setMinBytes(config.replicaFetchMinBytes())
                .setMaxBytes(config.replicaFetchResponseMaxBytes())
                .setIsolationLevel(0);
        topics.values().forEach(req::addTopics);
        inFlight = sent;
        return Optional.of(req.build());
    }

    /** Turns the in-flight request's response into actions; apply them before the next request. */
    public List<FetcherAction> handleFetchResponse(FetchResponse response, long nowMs) {
        Map<TopicPartition, Sent> sent = takeInFlight();
        List<FetcherAction> actions = new ArrayList<>();
        if (response.getErrorCode() != ErrorCode.NONE) {
            sent.keySet().forEach(tp -> backoff(tp, sent.get(tp), response.getErrorCode(), nowMs, actions));
            return actions;
        }
        for (FetchableTopicResponse topic : response.getTopicsList()) {
            for (FetchPartitionData data : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), data.getPartition());
                Sent s = sent.get(tp);
                if (s != null && stillCurrent(tp, s)) {
                    handlePartition(tp, s, data, nowMs, actions);
                }
            }
        }
        return actions;
    }

    /** The request failed as a whole (connection lost, deadline passed): back off what it carried. */
    public List<FetcherAction> handleFetchFailure(Throwable cause, long nowMs) {
        Map<TopicPartition, Sent> sent = takeInFlight();
        List<FetcherAction> actions = new ArrayList<>();
        sent.forEach((tp, s) -> backoff(tp, s, ErrorCode.NETWORK_EXCEPTION, nowMs, actions));
        return actions;
    }

    /**
     * Applying an action for {@code partition} failed (the log rejected a batch, or storage failed):
     * the partition backs off and retries from wherever the log now ends.
     */
    public void onApplyFailed(TopicPartition partition, ErrorCode error, long nowMs) {
        Entry e = partitions.get(partition);
        if (e != null && !(e.state instanceof AwaitingMetadata)) {
            e.state = new Delayed(e.state.leaderEpoch(), nowMs + config.replicaFetchBackoffMs(), error);
        }
    }

    /**
     * How long until {@link #buildFetchRequest} has something to send: 0 now, {@code Long.MAX_VALUE}
     * while a request is in flight (its completion is the next event) or when nothing is fetchable.
     */
    public long pollDelayMs(long nowMs) {
        if (inFlight != null) {
            return Long.MAX_VALUE;
        }
        long delay = Long.MAX_VALUE;
        for (Entry e : partitions.values()) {
            if (e.state instanceof Fetching) {
                return 0L;
            }
            if (e.state instanceof Delayed d) {
                delay = Math.min(delay, Math.max(0L, d.retryAtMs() - nowMs));
            }
        }
        return delay;
    }

    private void handlePartition(TopicPartition tp, Sent s, FetchPartitionData data, long nowMs, List<FetcherAction> out) {
        Entry e = partitions.get(tp);
        switch (data.getErrorCode()) {
            case NONE -> {
                if (data.hasDivergingEpoch()) {
                    EpochEndOffset leaderAnswer = EpochEndOffset.fromProto(data.getDivergingEpoch());
                    out.add(new FetcherAction.Truncate(tp, TruncationPoint.compute(e.log, leaderAnswer)));
                    return;
                }
                if (!data.getRecords().isEmpty()) {
                    out.add(new FetcherAction.Append(tp, data.getRecords().asReadOnlyByteBuffer()));
                }
                out.add(new FetcherAction.UpdateHighWatermark(tp, data.getHighWatermark(), data.getLogStartOffset()));
            }
            case OFFSET_OUT_OF_RANGE -> {
                if (s.fetchOffset < data.getLogStartOffset()) {
                    // Retention on the leader removed what we would fetch next; nothing of ours is worth keeping.
                    out.add(new FetcherAction.TruncateFullyAndStartAt(tp, data.getLogStartOffset()));
                } else if (data.getLogEndOffset() >= 0 && s.fetchOffset > data.getLogEndOffset()
                        && e.log.latestEpoch().isEmpty()) {
                    // Without epochs to compare (else the leader answers with a diverging epoch), Kafka
                    // takes the leader's log end as the divergence point.
                    out.add(new FetcherAction.Truncate(tp, new TruncationPoint(data.getLogEndOffset(), true)));
                } else {
                    backoff(tp, s, data.getErrorCode(), nowMs, out);
                }
            }
            case FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER -> {
                e.state = new AwaitingMetadata(s.leaderEpoch, data.getErrorCode());
                out.add(new FetcherAction.AwaitMetadata(tp, data.getErrorCode()));
            }
            default -> backoff(tp, s, data.getErrorCode(), nowMs, out);
        }
    }

    private void backoff(TopicPartition tp, Sent s, ErrorCode error, long nowMs, List<FetcherAction> out) {
        if (!stillCurrent(tp, s)) {
            return;
        }
        long retryAtMs = nowMs + config.replicaFetchBackoffMs();
        partitions.get(tp).state = new Delayed(s.leaderEpoch, retryAtMs, error);
        out.add(new FetcherAction.Backoff(tp, error, retryAtMs));
    }

    private boolean stillCurrent(TopicPartition tp, Sent s) {
        Entry e = partitions.get(tp);
        return e != null && e.state instanceof Fetching f && f.leaderEpoch() == s.leaderEpoch
                && e.log.logEndOffset() == s.fetchOffset;
    }

    private Map<TopicPartition, Sent> takeInFlight() {
        if (inFlight == null) {
            throw new IllegalStateException("no fetch to " + sourceBrokerId + " is in flight");
        }
        Map<TopicPartition, Sent> sent = inFlight;
        inFlight = null;
        return sent;
    }

    // ---------------------------------------------------------------- accessors

    public int sourceBrokerId() { return sourceBrokerId; }

    public boolean isInFlight() { return inFlight != null; }

    public Set<TopicPartition> partitions() { return Collections.unmodifiableSet(partitions.keySet()); }

    public boolean isEmpty() { return partitions.isEmpty(); }

    public Optional<FollowerPartitionState> state(TopicPartition partition) {
        Entry e = partitions.get(partition);
        return e == null ? Optional.empty() : Optional.of(e.state);
    }

    /** The log of a followed partition, to apply actions to. */
    public Optional<ReplicaLog> log(TopicPartition partition) {
        Entry e = partitions.get(partition);
        return e == null ? Optional.empty() : Optional.of(e.log);
    }

    @Override
    public String toString() {
        return "ReplicaFetcher(" + localBrokerId + " <- " + sourceBrokerId + ", " + partitions.size() + " partitions)";
    }
}

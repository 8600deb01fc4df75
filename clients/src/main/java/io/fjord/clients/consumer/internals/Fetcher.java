package io.fjord.clients.consumer.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.OffsetOutOfRangeException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.serialization.Deserializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.internals.SubscriptionState.ResetStrategy;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.internals.Metadata;
import io.fjord.clients.internals.Rpc;
import io.fjord.clients.internals.Time;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.FetchableTopicResponse;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches for the consumer: one Fetch RPC per leader for all its assigned partitions that have a
 * position and nothing buffered, sent asynchronously so several brokers are asked in parallel;
 * answers are queued by gRPC threads and applied on the consumer's thread, where their data is
 * buffered and later handed out max.poll.records at a time.
 *
 * <p>Threading: confined to the consumer's thread, except the answer queue.
 */
public final class Fetcher<K, V> {
    public record Settings(int minBytes, int maxBytes, int maxWaitMs, int partitionMaxBytes, int maxPollRecords,
                           boolean checkCrcs, int requestTimeoutMs, int isolationLevel) {}

    private record Answer(Node node, Map<TopicPartition, Long> fetchOffsets, FetchResponse response, Throwable error) {}

    /** Not an answer: queued by wakeup() so that a thread blocked in awaitAnswers returns at once. */
    private static final Answer WAKEUP = new Answer(null, Map.of(), null, null);

    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);

    private final Metadata metadata;
    private final BrokerChannels channels;
    private final SubscriptionState subscriptions;
    private final Settings settings;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final ConsumerMetrics metrics;
    private final Time time;
    private final Set<Integer> nodesWithPendingFetch = new HashSet<>();
    private final LinkedBlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private final ArrayDeque<CompletedFetch> completed = new ArrayDeque<>();

    public Fetcher(Metadata metadata, BrokerChannels channels, SubscriptionState subscriptions, Settings settings,
                   Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer, ConsumerMetrics metrics, Time time) {
        this.metrics = metrics;
        this.time = time;
        this.metadata = metadata;
        this.channels = channels;
        this.subscriptions = subscriptions;
        this.settings = settings;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
    }

    /** Sends a fetch to every leader of fetchable partitions that has none outstanding; returns how many. */
    public int sendFetches(Cluster cluster) {
        Map<Node, Map<TopicPartition, Long>> byLeader = new LinkedHashMap<>();
        for (TopicPartition tp : subscriptions.fetchablePartitions()) {
            Long offset = nextFetchOffset(tp);
            if (offset == null) {
                continue;
            }
            Node leader = cluster.leaderFor(tp);
            if (leader == null) {
                metadata.requestUpdate();
                continue;
            }
            if (!nodesWithPendingFetch.contains(leader.id())) {
                byLeader.computeIfAbsent(leader, n -> new LinkedHashMap<>()).put(tp, offset);
            }
        }
        byLeader.forEach(this::send);
        return byLeader.size();
    }

    private void send(Node node, Map<TopicPartition, Long> offsets) {
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t))
                .addPartitions(FetchPartition.newBuilder().setPartition(tp.partition()).setCurrentLeaderEpoch(-1)
                        .setFetchOffset(offset).setLastFetchedEpoch(-1).setLogStartOffset(-1)
                        .setPartitionMaxBytes(settings.partitionMaxBytes)));
        FetchRequest.Builder request = FetchRequest.newBuilder().setReplicaId(-1).setReplicaEpoch(-1)
                .setMaxWaitMs(settings.maxWaitMs).setMinBytes(settings.minBytes).setMaxBytes(settings.maxBytes)
                .setIsolationLevel(settings.isolationLevel);
        topics.values().forEach(request::addTopics);
        nodesWithPendingFetch.add(node.id());
        // the broker may hold the fetch for max_wait_ms before answering, so the deadline includes it
        long timeoutMs = (long) settings.maxWaitMs + settings.requestTimeoutMs;
        long sentNs = time.nanoseconds();
        Rpc.call((io.grpc.stub.StreamObserver<FetchResponse> obs) -> ClientCalls.asyncUnaryCall(
                        channels.channel(node).newCall(FetchResponseParser.FETCH,
                                CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)),
                        request.build(), obs))
                .whenComplete((response, error) -> {
                    if (error == null) {
                        metrics.fetchAnswered(time.nanoseconds() - sentNs); // answered fetches only, as Kafka's fetch-latency
                    }
                    answers.add(new Answer(node, offsets, response, error));
                });
    }

    /**
     * Where the next fetch of a partition starts: {@link #expectedFetchOffset}, so the next data is
     * already on its way while the application works through the buffered fetch (one fetch ahead, as a
     * double buffer); null when two fetches are buffered.
     */
    private Long nextFetchOffset(TopicPartition tp) {
        int buffered = 0;
        for (CompletedFetch cf : completed) {
            if (cf.tp.equals(tp)) {
                buffered++;
            }
        }
        return buffered >= 2 ? null : expectedFetchOffset(tp);
    }

    /**
     * The offset the next fetch of a partition starts at, and an answer must have been fetched at to be
     * used: the end of the last buffered fetch, or the position when nothing is buffered; null when the
     * end of the buffered data is not known.
     */
    private Long expectedFetchOffset(TopicPartition tp) {
        CompletedFetch last = null;
        for (CompletedFetch cf : completed) {
            if (cf.tp.equals(tp)) {
                last = cf;
            }
        }
        if (last == null) {
            return subscriptions.position(tp);
        }
        return last.endOffset() < 0 ? null : last.endOffset();
    }

    public boolean hasPendingFetches() {
        return !nodesWithPendingFetch.isEmpty();
    }

    /** Waits up to {@code timeoutMs} for an answer, then applies every answer that has arrived. */
    public void awaitAnswers(long timeoutMs) {
        try {
            Answer first = timeoutMs > 0 ? answers.poll(timeoutMs, TimeUnit.MILLISECONDS) : answers.poll();
            if (first == null) {
                return;
            }
            List<Answer> all = new ArrayList<>();
            all.add(first);
            answers.drainTo(all);
            for (Answer a : all) {
                if (a != WAKEUP) {
                    apply(a);
                }
            }
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while waiting for fetched records", e);
        }
    }

    /** Ends a wait in {@link #awaitAnswers} early; thread-safe. */
    public void wakeup() {
        answers.add(WAKEUP);
    }

    private void apply(Answer a) {
        nodesWithPendingFetch.remove(a.node.id());
        if (a.error != null) {
            FjordException e = Errors.fromTransport(a.error, "Fetch", a.node.toString(),
                    (long) settings.maxWaitMs + settings.requestTimeoutMs);
            metrics.fetchFailed(e.getClass());
            if (!(e instanceof RetriableException)) {
                throw e;
            }
            log.debug("fetch from {} failed, will retry: {}", a.node, e.getMessage());
            metadata.requestUpdate();
            return;
        }
        if (a.response.getErrorCode() != ErrorCode.NONE) {
            for (Map.Entry<TopicPartition, Long> e : a.fetchOffsets.entrySet()) {
                handleError(e.getKey(), e.getValue(), a.response.getErrorCode(), "", null);
            }
            return;
        }
        for (FetchableTopicResponse t : a.response.getTopicsList()) {
            for (FetchPartitionData p : t.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                Long fetchOffset = a.fetchOffsets.get(tp);
                if (fetchOffset == null || !subscriptions.isAssigned(tp) || !fetchOffset.equals(expectedFetchOffset(tp))) {
                    continue; // unassigned or seeked while the fetch was out: the data is stale
                }
                if (p.getErrorCode() != ErrorCode.NONE) {
                    handleError(tp, fetchOffset, p.getErrorCode(), p.getErrorMessage(),
                            p.hasCurrentLeader() ? p.getCurrentLeader() : null);
                    continue;
                }
                subscriptions.updateHighWatermark(tp, p.getHighWatermark());
                if (!p.getRecords().isEmpty()) {
                    metrics.bytesFetched(p.getRecords().size());
                    completed.add(new CompletedFetch(tp, fetchOffset, p.getRecords().asReadOnlyByteBuffer(), settings.checkCrcs));
                }
            }
        }
    }

    private void handleError(TopicPartition tp, long fetchOffset, ErrorCode code, String message,
                             io.fjord.proto.LeaderHint hint) {
        if (!subscriptions.isAssigned(tp)) {
            return;
        }
        if (!Long.valueOf(fetchOffset).equals(subscriptions.position(tp))) {
            // A fetch ahead of buffered data (or a stale one): learn where the leader went, and leave the
            // rest to the fetch at the position, which comes once the buffered data is consumed.
            if (Long.valueOf(fetchOffset).equals(expectedFetchOffset(tp)) && Errors.needsMetadataRefresh(code)) {
                metadata.updateLeader(tp, hint);
            }
            return;
        }
        if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
            metrics.fetchFailed(OffsetOutOfRangeException.class);
            ResetStrategy strategy = subscriptions.defaultResetStrategy();
            if (strategy == ResetStrategy.NONE) {
                throw new OffsetOutOfRangeException("Fetch position " + fetchOffset + " is out of range for partition "
                        + tp + " and auto.offset.reset=none: seek to an offset between beginningOffsets() and"
                        + " endOffsets(), or set auto.offset.reset to earliest or latest.", Map.of(tp, fetchOffset));
            }
            log.info("Fetch position {} is out of range for partition {}, resetting offset ({})", fetchOffset, tp,
                    strategy.name().toLowerCase());
            subscriptions.requestReset(tp, strategy);
            return;
        }
        if (Errors.needsMetadataRefresh(code)) {
            metadata.updateLeader(tp, hint);
        }
        FjordException e = Errors.exception(code, "Fetch from " + tp + " at offset " + fetchOffset, message);
        metrics.fetchFailed(e.getClass());
        if (!Errors.isRetriable(code)) {
            throw e;
        }
        log.debug("will retry: {}", e.getMessage());
    }

    /** Hands out up to max.poll.records buffered records, advancing the positions past them. */
    public Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int remaining = settings.maxPollRecords;
        while (remaining > 0 && !completed.isEmpty()) {
            CompletedFetch cf = completed.peekFirst();
            // a paused partition's data is dropped, not handed out; its position stays, so resume refetches it
            if (!subscriptions.isAssigned(cf.tp) || subscriptions.isPaused(cf.tp)
                    || !Long.valueOf(cf.nextPosition()).equals(subscriptions.position(cf.tp))) {
                completed.pollFirst();
                continue;
            }
            List<ConsumerRecord<K, V>> records = cf.drain(remaining, keyDeserializer, valueDeserializer);
            if (cf.nextPosition() > subscriptions.position(cf.tp)) {
                subscriptions.seek(cf.tp, cf.nextPosition());
            }
            if (!records.isEmpty()) {
                out.computeIfAbsent(cf.tp, k -> new ArrayList<>()).addAll(records);
                remaining -= records.size();
            }
            if (cf.isExhausted()) {
                completed.pollFirst();
            } else if (records.isEmpty()) {
                break; // a failure is pending for this partition; it is thrown on the next call
            }
        }
        if (remaining < settings.maxPollRecords) {
            metrics.recordsReturned(settings.maxPollRecords - remaining);
        }
        metrics.updateRecordsLagMax(subscriptions.maxLag());
        return out;
    }

    public boolean hasBufferedData(TopicPartition tp) {
        for (CompletedFetch cf : completed) {
            if (cf.tp.equals(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Drops buffered data of a partition (after a seek or when it is unassigned). */
    public void clearBufferedData(TopicPartition tp) {
        Iterator<CompletedFetch> it = completed.iterator();
        while (it.hasNext()) {
            if (it.next().tp.equals(tp)) {
                it.remove();
            }
        }
    }
}

package io.fjord.clients.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.LeaderNotAvailableException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.ListOffsetsPartition;
import io.fjord.proto.ListOffsetsPartitionResponse;
import io.fjord.proto.ListOffsetsRequest;
import io.fjord.proto.ListOffsetsResponse;
import io.fjord.proto.ListOffsetsTopic;
import io.fjord.proto.ListOffsetsTopicResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up offsets by timestamp (or the special -2 earliest / -1 latest) with one ListOffsets RPC
 * per partition leader, in parallel, retrying leadership errors until the timeout. Blocking.
 */
public final class ListOffsetsClient {
    public static final long EARLIEST_TIMESTAMP = -2L;
    public static final long LATEST_TIMESTAMP = -1L;

    private static final Logger log = LoggerFactory.getLogger(ListOffsetsClient.class);

    private final Metadata metadata;
    private final BrokerChannels channels;
    private final long retryBackoffMs;
    private final int isolationLevel;
    private final Time time;

    public ListOffsetsClient(Metadata metadata, BrokerChannels channels, long retryBackoffMs, int isolationLevel, Time time) {
        this.metadata = metadata;
        this.channels = channels;
        this.retryBackoffMs = retryBackoffMs;
        this.isolationLevel = isolationLevel;
        this.time = time;
    }

    /**
     * @param timestamps per partition: a timestamp in ms, or EARLIEST_TIMESTAMP / LATEST_TIMESTAMP
     * @param timeoutMs total time allowed; at least one attempt is always made
     * @return the offset per partition (-1 where no record has a timestamp at or after the one asked for)
     */
    public Map<TopicPartition, Long> listOffsets(Map<TopicPartition, Long> timestamps, long timeoutMs) {
        Map<TopicPartition, Long> out = new HashMap<>();
        lookup(timestamps, timeoutMs).forEach((tp, found) -> out.put(tp, found.offset()));
        return out;
    }

    /** What the leader answered for one partition; offset and timestamp are -1 when nothing was found. */
    public record Found(long offset, long timestamp, int leaderEpoch) {}

    /** As {@link #listOffsets}, keeping the timestamp and leader epoch the leader answered with. */
    public Map<TopicPartition, Found> lookup(Map<TopicPartition, Long> timestamps, long timeoutMs) {
        Map<TopicPartition, Long> remaining = new LinkedHashMap<>(timestamps);
        Map<TopicPartition, Found> result = new HashMap<>();
        metadata.addTopics(timestamps.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet()));
        long deadline = saturatedAdd(time.milliseconds(), timeoutMs);
        FjordException lastError = null;
        while (true) {
            Cluster cluster = metadata.cluster();
            if (remaining.keySet().stream().anyMatch(tp -> cluster.leaderFor(tp) == null)) {
                try {
                    metadata.update(metadata.attemptDeadline(deadline));
                } catch (RetriableException e) {
                    lastError = e;
                }
            }
            lastError = attempt(metadata.cluster(), remaining, result, lastError);
            if (remaining.isEmpty()) {
                return result;
            }
            long now = time.milliseconds();
            if (now >= deadline) {
                throw new TimeoutException("Failed to get offsets of " + new TreeSet<>(remaining.keySet()) + " within "
                        + timeoutMs + " ms." + (lastError != null ? " Last error: " + lastError.getMessage() : ""), lastError);
            }
            Metadata.sleepQuietly(Math.min(retryBackoffMs, deadline - now));
        }
    }

    private FjordException attempt(Cluster cluster, Map<TopicPartition, Long> remaining, Map<TopicPartition, Found> result,
                                   FjordException lastError) {
        Map<Node, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : remaining.keySet()) {
            Node leader = cluster.leaderFor(tp);
            if (leader == null) {
                ErrorCode topicError = cluster.topicError(tp.topic());
                lastError = topicError != null && topicError != ErrorCode.NONE
                        ? Errors.exception(topicError, "List offsets of " + tp, null)
                        : new LeaderNotAvailableException("List offsets of " + tp + ": the partition has no known leader.");
            } else {
                byLeader.computeIfAbsent(leader, n -> new ArrayList<>()).add(tp);
            }
        }
        long timeoutMs = metadata.requestTimeoutMs();
        Map<Node, CompletableFuture<ListOffsetsResponse>> calls = new HashMap<>();
        byLeader.forEach((node, tps) -> {
            Map<String, ListOffsetsTopic.Builder> topics = new LinkedHashMap<>();
            for (TopicPartition tp : tps) {
                topics.computeIfAbsent(tp.topic(), t -> ListOffsetsTopic.newBuilder().setTopic(t))
                        .addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition())
                                .setCurrentLeaderEpoch(-1).setTimestamp(remaining.get(tp)));
            }
            ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder().setReplicaId(-1)
                    .setIsolationLevel(isolationLevel);
            topics.values().forEach(request::addTopics);
            calls.put(node, Rpc.call(obs -> channels.asyncStub(node, timeoutMs).listOffsets(request.build(), obs)));
        });
        for (Map.Entry<Node, CompletableFuture<ListOffsetsResponse>> call : calls.entrySet()) {
            ListOffsetsResponse response;
            try {
                response = call.getValue().get();
            } catch (InterruptedException e) {
                throw new InterruptException("interrupted while listing offsets", e);
            } catch (ExecutionException e) {
                FjordException mapped = Errors.fromTransport(e.getCause(), "List offsets", call.getKey().toString(), timeoutMs);
                if (!(mapped instanceof RetriableException)) {
                    throw mapped;
                }
                metadata.requestUpdate();
                lastError = mapped;
                continue;
            }
            for (ListOffsetsTopicResponse t : response.getTopicsList()) {
                for (ListOffsetsPartitionResponse p : t.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                    if (!remaining.containsKey(tp)) {
                        continue;
                    }
                    if (p.getErrorCode() == ErrorCode.NONE) {
                        result.put(tp, new Found(p.getOffset(), p.getTimestamp(), p.getLeaderEpoch()));
                        remaining.remove(tp);
                        continue;
                    }
                    FjordException e = Errors.exception(p.getErrorCode(), "List offsets of " + tp, p.getErrorMessage());
                    if (!Errors.isRetriable(p.getErrorCode())) {
                        throw e;
                    }
                    if (Errors.needsMetadataRefresh(p.getErrorCode())) {
                        metadata.updateLeader(tp, p.hasCurrentLeader() ? p.getCurrentLeader() : null);
                    }
                    log.debug("retrying: {}", e.getMessage());
                    lastError = e;
                }
            }
        }
        return lastError;
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

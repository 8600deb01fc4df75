package io.fjord.clients.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.NetworkException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.proto.BrokerServiceGrpc.BrokerServiceBlockingStub;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.LeaderHint;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a client's view of the cluster: the brokers and, for the topics the client uses, who leads
 * each partition. Refreshed by a Metadata RPC to any reachable broker when asked to (after a
 * leadership error), when a topic is new to the client, and every metadata.max.age.ms; a leader
 * hint carried by an error response is applied at once, without a round trip.
 *
 * <p>Threading: thread-safe. The snapshot is read without locks; refreshes are serialised.
 */
public final class Metadata {
    private static final Logger log = LoggerFactory.getLogger(Metadata.class);

    private final List<Node> bootstrap;
    private final BrokerChannels channels;
    private final long requestTimeoutMs;
    private final long metadataMaxAgeMs;
    private final long retryBackoffMs;
    private final Time time;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final ReentrantLock refreshLock = new ReentrantLock();
    private volatile Cluster cluster = Cluster.empty();
    private volatile boolean updateRequested = true;
    private volatile long lastRefreshMs = Long.MIN_VALUE / 2;
    private volatile long lastAttemptMs = Long.MIN_VALUE / 2;
    private int nextNode;

    public Metadata(List<Node> bootstrap, BrokerChannels channels, long requestTimeoutMs, long metadataMaxAgeMs,
                    long retryBackoffMs, Time time) {
        this.bootstrap = List.copyOf(bootstrap);
        this.channels = channels;
        this.requestTimeoutMs = requestTimeoutMs;
        this.metadataMaxAgeMs = metadataMaxAgeMs;
        this.retryBackoffMs = retryBackoffMs;
        this.time = time;
    }

    public Cluster cluster() {
        return cluster;
    }

    public long requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /**
     * The deadline for one request made on the way to {@code deadlineMs}: never beyond
     * request.timeout.ms from now, and long enough for one real attempt even when the caller's own
     * deadline is (nearly) over, as for poll(Duration.ZERO).
     */
    public long attemptDeadline(long deadlineMs) {
        long now = time.milliseconds();
        long minimum = Math.min(requestTimeoutMs, 5000);
        return now + Math.min(requestTimeoutMs, Math.max(minimum, deadlineMs - now));
    }

    /** Topics to keep metadata for; a topic new to the set triggers a refresh. */
    public void addTopics(Collection<String> names) {
        if (topics.addAll(names)) {
            updateRequested = true;
        }
    }

    public void setTopics(Collection<String> names) {
        topics.retainAll(names);
        addTopics(names);
    }

    public void requestUpdate() {
        updateRequested = true;
    }

    public boolean updateDue(long nowMs) {
        return (updateRequested && nowMs - lastAttemptMs >= retryBackoffMs) || nowMs - lastRefreshMs >= metadataMaxAgeMs;
    }

    public long timeToNextUpdateMs(long nowMs) {
        long byAge = lastRefreshMs + metadataMaxAgeMs - nowMs;
        long byRequest = updateRequested ? lastAttemptMs + retryBackoffMs - nowMs : Long.MAX_VALUE;
        return Math.max(0, Math.min(byAge, byRequest));
    }

    /** Refreshes when due; a failure is logged and retried after retry.backoff.ms. */
    public Cluster maybeUpdate(long nowMs) {
        if (updateDue(nowMs)) {
            try {
                update(nowMs + requestTimeoutMs);
            } catch (FjordException e) {
                log.debug("metadata refresh failed, will retry: {}", e.getMessage());
            }
        }
        return cluster;
    }

    /** Fetches metadata for the tracked topics now. */
    public Cluster update(long deadlineMs) {
        refreshLock.lock();
        try {
            lastAttemptMs = time.milliseconds();
            MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(topics).build();
            MetadataResponse response = fetch(request, deadlineMs);
            cluster = Cluster.fromResponse(response);
            lastRefreshMs = time.milliseconds();
            updateRequested = false;
            return cluster;
        } finally {
            refreshLock.unlock();
        }
    }

    /** One Metadata RPC to any reachable broker, without changing this client's view. */
    public MetadataResponse fetch(MetadataRequest request, long deadlineMs) {
        return callAnyNode("Metadata request", deadlineMs, (stub, node) -> stub.metadata(request));
    }

    /**
     * Calls each known broker in turn (then the bootstrap addresses) until one answers; one round.
     * Transport failures move on to the next broker; the call's own result is returned as is.
     */
    public <T> T callAnyNode(String what, long deadlineMs, BiFunction<BrokerServiceBlockingStub, Node, T> call) {
        List<Node> candidates = candidates();
        FjordException last = null;
        for (int i = 0; i < candidates.size(); i++) {
            Node node = candidates.get(i);
            long remaining = deadlineMs - time.milliseconds();
            if (remaining <= 0) {
                break;
            }
            // Share the round's time among the brokers still to try, so one hung broker (SIGSTOP, a
            // partition) cannot use it all before a healthy one is asked.
            long share = Math.max(remaining / (candidates.size() - i), Math.min(remaining, 1_000));
            long timeoutMs = Math.min(requestTimeoutMs, share);
            try {
                return call.apply(channels.blockingStub(node, timeoutMs), node);
            } catch (RuntimeException e) {
                FjordException mapped = Errors.fromTransport(e, what, node.toString(), timeoutMs);
                if (!(mapped instanceof RetriableException)) {
                    throw mapped;
                }
                last = mapped;
                log.debug("{} to {} failed: {}", what, node, mapped.getMessage());
            }
        }
        if (last != null) {
            String tried = candidates.stream().map(Node::address).distinct().toList().toString();
            throw new NetworkException(what + " failed: no broker answered (tried " + tried + "). Last error: "
                    + last.getMessage(), last);
        }
        throw new TimeoutException(what + " could not be sent within its timeout.");
    }

    private synchronized List<Node> candidates() {
        Map<String, Node> byAddress = new LinkedHashMap<>();
        List<Node> known = new ArrayList<>(cluster.nodes());
        if (!known.isEmpty()) {
            int start = Math.floorMod(nextNode++, known.size());
            for (int i = 0; i < known.size(); i++) {
                Node n = known.get((start + i) % known.size());
                byAddress.putIfAbsent(n.address(), n);
            }
        }
        for (Node n : bootstrap) {
            byAddress.putIfAbsent(n.address(), n);
        }
        return new ArrayList<>(byAddress.values());
    }

    /** Applies the leader named in an error response, or asks for a refresh when it names none. */
    public void updateLeader(TopicPartition tp, LeaderHint hint) {
        if (hint != null && hint.getLeaderId() >= 0 && hint.hasEndpoint() && hint.getEndpoint().getPort() > 0) {
            Node leader = Cluster.toNode(hint.getEndpoint());
            synchronized (this) {
                cluster = cluster.withLeader(tp, leader, hint.getLeaderEpoch());
            }
            log.debug("{} is now led by {} (epoch {}), per the broker's hint", tp, leader, hint.getLeaderEpoch());
        } else {
            requestUpdate();
        }
    }

    /**
     * Blocks until the topic (and {@code partition}, when not null) is in the metadata, refreshing as
     * needed, for at most {@code maxWaitMs}, as Kafka's producer does before a send.
     */
    public Cluster awaitPartitions(String topic, Integer partition, long maxWaitMs) {
        addTopics(List.of(topic));
        long start = time.milliseconds();
        long deadline = start + maxWaitMs;
        while (true) {
            Cluster c = cluster;
            Integer count = c.partitionCount(topic);
            if (count != null && (partition == null || partition < count)) {
                return c;
            }
            ErrorCode error = c.topicError(topic);
            if (error != null && error != ErrorCode.NONE && !Errors.isRetriable(error)) {
                throw Errors.exception(error, "Metadata for topic '" + topic + "'", null);
            }
            long now = time.milliseconds();
            if (now >= deadline) {
                if (count == null) {
                    throw new TimeoutException("Topic " + topic + " not present in metadata after " + maxWaitMs
                            + " ms. Create it first ('fjord topics create " + topic + "'), check the name, and check"
                            + " that the brokers in bootstrap.servers are reachable.");
                }
                throw new TimeoutException("Partition " + partition + " of topic " + topic + " with partition count "
                        + count + " is not present in metadata after " + maxWaitMs + " ms.");
            }
            if (c.topicError(topic) == null || now - lastAttemptMs >= retryBackoffMs) {
                try {
                    Cluster updated = update(Math.min(deadline, now + requestTimeoutMs));
                    ErrorCode e = updated.topicError(topic);
                    if (updated.partitionCount(topic) != null || (e != null && !Errors.isRetriable(e))) {
                        continue;
                    }
                } catch (RetriableException e) {
                    log.debug("waiting for metadata of {}: {}", topic, e.getMessage());
                }
            }
            sleepQuietly(Math.min(retryBackoffMs, Math.max(0, deadline - time.milliseconds())));
        }
    }

    static void sleepQuietly(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while waiting for metadata", e);
        }
    }
}

package io.fjord.clients.producer.internals;

import com.google.protobuf.UnsafeByteOperations;
import io.fjord.clients.common.Node;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.clients.internals.Cluster;
import io.fjord.clients.internals.Metadata;
import io.fjord.clients.internals.Time;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.InitProducerIdRequest;
import io.fjord.proto.InitProducerIdResponse;
import io.fjord.proto.LeaderHint;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.proto.TopicProduceResponse;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's one I/O thread, as Kafka's Sender: drains ready batches into one Produce request per
 * leader (all its partitions in one request), keeps up to max.in.flight.requests.per.connection
 * requests outstanding per broker, and completes, retries or fails batches from the answers.
 *
 * <p>Ordering: requests to a broker travel on one {@link ProduceConnection} (a gRPC stream the broker
 * reads in order), so several batches of one partition may be in flight and are appended in send
 * order. A partition's batches all go to one broker at a time ({@link #mayDrain}), at most
 * max.in.flight.requests.per.connection of them unacknowledged, and a retried batch goes alone, so
 * retries keep the order too. With idempotence (the default) each batch carries the
 * producer id and sequences, and the leader drops a retried batch it already holds; without it a
 * retry may duplicate or, with more than one request in flight, reorder records, as in Kafka.
 *
 * <p>Threading: all state is confined to the sender thread. gRPC answers arrive on gRPC threads and
 * are handed over through a queue, so callbacks run on this thread.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    /** Upper bound of one idle wait, so expiry and metadata age are checked even without wake-ups. */
    private static final long MAX_POLL_MS = 1000;

    public record Settings(short acks, int requestTimeoutMs, int maxInFlightPerBroker, int maxRequestSize, int retries,
                           long retryBackoffMs, long deliveryTimeoutMs, boolean idempotent) {}

    private static final class InFlightBatch {
        final ProducerBatch batch;
        PartitionProduceResponse answer;
        Throwable transportError;
        Node node;
        boolean answered;

        InFlightBatch(ProducerBatch batch, Node node) {
            this.batch = batch;
            this.node = node;
        }
    }

    private final RecordAccumulator accumulator;
    private final Metadata metadata;
    private final BrokerChannels channels;
    private final Time time;
    private final Settings settings;
    private final ProducerMetrics metrics;
    private final Map<Integer, Integer> inFlightPerNode = new HashMap<>();
    private final Map<TopicPartition, ArrayDeque<InFlightBatch>> inFlight = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> answers = new ConcurrentLinkedQueue<>();
    private final Map<Integer, ProduceConnection> connections = new HashMap<>();
    private final IdempotenceState idempotence = new IdempotenceState();
    private final RecordAccumulator.PartitionGate gate = this::mayDrain;
    private long nextProducerIdAttemptMs;
    /** Why the last InitProducerId failed, so batches that expire waiting for an id can say so. */
    private FjordException lastInitError;
    private final Object wakeLock = new Object();
    private boolean wakeupPending;
    /** Sum of inFlightPerNode, for the requests-in-flight gauge (read by other threads; written here only). */
    private volatile int inFlightRequests;
    private volatile boolean running = true;
    private volatile boolean forceClose;

    public Sender(RecordAccumulator accumulator, Metadata metadata, BrokerChannels channels, Time time, Settings settings,
                  ProducerMetrics metrics) {
        this.metrics = metrics;
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.channels = channels;
        this.time = time;
        this.settings = settings;
    }

    @Override
    public void run() {
        while (running) {
            runOnceSafely();
        }
        // close() was called: send what is queued unless the close is forced
        while (!forceClose && (accumulator.hasUndrained() || totalInFlight() > 0)) {
            runOnceSafely();
        }
        if (forceClose) {
            accumulator.abortIncompleteBatches(new FjordException("Producer is closed forcefully: the record was not"
                    + " (or not known to be) written."));
        }
        connections.values().forEach(ProduceConnection::close);
        log.debug("producer sender thread stopped");
    }

    private void runOnceSafely() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            log.error("Uncaught error in the producer sender thread; it carries on", e);
        }
    }

    /** One round: apply answers, expire, refresh metadata when due, send what is ready, then wait. */
    void runOnce() {
        long now = time.milliseconds();
        Runnable answer;
        while ((answer = answers.poll()) != null) {
            answer.run();
        }
        for (ProduceConnection c : connections.values()) {
            c.expire(now);
        }
        while ((answer = answers.poll()) != null) {
            answer.run();
        }
        for (ProducerBatch b : accumulator.expiredBatches(settings.deliveryTimeoutMs, now)) {
            fail(b, expired(b, now, b.lastError != null ? b.lastError : lastInitError));
        }
        Cluster cluster = metadata.maybeUpdate(now);
        if (settings.idempotent && !idempotence.hasProducerId() && !maybeInitProducerId(now)) {
            await(Math.min(Math.max(1, nextProducerIdAttemptMs - now), MAX_POLL_MS));
            return;
        }
        RecordAccumulator.ReadyCheckResult ready = accumulator.ready(cluster, now, gate);
        if (!ready.unknownLeaderTopics().isEmpty()) {
            metadata.requestUpdate();
        }
        Map<Integer, Node> sendable = new HashMap<>();
        for (Node n : ready.readyNodes()) {
            if (inFlightPerNode.getOrDefault(n.id(), 0) < settings.maxInFlightPerBroker) {
                sendable.put(n.id(), n);
            }
        }
        Map<Integer, List<ProducerBatch>> drained = accumulator.drain(cluster, Set.copyOf(sendable.values()),
                settings.maxRequestSize, now, gate);
        drained.forEach((nodeId, batches) -> send(sendable.get(nodeId), batches, now));
        long pollMs = drained.isEmpty()
                ? Math.min(ready.nextReadyCheckDelayMs(), metadata.timeToNextUpdateMs(now)) : 0;
        for (ProduceConnection c : connections.values()) {
            pollMs = Math.min(pollMs, c.nextTimeoutMs(now));
        }
        await(Math.min(pollMs, MAX_POLL_MS));
    }

    /**
     * Whether a partition's first queued batch may go to {@code leader} now. Never while some of the
     * partition is in flight to another broker (the two could be appended in either order), and a
     * retried batch only once nothing of its partition is in flight, so retries go in sequence order.
     */
    private boolean mayDrain(TopicPartition tp, Node leader, ProducerBatch first) {
        ArrayDeque<InFlightBatch> dq = inFlight.get(tp);
        if (dq == null || dq.isEmpty()) {
            return true;
        }
        if (first.attempts > 0) {
            return false;
        }
        // A batch stays here until its own answer is applied, even when later ones were answered (the
        // broker may answer a stream's requests out of order). Capping these at the in-flight limit
        // (at most 5 with idempotence) keeps every unacknowledged batch within the last 5 the leader
        // remembers per producer, so a retry of any of them is recognised.
        if (dq.size() >= settings.maxInFlightPerBroker) {
            return false;
        }
        for (InFlightBatch f : dq) {
            if (f.node.id() != leader.id()) {
                return false;
            }
        }
        return true;
    }

    /** Asks a broker for a producer id (blocking, at most request.timeout.ms); false when none was had. */
    private boolean maybeInitProducerId(long now) {
        if (now < nextProducerIdAttemptMs) {
            return false;
        }
        try {
            InitProducerIdResponse r = metadata.callAnyNode("InitProducerId", now + settings.requestTimeoutMs,
                    (stub, node) -> stub.initProducerId(InitProducerIdRequest.getDefaultInstance()));
            if (r.getErrorCode() == ErrorCode.NONE) {
                idempotence.setProducerId(r.getProducerId(), (short) r.getProducerEpoch());
                lastInitError = null;
                log.debug("Idempotent producer got producer id {} epoch {}", r.getProducerId(), r.getProducerEpoch());
                return true;
            }
            lastInitError = Errors.exception(r.getErrorCode(), "InitProducerId (needed by enable.idempotence=true)", r.getErrorMessage());
        } catch (FjordException e) {
            lastInitError = e;
        }
        log.warn("InitProducerId failed: {}; retrying in {} ms", lastInitError.getMessage(), settings.retryBackoffMs);
        nextProducerIdAttemptMs = time.milliseconds() + Math.max(1, settings.retryBackoffMs);
        return false;
    }

    private void send(Node node, List<ProducerBatch> batches, long now) {
        Map<String, TopicProduceData.Builder> byTopic = new LinkedHashMap<>();
        for (ProducerBatch b : batches) {
            if (settings.idempotent) {
                idempotence.stamp(b);
            }
            if (b.attempts == 0) {
                metrics.batchSent(b);
            }
            byTopic.computeIfAbsent(b.tp.topic(), t -> TopicProduceData.newBuilder().setTopic(t))
                    .addPartitions(PartitionProduceData.newBuilder().setPartition(b.tp.partition())
                            .setRecords(UnsafeByteOperations.unsafeWrap(b.buffer())));
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(settings.acks)
                .setTimeoutMs(settings.requestTimeoutMs);
        byTopic.values().forEach(request::addTopics);
        Map<TopicPartition, InFlightBatch> tracked = new HashMap<>();
        for (ProducerBatch b : batches) {
            if (settings.acks == 0) {
                accumulator.complete(b, -1, -1, null); // acks=0: done once handed to the transport, as Kafka
            } else {
                InFlightBatch f = new InFlightBatch(b, node);
                inFlight.computeIfAbsent(b.tp, k -> new ArrayDeque<>()).addLast(f);
                tracked.put(b.tp, f);
            }
        }
        ProduceConnection connection = connections.get(node.id());
        if (connection == null || !connection.node().address().equals(node.address())) {
            if (connection != null) {
                connection.close(); // the broker moved (restarted on another port): its old stream is dead
            }
            connection = new ProduceConnection(node, channels, this::handOver, settings.requestTimeoutMs);
            connections.put(node.id(), connection);
        }
        if (settings.acks != 0) {
            inFlightPerNode.merge(node.id(), 1, Integer::sum);
            inFlightRequests++; // single writer: this thread
        }
        long sentNs = time.nanoseconds();
        connection.send(request.build(), now, (response, error) -> onAnswer(node, tracked, response, error, sentNs));
    }

    private void handOver(Runnable r) {
        answers.add(r);
        wakeup();
    }

    private void onAnswer(Node node, Map<TopicPartition, InFlightBatch> tracked, ProduceResponse response, Throwable error,
                          long sentNs) {
        inFlightPerNode.merge(node.id(), -1, Integer::sum);
        inFlightRequests--;
        if (response != null) {
            metrics.requestAnswered(time.nanoseconds() - sentNs); // answered requests only, as Kafka's request-latency
        }
        if (error != null) {
            log.debug("Produce request to {} failed: {}", node, error.toString());
            metadata.requestUpdate();
        }
        Map<TopicPartition, PartitionProduceResponse> byPartition = new HashMap<>();
        if (response != null) {
            for (TopicProduceResponse t : response.getTopicsList()) {
                for (PartitionProduceResponse p : t.getPartitionsList()) {
                    byPartition.put(new TopicPartition(t.getTopic(), p.getPartition()), p);
                }
            }
        }
        Set<TopicPartition> touched = new LinkedHashSet<>();
        for (Map.Entry<TopicPartition, InFlightBatch> e : tracked.entrySet()) {
            InFlightBatch f = e.getValue();
            f.answered = true;
            f.transportError = error;
            f.answer = byPartition.get(e.getKey());
            if (error == null && f.answer == null) {
                f.transportError = new FjordException("the Produce response from " + node + " did not mention " + e.getKey());
            }
            touched.add(e.getKey());
        }
        long now = time.milliseconds();
        for (TopicPartition tp : touched) {
            ArrayDeque<InFlightBatch> dq = inFlight.get(tp);
            while (dq != null && !dq.isEmpty() && dq.peekFirst().answered) {
                apply(dq.pollFirst(), now);
            }
            if (dq != null && dq.isEmpty()) {
                inFlight.remove(tp);
            }
        }
    }

    private void apply(InFlightBatch f, long now) {
        ProducerBatch batch = f.batch;
        if (batch.isDone()) {
            return; // aborted by a forced close meanwhile
        }
        String context = "Produce to " + batch.tp;
        if (f.transportError != null) {
            FjordException e = Errors.fromTransport(f.transportError, context, f.node.toString(), settings.requestTimeoutMs);
            retryOrFail(batch, e instanceof RetriableException, e, now);
            return;
        }
        PartitionProduceResponse p = f.answer;
        ErrorCode code = p.getErrorCode();
        if (code == ErrorCode.NONE) {
            if (settings.idempotent) {
                idempotence.acknowledged(batch);
            }
            accumulator.complete(batch, p.getBaseOffset(), p.getLogAppendTimeMs(), null);
            return;
        }
        boolean newLeaderKnown = false;
        if (Errors.needsMetadataRefresh(code)) {
            LeaderHint hint = p.hasCurrentLeader() ? p.getCurrentLeader() : null;
            metadata.updateLeader(batch.tp, hint);
            newLeaderKnown = hint != null && hint.hasEndpoint() && hint.getLeaderId() >= 0 && hint.getLeaderId() != f.node.id();
        }
        FjordException e = Errors.exception(code, context, p.getErrorMessage());
        if (newLeaderKnown) {
            // The old leader named the new one (KIP-951): resend there at once rather than after
            // retry.backoff.ms, which only spaces out attempts against the same unhappy broker.
            retryOrFail(batch, true, e, now, true);
            return;
        }
        if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE && settings.idempotent && !idempotence.isNextExpected(batch)) {
            // An earlier batch of the partition is not acknowledged yet (it failed on its way and is
            // being retried), or the batch belongs to a producer id given up since: resend after it.
            retryOrFail(batch, true, e, now);
            return;
        }
        retryOrFail(batch, Errors.isRetriable(code), e, now);
    }

    private void retryOrFail(ProducerBatch batch, boolean retriable, FjordException error, long now) {
        retryOrFail(batch, retriable, error, now, false);
    }

    private void retryOrFail(ProducerBatch batch, boolean retriable, FjordException error, long now, boolean skipBackoff) {
        boolean timedOut = batch.hasReachedDeliveryTimeout(settings.deliveryTimeoutMs, now);
        if (retriable && !timedOut && batch.attempts < settings.retries) {
            log.warn("Got error on {} (attempt {}), retrying{}: {}", batch, batch.attempts + 1,
                    skipBackoff ? " at once against the new leader" : "", error.getMessage());
            batch.lastError = error;
            metrics.batchRetried();
            accumulator.reenqueue(batch, skipBackoff ? now - settings.retryBackoffMs : now);
            return;
        }
        fail(batch, retriable && timedOut ? expired(batch, now, error) : error);
    }

    /**
     * Fails a batch for good. If it had sequences, the leader will never see them, and would refuse
     * every later batch of the partition as out of order: take a new producer id (see IdempotenceState).
     */
    private void fail(ProducerBatch batch, FjordException error) {
        if (settings.idempotent && batch.hasSequence() && batch.producerId == idempotence.producerId()) {
            log.warn("Batch {} failed for good ({}); taking a new producer id so later batches are not refused",
                    batch, error.getMessage());
            idempotence.reset();
        }
        accumulator.complete(batch, -1, -1, error);
    }

    private TimeoutException expired(ProducerBatch b, long now, FjordException last) {
        return new TimeoutException("Expiring " + b.recordCount() + " record(s) for " + b.tp + ": " + (now - b.createdMs)
                + " ms has passed since batch creation (delivery.timeout.ms=" + settings.deliveryTimeoutMs + ")."
                + (last != null ? " Last error: " + last.getMessage()
                        : " The partition's leader was not known or not reachable in time: check that the brokers are"
                        + " up and that 'fjord topics describe' shows a leader."), last);
    }

    /** Produce requests sent and not answered, over all brokers; readable from any thread. */
    public int inFlightRequests() {
        return inFlightRequests;
    }

    private int totalInFlight() {
        int total = 0;
        for (int n : inFlightPerNode.values()) {
            total += n;
        }
        return total;
    }

    private void await(long ms) {
        synchronized (wakeLock) {
            if (!wakeupPending && ms > 0) {
                try {
                    wakeLock.wait(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            wakeupPending = false;
        }
        Thread.interrupted(); // the sender is stopped through running/forceClose, never by interruption
    }

    public void wakeup() {
        synchronized (wakeLock) {
            wakeupPending = true;
            wakeLock.notifyAll();
        }
    }

    /** Stops taking records; the thread sends what is queued and then ends. */
    public void initiateClose() {
        accumulator.close();
        running = false;
        wakeup();
    }

    /** Ends the thread at once, failing whatever is not yet acknowledged. */
    public void forceClose() {
        forceClose = true;
        initiateClose();
    }
}

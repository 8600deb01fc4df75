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
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.proto.TopicProduceResponse;
import io.grpc.stub.StreamObserver;
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
 * The producer's one I/O thread, as Kafka's Sender: drains ready batches into one Produce RPC per
 * leader (all its partitions in one request), keeps up to max.in.flight.requests.per.connection
 * RPCs outstanding per broker, and completes, retries or fails batches from the answers.
 *
 * <p>Ordering: at most one batch per partition is in flight (the accumulator mutes the partition
 * until its answer is applied), because gRPC gives no ordering between concurrent calls: two
 * batches of a partition sent back to back could be appended in the opposite order. So records of a
 * partition are written, and their callbacks run, in send order, retries included (stronger than
 * Kafka without idempotence; per-partition throughput is then one batch per round trip, and
 * max.in.flight.requests.per.connection bounds the RPCs per broker over different partitions).
 *
 * <p>Threading: all state is confined to the sender thread. gRPC answers arrive on gRPC threads and
 * are handed over through a queue, so callbacks run on this thread.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    /** Upper bound of one idle wait, so expiry and metadata age are checked even without wake-ups. */
    private static final long MAX_POLL_MS = 1000;

    public record Settings(short acks, int requestTimeoutMs, int maxInFlightPerBroker, int maxRequestSize, int retries,
                           long retryBackoffMs, long deliveryTimeoutMs) {}

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
    private final Map<Integer, Integer> inFlightPerNode = new HashMap<>();
    private final Map<TopicPartition, ArrayDeque<InFlightBatch>> inFlight = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> answers = new ConcurrentLinkedQueue<>();
    private final Object wakeLock = new Object();
    private boolean wakeupPending;
    private volatile boolean running = true;
    private volatile boolean forceClose;

    public Sender(RecordAccumulator accumulator, Metadata metadata, BrokerChannels channels, Time time, Settings settings) {
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
        for (ProducerBatch b : accumulator.expiredBatches(settings.deliveryTimeoutMs, now)) {
            accumulator.complete(b, -1, -1, expired(b, now, b.lastError));
        }
        Cluster cluster = metadata.maybeUpdate(now);
        RecordAccumulator.ReadyCheckResult ready = accumulator.ready(cluster, now);
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
                settings.maxRequestSize, now);
        drained.forEach((nodeId, batches) -> send(sendable.get(nodeId), batches));
        long pollMs = drained.isEmpty()
                ? Math.min(ready.nextReadyCheckDelayMs(), metadata.timeToNextUpdateMs(now)) : 0;
        await(Math.min(pollMs, MAX_POLL_MS));
    }

    private void send(Node node, List<ProducerBatch> batches) {
        Map<String, TopicProduceData.Builder> byTopic = new LinkedHashMap<>();
        for (ProducerBatch b : batches) {
            byTopic.computeIfAbsent(b.tp.topic(), t -> TopicProduceData.newBuilder().setTopic(t))
                    .addPartitions(PartitionProduceData.newBuilder().setPartition(b.tp.partition())
                            .setRecords(UnsafeByteOperations.unsafeWrap(b.buffer())));
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(settings.acks)
                .setTimeoutMs(settings.requestTimeoutMs);
        byTopic.values().forEach(request::addTopics);
        inFlightPerNode.merge(node.id(), 1, Integer::sum);
        Map<TopicPartition, InFlightBatch> tracked = new HashMap<>();
        for (ProducerBatch b : batches) {
            accumulator.mutePartition(b.tp);
            if (settings.acks == 0) {
                accumulator.complete(b, -1, -1, null); // acks=0: done once handed to the transport, as Kafka
            } else {
                InFlightBatch f = new InFlightBatch(b, node);
                inFlight.computeIfAbsent(b.tp, k -> new ArrayDeque<>()).addLast(f);
                tracked.put(b.tp, f);
            }
        }
        StreamObserver<ProduceResponse> observer = new StreamObserver<>() {
            private ProduceResponse response;

            @Override
            public void onNext(ProduceResponse value) {
                response = value;
            }

            @Override
            public void onError(Throwable t) {
                handOver(() -> onAnswer(node, batches, tracked, null, t));
            }

            @Override
            public void onCompleted() {
                ProduceResponse r = response;
                handOver(() -> onAnswer(node, batches, tracked, r, null));
            }
        };
        try {
            channels.asyncStub(node, settings.requestTimeoutMs).produce(request.build(), observer);
        } catch (RuntimeException e) {
            observer.onError(e);
        }
    }

    private void handOver(Runnable r) {
        answers.add(r);
        wakeup();
    }

    private void onAnswer(Node node, List<ProducerBatch> batches, Map<TopicPartition, InFlightBatch> tracked,
                          ProduceResponse response, Throwable error) {
        inFlightPerNode.merge(node.id(), -1, Integer::sum);
        if (settings.acks == 0) {
            batches.forEach(b -> accumulator.unmutePartition(b.tp));
            return;
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
                accumulator.unmutePartition(tp);
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
            accumulator.complete(batch, p.getBaseOffset(), p.getLogAppendTimeMs(), null);
            return;
        }
        if (Errors.needsMetadataRefresh(code)) {
            metadata.updateLeader(batch.tp, p.hasCurrentLeader() ? p.getCurrentLeader() : null);
        }
        retryOrFail(batch, Errors.isRetriable(code), Errors.exception(code, context, p.getErrorMessage()), now);
    }

    private void retryOrFail(ProducerBatch batch, boolean retriable, FjordException error, long now) {
        boolean timedOut = batch.hasReachedDeliveryTimeout(settings.deliveryTimeoutMs, now);
        if (retriable && !timedOut && batch.attempts < settings.retries) {
            log.warn("Got error on {} (attempt {}), retrying: {}", batch, batch.attempts + 1, error.getMessage());
            batch.lastError = error;
            accumulator.reenqueue(batch, now);
            return;
        }
        accumulator.complete(batch, -1, -1, retriable && timedOut ? expired(batch, now, error) : error);
    }

    private TimeoutException expired(ProducerBatch b, long now, FjordException last) {
        return new TimeoutException("Expiring " + b.recordCount() + " record(s) for " + b.tp + ": " + (now - b.createdMs)
                + " ms has passed since batch creation (delivery.timeout.ms=" + settings.deliveryTimeoutMs + ")."
                + (last != null ? " Last error: " + last.getMessage()
                        : " The partition's leader was not known or not reachable in time: check that the brokers are"
                        + " up and that 'fjord topics describe' shows a leader."), last);
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

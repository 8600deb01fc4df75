package io.fjord.clients.producer.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.internals.BrokerChannels;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.ProduceStreamRequest;
import io.fjord.proto.ProduceStreamResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * The producer's connection to one broker: a ProduceStream call, on which the broker appends requests
 * in the order they are sent, as on Kafka's one TCP connection per broker. That order is what lets a
 * producer keep several batches of one partition in flight.
 *
 * <p>Each request has its own timeout (request.timeout.ms, checked by {@link #expire}); when one runs
 * out the stream is cancelled and every request on it fails, as Kafka closes the connection, because
 * answers on a stream cannot be skipped. The next send opens a new stream.
 *
 * <p>Threading: used by the sender thread only. gRPC's callbacks are passed through {@code handOver}
 * (the sender's queue), so answers and failures are handled on the sender thread too.
 */
final class ProduceConnection {
    /** How a request ended: the response, or the failure (transport error, timeout, stream closed). */
    interface Completion extends BiConsumer<ProduceResponse, Throwable> {}

    private record Pending(long sentMs, Completion completion) {}

    /** One stream; requests pending on it fail together when it ends. */
    private final class Stream {
        final Map<Long, Pending> pending = new HashMap<>();
        ClientCallStreamObserver<ProduceStreamRequest> requests;
        boolean ended;

        void onAnswer(ProduceStreamResponse r) {
            Pending p = pending.remove(r.getCorrelationId());
            if (p != null) {
                p.completion.accept(r.getResponse(), null);
            }
        }

        void end(Throwable cause) {
            if (ended) {
                return;
            }
            ended = true;
            if (current == this) {
                current = null;
            }
            Map<Long, Pending> failed = new HashMap<>(pending);
            pending.clear();
            failed.values().forEach(p -> p.completion.accept(null, cause));
        }
    }

    private final Node node;
    private final BrokerChannels channels;
    private final Executor handOver;
    private final long requestTimeoutMs;
    private Stream current;
    private long nextCorrelationId;

    ProduceConnection(Node node, BrokerChannels channels, Executor handOver, long requestTimeoutMs) {
        this.node = node;
        this.channels = channels;
        this.handOver = handOver;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    Node node() {
        return node;
    }

    /**
     * Sends a request; {@code completion} runs on the sender thread with the answer or the failure.
     * An acks=0 request gets no answer: it is complete once handed to the stream (completion not called).
     */
    void send(ProduceRequest request, long nowMs, Completion completion) {
        Stream s = current != null ? current : open();
        long id = nextCorrelationId++;
        if (request.getAcks() != 0) {
            s.pending.put(id, new Pending(nowMs, completion));
        }
        try {
            s.requests.onNext(ProduceStreamRequest.newBuilder().setCorrelationId(id).setRequest(request).build());
        } catch (RuntimeException e) {
            s.requests.cancel("send failed", e);
            s.end(e);
        }
    }

    private Stream open() {
        Stream s = new Stream();
        current = s;
        ClientResponseObserver<ProduceStreamRequest, ProduceStreamResponse> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ProduceStreamRequest> requestStream) {
                s.requests = requestStream;
            }

            @Override
            public void onNext(ProduceStreamResponse value) {
                handOver.execute(() -> s.onAnswer(value));
            }

            @Override
            public void onError(Throwable t) {
                handOver.execute(() -> s.end(t));
            }

            @Override
            public void onCompleted() {
                handOver.execute(() -> s.end(Status.UNAVAILABLE.withDescription("broker " + node
                        + " ended the produce stream").asRuntimeException()));
            }
        };
        channels.streamStub(node).produceStream(observer);
        return s;
    }

    /** Cancels the stream when its oldest request has waited longer than request.timeout.ms. */
    void expire(long nowMs) {
        Stream s = current;
        if (s == null) {
            return;
        }
        for (Iterator<Pending> it = s.pending.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next().sentMs >= requestTimeoutMs) {
                Status timedOut = Status.DEADLINE_EXCEEDED.withDescription("no answer from broker " + node + " within request.timeout.ms="
                        + requestTimeoutMs + " ms; the connection is reset and pending requests are retried");
                s.requests.cancel(timedOut.getDescription(), null);
                s.end(timedOut.asRuntimeException());
                return;
            }
        }
    }

    /** When the oldest pending request will time out, or Long.MAX_VALUE with none pending. */
    long nextTimeoutMs(long nowMs) {
        Stream s = current;
        long next = Long.MAX_VALUE;
        if (s != null) {
            for (Pending p : s.pending.values()) {
                next = Math.min(next, Math.max(0, p.sentMs + requestTimeoutMs - nowMs));
            }
        }
        return next;
    }

    /** Half-closes the stream: the broker answers what is pending and then ends it. */
    void close() {
        Stream s = current;
        if (s != null && s.pending.isEmpty()) {
            s.requests.onCompleted();
            current = null;
        } else if (s != null) {
            s.requests.cancel("producer closed", null);
            s.end(Status.CANCELLED.withDescription("the producer is closed").asRuntimeException());
        }
    }
}

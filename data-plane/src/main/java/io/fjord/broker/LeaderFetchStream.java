package io.fjord.broker;

import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchStreamRequest;
import io.fjord.proto.FetchStreamResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A follower's fetches to one leader over one FetchStream call, so that a fetch costs no call
 * set-up on either side (the replication path makes a fetch per append of a busy partition).
 *
 * <p>Each fetch has a deadline (its max_wait_ms plus a margin), checked by {@link #expire}; when one
 * runs out the stream is cancelled and every fetch on it fails, as when the connection breaks. The
 * next fetch opens a new stream. Answers may arrive in any order; their correlation ids match them.
 *
 * <p>Threading: thread-safe; fetch and expire come from the fetcher thread, answers from gRPC's.
 */
final class LeaderFetchStream {
    private record Pending(long deadlineMs, CompletableFuture<FetchResponse> future) {}

    /** One FetchStream call; its pending fetches fail together when it ends. */
    private final class Call implements ClientResponseObserver<FetchStreamRequest, FetchStreamResponse> {
        final Map<Long, Pending> pending = new HashMap<>();
        ClientCallStreamObserver<FetchStreamRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<FetchStreamRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(FetchStreamResponse r) {
            Pending p;
            synchronized (LeaderFetchStream.this) {
                p = pending.remove(r.getCorrelationId());
            }
            if (p != null) {
                p.future.complete(r.getResponse());
            }
        }

        @Override
        public void onError(Throwable t) {
            end(t);
        }

        @Override
        public void onCompleted() {
            end(Status.UNAVAILABLE.withDescription("the leader ended the fetch stream").asRuntimeException());
        }

        void end(Throwable cause) {
            List<Pending> failed;
            synchronized (LeaderFetchStream.this) {
                if (current == this) {
                    current = null;
                }
                failed = List.copyOf(pending.values());
                pending.clear();
            }
            failed.forEach(p -> p.future.completeExceptionally(cause));
        }
    }

    private final Channel channel;
    private Call current;
    private long nextCorrelationId;

    LeaderFetchStream(Channel channel) {
        this.channel = channel;
    }

    /** Sends a fetch; the future completes with its answer or fails with the stream's end or a timeout. */
    CompletableFuture<FetchResponse> fetch(FetchRequest request, long nowMs, long timeoutMs) {
        CompletableFuture<FetchResponse> out = new CompletableFuture<>();
        synchronized (this) {
            if (current == null) {
                current = new Call();
                BrokerServiceGrpc.newStub(channel).fetchStream(current);
            }
            long id = nextCorrelationId++;
            current.pending.put(id, new Pending(nowMs + timeoutMs, out));
            current.requests.onNext(FetchStreamRequest.newBuilder().setCorrelationId(id).setRequest(request).build());
        }
        return out;
    }

    /** Cancels the stream when a fetch on it is past its deadline (all of its fetches then fail). */
    void expire(long nowMs) {
        Call expired;
        synchronized (this) {
            expired = current != null && current.pending.values().stream().anyMatch(p -> p.deadlineMs <= nowMs)
                    ? current : null;
        }
        if (expired != null) {
            // end first: cancelling ends the call with CANCELLED at once, which would say less
            expired.end(Status.DEADLINE_EXCEEDED.withDescription("fetch from the leader got no answer in time")
                    .asRuntimeException());
            expired.requests.cancel("a fetch got no answer before its deadline", null);
        }
    }

    /** Ends the stream (the follower stopped fetching from this leader, or is shutting down). */
    void close() {
        Call c;
        synchronized (this) {
            c = current;
        }
        if (c != null) {
            c.end(Status.CANCELLED.withDescription("fetch stream closed").asRuntimeException());
            c.requests.cancel("the follower closed its fetch stream", null);
        }
    }
}

package io.fjord.replication.inmemory;

import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.replication.follower.LeaderClient;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The in-memory twin of a follower's connection to a leader. Either answers every fetch at once
 * through a handler (an in-memory leader), or queues the calls for a test to answer, fail or drop
 * one at a time.
 *
 * <p>Threading: not thread-safe; one caller at a time.
 */
public final class InMemoryLeaderClient implements LeaderClient {

    /** A fetch waiting for its answer. */
    public record Call(FetchRequest request, CompletableFuture<FetchResponse> future) {}

    private final Function<FetchRequest, FetchResponse> handler;
    private final Deque<Call> calls = new ArrayDeque<>();
    private int sent;

    /** Queues calls; answer them with {@link #respond} or {@link #fail}. */
    public InMemoryLeaderClient() {
        this.handler = null;
    }

    /** Answers each call at once with {@code handler}. */
    public InMemoryLeaderClient(Function<FetchRequest, FetchResponse> handler) {
        this.handler = handler;
    }

    @Override
    public CompletableFuture<FetchResponse> fetch(FetchRequest request) {
        sent++;
        if (handler != null) {
            return CompletableFuture.completedFuture(handler.apply(request));
        }
        CompletableFuture<FetchResponse> f = new CompletableFuture<>();
        calls.add(new Call(request, f));
        return f;
    }

    /** The oldest unanswered call. */
    public Optional<Call> peek() { return Optional.ofNullable(calls.peek()); }

    /** Answers the oldest call with what {@code answer} makes of its request. */
    public FetchRequest respond(Function<FetchRequest, FetchResponse> answer) {
        Call c = take();
        c.future().complete(answer.apply(c.request()));
        return c.request();
    }

    /** Fails the oldest call, as a lost connection or a passed deadline would. */
    public FetchRequest fail(Throwable cause) {
        Call c = take();
        c.future().completeExceptionally(cause);
        return c.request();
    }

    public int pending() { return calls.size(); }

    /** How many fetches were sent in all. */
    public int sent() { return sent; }

    private Call take() {
        Call c = calls.poll();
        if (c == null) {
            throw new IllegalStateException("no fetch is waiting for an answer");
        }
        return c;
    }
}

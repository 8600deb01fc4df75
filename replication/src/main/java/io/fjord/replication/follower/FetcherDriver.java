package io.fjord.replication.follower;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.replication.ReplicaLog;
import io.fjord.replication.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Runs one {@link ReplicaFetcher} over a {@link LeaderClient}: one step per {@link #poll}, no threads.
 * A data-plane fetcher thread loops:
 * <pre>{@code
 * while (running) {
 *     long waitMs = driver.poll(time.milliseconds());
 *     // sleep up to waitMs, waking early when driver.inFlight() completes or metadata changes the fetcher
 * }
 * }</pre>
 * A simulation calls {@link #poll} when a response arrives and when the returned delay passes.
 *
 * <p>Threading: not thread-safe; one caller at a time, the same one that changes the fetcher's
 * partitions. The in-flight future may complete on any thread; it is only read here.
 */
public final class FetcherDriver {
    private static final Logger LOG = LoggerFactory.getLogger(FetcherDriver.class);

    /** Told about every action after it was applied, and every action that failed. */
    public interface Listener {
        default void onApplied(FetcherAction action) {}

        /**
         * Applying failed; the partition backs off and retries. A storage failure is the caller's to
         * act on (take the log directory offline, say): this is where it learns of it.
         */
        default void onApplyFailed(FetcherAction action, RuntimeException error) {}
    }

    private final ReplicaFetcher fetcher;
    private final LeaderClient client;
    private final Listener listener;
    private CompletableFuture<FetchResponse> inFlight;

    public FetcherDriver(ReplicaFetcher fetcher, LeaderClient client, Listener listener) {
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.client = Objects.requireNonNull(client, "client");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public FetcherDriver(ReplicaFetcher fetcher, LeaderClient client) {
        this(fetcher, client, new Listener() {});
    }

    /**
     * Handles the in-flight response if it has arrived, then sends the next request if one is due.
     *
     * @return ms until the next call is useful: 0 to call again at once, {@code Long.MAX_VALUE} to wait
     *     for the in-flight request (or for new partitions)
     */
    public long poll(long nowMs) {
        if (inFlight != null) {
            if (!inFlight.isDone()) {
                return Long.MAX_VALUE;
            }
            CompletableFuture<FetchResponse> done = inFlight;
            inFlight = null;
            List<FetcherAction> actions;
            try {
                actions = fetcher.handleFetchResponse(done.get(), nowMs);
            } catch (ExecutionException | CompletionException | CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                LOG.debug("fetch from broker {} failed: {}", fetcher.sourceBrokerId(), cause.toString());
                actions = fetcher.handleFetchFailure(cause, nowMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted reading a completed future", e);
            }
            apply(actions, nowMs);
        }
        Optional<FetchRequest> next = fetcher.buildFetchRequest(nowMs);
        if (next.isPresent()) {
            CompletableFuture<FetchResponse> f;
            try {
                f = client.fetch(next.get());
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            inFlight = f;
            return f.isDone() ? 0L : Long.MAX_VALUE;
        }
        return fetcher.pollDelayMs(nowMs);
    }

    private void apply(List<FetcherAction> actions, long nowMs) {
        Set<TopicPartition> failed = new HashSet<>();
        for (FetcherAction a : actions) {
            TopicPartition tp = a.partition();
            Optional<ReplicaLog> log = fetcher.log(tp);
            if (failed.contains(tp) || log.isEmpty()) {
                continue;
            }
            try {
                a.applyTo(log.get());
                listener.onApplied(a);
            } catch (RuntimeException e) {
                // Later actions of this partition assumed this one happened; skip them and refetch.
                failed.add(tp);
                LOG.warn("{}: cannot apply {} from broker {}: {}", tp, a.getClass().getSimpleName(),
                        fetcher.sourceBrokerId(), e.toString());
                fetcher.onApplyFailed(tp, ErrorCode.KAFKA_STORAGE_ERROR, nowMs);
                listener.onApplyFailed(a, e);
            }
        }
    }

    /** The request being waited for, to wake a sleeping fetcher thread when it completes. */
    public Optional<CompletableFuture<FetchResponse>> inFlight() { return Optional.ofNullable(inFlight); }

    public ReplicaFetcher fetcher() { return fetcher; }
}

package io.fjord.broker;

import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Fetches waiting for data (long-poll). A fetch parks here when it has fewer than min_bytes and
 * max_wait_ms has not passed; an append to any partition it reads re-runs it, and a timer answers
 * it with whatever is there when max_wait_ms runs out. Each fetch is answered exactly once.
 *
 * <p>Threading: watchers are concurrent sets; completion is claimed with a CAS, so an append and
 * the timer racing answer once.
 */
final class FetchPurgatory implements AutoCloseable {
    private final Function<FetchRequest, FetchHandler.Attempt> reader;
    private final ScheduledExecutorService timer;
    private final Executor worker;
    private final Map<TopicPartitionKey, Set<Waiting>> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger waitingCount = new AtomicInteger();

    /** @param reader reads what a fetch asks for ({@link FetchHandler#read}) */
    FetchPurgatory(Function<FetchRequest, FetchHandler.Attempt> reader, ScheduledExecutorService timer, Executor worker) {
        this.reader = reader;
        this.timer = timer;
        this.worker = worker;
    }

    private final class Waiting {
        final FetchRequest req;
        final StreamObserver<FetchResponse> out;
        final List<TopicPartitionKey> keys = new ArrayList<>();
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Waiting(FetchRequest req, StreamObserver<FetchResponse> out) {
            this.req = req;
            this.out = out;
            for (FetchTopic t : req.getTopicsList()) {
                for (FetchPartition p : t.getPartitionsList()) {
                    keys.add(new TopicPartitionKey(t.getTopic(), p.getPartition()));
                }
            }
        }

        /** Answers with {@code a} unless this fetch was answered already; releases {@code a} either way. */
        void complete(FetchHandler.Attempt a) {
            try {
                if (!done.compareAndSet(false, true)) {
                    return;
                }
                for (TopicPartitionKey k : keys) {
                    Set<Waiting> s = watchers.get(k);
                    if (s != null) {
                        s.remove(this);
                    }
                }
                waitingCount.decrementAndGet();
                ScheduledFuture<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                answer(out, a);
            } finally {
                a.release();
            }
        }

        void tryComplete() {
            if (done.get()) {
                return;
            }
            FetchHandler.Attempt a = reader.apply(req);
            if (a.hasError() || a.bytes() >= Math.max(1, req.getMinBytes())) {
                complete(a);
            } else {
                a.release();
            }
        }
    }

    /**
     * Sends {@code a} and ends the call. gRPC serializes the message into its own buffers before
     * onNext returns, so the caller may release {@code a}'s buffers right after.
     */
    private static void answer(StreamObserver<FetchResponse> out, FetchHandler.Attempt a) {
        try {
            out.onNext(a.response());
            out.onCompleted();
        } catch (RuntimeException ignored) {
            // The client cancelled or went away: nothing to answer.
        }
    }

    /** Answers at once when ready, otherwise parks the fetch until data arrives or max_wait_ms passes. */
    void fetch(FetchRequest req, StreamObserver<FetchResponse> out) {
        FetchHandler.Attempt first = reader.apply(req);
        if (first.hasError() || req.getMaxWaitMs() <= 0 || first.bytes() >= Math.max(1, req.getMinBytes())) {
            try {
                answer(out, first);
            } finally {
                first.release();
            }
            return;
        }
        first.release();
        Waiting w = new Waiting(req, out);
        waitingCount.incrementAndGet();
        for (TopicPartitionKey k : w.keys) {
            watchers.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(w);
        }
        w.timeout = timer.schedule(() -> worker.execute(() -> {
            if (!w.done.get()) {
                w.complete(reader.apply(req));
            }
        }), req.getMaxWaitMs(), TimeUnit.MILLISECONDS);
        // An append may have landed between the first read and registration; look once more.
        worker.execute(w::tryComplete);
    }

    void onAppend(TopicPartitionKey tp) {
        Set<Waiting> s = watchers.get(tp);
        if (s == null || s.isEmpty()) {
            return;
        }
        for (Waiting w : s) {
            worker.execute(w::tryComplete);
        }
    }

    int waiting() {
        return waitingCount.get();
    }

    /** Answers every parked fetch with what it has, so shutdown does not leave calls hanging. */
    @Override
    public void close() {
        for (Set<Waiting> s : watchers.values()) {
            for (Waiting w : s) {
                w.complete(reader.apply(w.req));
            }
        }
    }
}

package io.fjord.broker;

import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.storage.ReadBufferPool;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The purgatory owns every read it makes: an answer's pooled buffers stay with it until onNext has
 * returned (gRPC serializes inside onNext), and reads that are not sent go back at once.
 */
class FetchPurgatoryTest {
    private static final TopicPartitionKey TP = new TopicPartitionKey("t", 0);

    private final ReadBufferPool pool = new ReadBufferPool(64L << 20);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger available = new AtomicInteger();
    /** Every attempt the purgatory read, by its response. */
    private final Map<FetchResponse, FetchHandler.Attempt> attempts = new ConcurrentHashMap<>();
    private final FetchPurgatory purgatory = new FetchPurgatory(this::read, timer, Runnable::run);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private FetchHandler.Attempt read(FetchRequest req) {
        ReadBufferPool.Lease lease = pool.lease();
        lease.apply(1 << 20); // the read's pooled buffer
        // a distinct response per attempt, so the observer can find the attempt it was sent from
        FetchResponse response = FetchResponse.newBuilder().setThrottleTimeMs(attempts.size()).build();
        FetchHandler.Attempt a = new FetchHandler.Attempt(response, available.get(), false, lease);
        attempts.put(response, a);
        return a;
    }

    private static FetchRequest request(int maxWaitMs) {
        return FetchRequest.newBuilder().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .addTopics(FetchTopic.newBuilder().setTopic(TP.topic()).addPartitions(FetchPartition.newBuilder()
                        .setPartition(TP.partition()))).build();
    }

    /** Records, for each answer, whether its attempt's buffers were still held while onNext ran. */
    private final class Observer implements StreamObserver<FetchResponse> {
        final List<Boolean> heldDuringOnNext = new CopyOnWriteArrayList<>();
        volatile boolean completed;

        @Override
        public void onNext(FetchResponse r) {
            heldDuringOnNext.add(!attempts.get(r).buffers().isClosed());
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    private void assertEveryReadReleased() {
        assertFalse(attempts.isEmpty());
        attempts.values().forEach(a -> assertTrue(a.buffers().isClosed(), "an attempt's buffers were never given back"));
    }

    @Test
    void anAnswerSentAtOnceKeepsItsBuffersUntilSent() {
        available.set(100);
        Observer out = new Observer();
        purgatory.fetch(request(500), out);
        assertEquals(List.of(true), out.heldDuringOnNext);
        assertTrue(out.completed);
        assertEveryReadReleased();
    }

    @Test
    void aParkedFetchReleasesEmptyReadsAndKeepsTheAnsweredOneUntilSent() {
        Observer out = new Observer();
        purgatory.fetch(request(60_000), out);
        assertEquals(List.of(), out.heldDuringOnNext);
        assertEquals(2, attempts.size(), "the first read and the look after registering");
        assertEveryReadReleased();

        purgatory.onAppend(TP); // still nothing: read, not sent, released
        assertEquals(3, attempts.size());
        assertEveryReadReleased();

        available.set(100);
        purgatory.onAppend(TP);
        assertEquals(List.of(true), out.heldDuringOnNext);
        assertTrue(out.completed);
        assertEveryReadReleased();

        purgatory.onAppend(TP); // answered: no longer watched, nothing read
        assertEquals(4, attempts.size());
        assertEquals(0, purgatory.waiting());
    }

    @Test
    void aFetchAnsweredByItsTimeoutKeepsItsBuffersUntilSent() {
        Observer out = new Observer();
        purgatory.fetch(request(20), out);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.completed);
        assertEquals(List.of(true), out.heldDuringOnNext);
        assertEveryReadReleased();
    }

    @Test
    void closingAnswersParkedFetchesAndReleasesTheirReads() {
        Observer out = new Observer();
        purgatory.fetch(request(60_000), out);
        purgatory.close();
        assertEquals(List.of(true), out.heldDuringOnNext);
        assertEveryReadReleased();
        assertEquals(0, purgatory.waiting());
    }
}

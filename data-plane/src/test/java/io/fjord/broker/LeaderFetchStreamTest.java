package io.fjord.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchStreamRequest;
import io.fjord.proto.FetchStreamResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The follower's fetch stream against a scripted leader: matching answers, deadlines, stream ends. */
class LeaderFetchStreamTest {
    /** A leader that answers a request (its correlation id echoed in throttle_time_ms) unless told to hold it. */
    private static final class ScriptedLeader extends BrokerServiceGrpc.BrokerServiceImplBase {
        final AtomicInteger streamsOpened = new AtomicInteger();
        final List<StreamObserver<FetchStreamResponse>> open = new CopyOnWriteArrayList<>();
        volatile boolean hold;

        @Override
        public StreamObserver<FetchStreamRequest> fetchStream(StreamObserver<FetchStreamResponse> out) {
            streamsOpened.incrementAndGet();
            open.add(out);
            return new StreamObserver<>() {
                @Override
                public void onNext(FetchStreamRequest r) {
                    if (!hold) {
                        synchronized (out) {
                            out.onNext(FetchStreamResponse.newBuilder().setCorrelationId(r.getCorrelationId())
                                    .setResponse(FetchResponse.newBuilder().setThrottleTimeMs(r.getRequest().getMaxWaitMs())).build());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    open.remove(out);
                }

                @Override
                public void onCompleted() {
                    open.remove(out);
                    out.onCompleted();
                }
            };
        }
    }

    private final ScriptedLeader leader = new ScriptedLeader();
    private Server server;
    private ManagedChannel channel;

    private LeaderFetchStream start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(leader).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        return new LeaderFetchStream(channel);
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static FetchRequest request(int tag) {
        return FetchRequest.newBuilder().setReplicaId(2).setMaxWaitMs(tag).build();
    }

    @Test
    void fetchesShareOneStreamAndGetTheirOwnAnswers() throws Exception {
        LeaderFetchStream s = start();
        for (int i = 1; i <= 20; i++) {
            assertEquals(i, s.fetch(request(i), 0, 10_000).get(5, TimeUnit.SECONDS).getThrottleTimeMs());
        }
        assertEquals(1, leader.streamsOpened.get(), "no call set-up per fetch");
    }

    @Test
    void aFetchPastItsDeadlineCancelsTheStreamAndTheNextFetchOpensANewOne() throws Exception {
        LeaderFetchStream s = start();
        leader.hold = true;
        CompletableFuture<FetchResponse> held = s.fetch(request(1), 1_000, 500);
        Awaitility.await("the leader holds the fetch").atMost(Duration.ofSeconds(10)).until(() -> leader.open.size() == 1);
        s.expire(1_499);
        assertFalse(held.isDone(), "not yet past its deadline");
        s.expire(1_500);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> held.get(5, TimeUnit.SECONDS));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus().getCode());
        Awaitility.await("the leader sees the cancelled stream end").atMost(Duration.ofSeconds(10)).until(leader.open::isEmpty);

        leader.hold = false;
        assertEquals(7, s.fetch(request(7), 2_000, 500).get(5, TimeUnit.SECONDS).getThrottleTimeMs());
        assertEquals(2, leader.streamsOpened.get());
    }

    @Test
    void whenTheLeaderEndsTheStreamItsPendingFetchesFailAtOnce() throws Exception {
        LeaderFetchStream s = start();
        leader.hold = true;
        CompletableFuture<FetchResponse> held = s.fetch(request(1), 0, 60_000);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> leader.open.size() == 1);
        leader.open.get(0).onError(Status.UNAVAILABLE.withDescription("broker 1 is shutting down").asRuntimeException());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> held.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("shutting down"), e.getCause().getMessage());
        leader.hold = false;
        assertEquals(3, s.fetch(request(3), 0, 60_000).get(5, TimeUnit.SECONDS).getThrottleTimeMs());
    }
}

package io.fjord.replication.follower;

import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;

import java.util.concurrent.CompletableFuture;

/**
 * How a follower's fetcher reaches one source broker (STYLE 9; Kafka's {@code LeaderEndPoint}).
 * data-plane implements it over the gRPC {@code BrokerService.Fetch} stub; tests use
 * {@link io.fjord.replication.inmemory.InMemoryLeaderClient} or a simulated network.
 *
 * <p>The future must complete, normally or exceptionally, within a bounded time (the call's
 * deadline: max_wait_ms plus a request timeout), or the fetcher waits for it forever. It may
 * complete on any thread; {@link FetcherDriver} only looks at it from the fetcher's own thread.
 */
public interface LeaderClient {
    CompletableFuture<FetchResponse> fetch(FetchRequest request);
}

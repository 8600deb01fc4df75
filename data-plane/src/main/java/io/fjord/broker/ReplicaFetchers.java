package io.fjord.broker;

import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.NodeEndpoint;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.follower.FetcherDriver;
import io.fjord.replication.follower.FetcherManager;
import io.fjord.replication.follower.LeaderClient;
import io.fjord.rpc.TransportBuffers;
import io.fjord.storage.Time;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The follower side: one thread runs every fetcher (one per source broker, each multiplexing all
 * partitions this broker follows from it) through the replication module's {@link FetcherManager},
 * over gRPC Fetch calls to the leaders. Role changes arrive as tasks on the same thread, so the
 * single-caller fetchers never see two threads.
 *
 * <p>Why one thread: on a 2-core broker more fetcher threads only add hand-offs; the fetches are
 * asynchronous and the thread only applies responses (verbatim appends).
 */
final class ReplicaFetchers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetchers.class);
    private static final long IDLE_POLL_MS = 100;
    private static final long FETCH_DEADLINE_EXTRA_MS = 10_000;

    private final int nodeId;
    private final ReplicationConfig config;
    private final Time time;
    private final LongSupplier brokerEpoch;
    private final IntFunction<Optional<NodeEndpoint>> endpoints;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<ManagedChannel, LeaderFetchStream> streams = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private FetcherManager manager;
    private long epochSeen = -1;
    private long lastStuckCheckMs;

    ReplicaFetchers(int nodeId, ReplicationConfig config, Time time, LongSupplier brokerEpoch, IntFunction<Optional<NodeEndpoint>> endpoints) {
        this.nodeId = nodeId;
        this.config = config;
        this.time = time;
        this.brokerEpoch = brokerEpoch;
        this.endpoints = endpoints;
        this.thread = new Thread(this::run, "fjord-replica-fetcher-" + nodeId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void follow(Partition p, int leaderId, int leaderEpoch) {
        tasks.add(() -> {
            manager().addPartitions(Map.of(ReplicationManager.tp(p.key()), new FetcherManager.FollowTarget(leaderId, leaderEpoch, p.replicaLog())));
            manager().removeIdleFetchers();
        });
    }

    void stopFollowing(TopicPartitionKey key) {
        tasks.add(() -> {
            if (manager != null) {
                manager.removePartitions(List.of(ReplicationManager.tp(key)));
                manager.removeIdleFetchers();
            }
        });
    }

    private FetcherManager manager() {
        if (manager == null) {
            manager = new FetcherManager(nodeId, brokerEpoch.getAsLong(), config, this::client, new FetcherDriver.Listener() {
                @Override
                public void onApplyFailed(io.fjord.replication.follower.FetcherAction action, RuntimeException error) {
                    log.error("Applying replicated data failed for {}; the partition backs off and refetches", action.partition(), error);
                }
            });
        }
        return manager;
    }

    private void run() {
        while (running) {
            try {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long wait = IDLE_POLL_MS;
                if (manager != null) {
                    long epoch = brokerEpoch.getAsLong();
                    if (epoch != epochSeen) {
                        manager.setBrokerEpoch(epoch);
                        epochSeen = epoch;
                    }
                    retryPartitionsAwaitingMetadata();
                    long now = time.milliseconds();
                    streams.values().forEach(st -> st.expire(now));
                    wait = Math.min(wait, manager.pollAll(now));
                }
                if (wait > 0) {
                    task = tasks.poll(wait, TimeUnit.MILLISECONDS);
                    if (task != null) {
                        task.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("Replica fetcher loop failed; continuing", e);
            }
        }
    }

    /**
     * A partition whose leader answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH waits for new
     * metadata. When the answer was transient (the fetch reached the leader just before it applied its
     * own leadership, or raced a pause) the metadata it waits for has already arrived and nothing new
     * will come, so after replica.fetch.backoff.ms it fetches again at the epoch it holds; real
     * leadership changes still arrive as metadata and replace the target.
     */
    private void retryPartitionsAwaitingMetadata() {
        long now = time.milliseconds();
        if (now - lastStuckCheckMs < config.replicaFetchBackoffMs()) {
            return;
        }
        lastStuckCheckMs = now;
        for (FetcherDriver d : manager.drivers().values()) {
            var fetcher = d.fetcher();
            for (io.fjord.replication.TopicPartition tp : List.copyOf(fetcher.partitions())) {
                var state = fetcher.state(tp);
                var log = fetcher.log(tp);
                if (state.isPresent() && log.isPresent()
                        && state.get() instanceof io.fjord.replication.follower.FollowerPartitionState.AwaitingMetadata waiting) {
                    fetcher.addPartition(tp, waiting.leaderEpoch(), log.get());
                }
            }
        }
    }

    /** The gRPC client for one leader; its answers wake this thread. */
    private LeaderClient client(int leaderId) {
        return request -> {
            Optional<NodeEndpoint> ep = endpoints.apply(leaderId);
            if (ep.isEmpty()) {
                return CompletableFuture.failedFuture(new IllegalStateException("no endpoint known for broker " + leaderId));
            }
            ManagedChannel ch = channels.computeIfAbsent(ep.get().getHost() + ":" + ep.get().getPort(),
                    k -> TransportBuffers.plaintextChannel(ep.get().getHost(), ep.get().getPort())
                            .maxInboundMessageSize(Math.max(config.replicaFetchResponseMaxBytes() * 2, 16 << 20)).build());
            LeaderFetchStream stream = streams.computeIfAbsent(ch, LeaderFetchStream::new);
            CompletableFuture<FetchResponse> out = stream.fetch(request, time.milliseconds(),
                    request.getMaxWaitMs() + FETCH_DEADLINE_EXTRA_MS);
            out.whenComplete((r, t) -> tasks.add(() -> { })); // wakes the fetcher thread
            return out;
        };
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        streams.values().forEach(LeaderFetchStream::close);
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}

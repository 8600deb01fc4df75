package io.fjord.metadata.controller;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.controller.AllocateProducerIdsRequest;
import io.fjord.proto.controller.AllocateProducerIdsResponse;
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResponse;
import io.fjord.proto.controller.AlterPartitionRequest;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs controller commands one at a time on a single thread: compute against the applied image,
 * append the records, wait until they are applied, answer, then take the next command. Serializing
 * like this means every command sees the effects of all earlier ones, so the leader never validates
 * against stale state; replay still re-checks everything, for entries of an earlier leader that commit
 * after a failover. The cost is one Raft round trip per writing command (~20-40 ms here), which the
 * control plane can afford; heartbeats that change nothing never touch the log.
 *
 * <p>Threading: public methods may be called from any thread; commands, the heartbeat manager and
 * the periodic session check run on the one command thread. The command queue is bounded.
 */
public final class QuorumController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);
    private static final int MAX_QUEUED_COMMANDS = 10_000;

    private final MetadataLog metadataLog;
    private final Time time;
    private final long appendTimeoutMs;
    private final ClusterControl cluster;
    private final TopicControl topics;
    private final ReplicationControl replication;
    private final ThreadPoolExecutor commandThread;
    private final ScheduledExecutorService ticker;
    /** Term in which this node last acted as leader; a different term means fresh broker sessions. */
    private long activeTerm = -1;
    private final AtomicBoolean tickPending = new AtomicBoolean();

    public QuorumController(MetadataLog metadataLog, ControllerSettings settings, Time time, Random random,
                            long appendTimeoutMs, long tickIntervalMs) {
        this.metadataLog = metadataLog;
        this.time = time;
        this.appendTimeoutMs = appendTimeoutMs;
        this.replication = new ReplicationControl(settings.uncleanLeaderElectionDefault());
        this.cluster = new ClusterControl(settings, replication,
                new BrokerHeartbeatManager(settings.sessionTimeoutMs(), settings.connectionGraceMs()));
        this.topics = new TopicControl(settings, replication, random);
        this.commandThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_COMMANDS), r -> daemon(r, "fjord-controller-commands"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fjord-controller-tick"));
        if (tickIntervalMs > 0) {
            ticker.scheduleWithFixedDelay(this::tick, tickIntervalMs, tickIntervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public CompletableFuture<RegisterBrokerResponse> registerBroker(RegisterBrokerRequest req) {
        return submit((image, now) -> cluster.registerBroker(image, req, now),
                (resp, offset) -> offset >= 0 ? resp.toBuilder().setBrokerEpoch(offset).build() : resp);
    }

    public CompletableFuture<BrokerHeartbeatResponse> brokerHeartbeat(BrokerHeartbeatRequest req) {
        return submit((image, now) -> cluster.brokerHeartbeat(image, req, now), (resp, offset) -> resp);
    }

    public CompletableFuture<CreateTopicsResponse> createTopics(CreateTopicsRequest req) {
        return submit((image, now) -> topics.createTopics(image, req), (resp, offset) -> resp);
    }

    public CompletableFuture<DeleteTopicsResponse> deleteTopics(DeleteTopicsRequest req) {
        return submit((image, now) -> topics.deleteTopics(image, req), (resp, offset) -> resp);
    }

    public CompletableFuture<CreatePartitionsResponse> createPartitions(CreatePartitionsRequest req) {
        return submit((image, now) -> topics.createPartitions(image, req), (resp, offset) -> resp);
    }

    public CompletableFuture<AlterConfigsResponse> alterConfigs(AlterConfigsRequest req) {
        return submit((image, now) -> topics.alterConfigs(image, req), (resp, offset) -> resp);
    }

    public CompletableFuture<AlterPartitionResponse> alterPartition(AlterPartitionRequest req) {
        return submit((image, now) -> replication.alterPartition(image, req), (resp, offset) -> resp);
    }

    public CompletableFuture<AllocateProducerIdsResponse> allocateProducerIds(AllocateProducerIdsRequest req) {
        return submit((image, now) -> cluster.allocateProducerIds(image, req), (resp, offset) -> resp);
    }

    /**
     * Moves leadership back to preferred replicas that are alive and in sync (auto.leader.rebalance.enable);
     * runs periodically, callable directly in tests. Returns how many partitions moved.
     */
    public CompletableFuture<Integer> rebalanceLeaders(int imbalancePercentage) {
        return submit((image, now) -> {
            List<io.fjord.proto.metadata.MetadataRecord> records = PreferredLeaders.rebalance(image, imbalancePercentage);
            return new ControllerResult<>(records, records.size());
        }, (moved, offset) -> moved);
    }

    /** Starts the periodic preferred-leader rebalance (Kafka's leader.imbalance.check.interval.seconds). */
    public void scheduleLeaderRebalance(long intervalMs, int imbalancePercentage) {
        ticker.scheduleWithFixedDelay(() -> {
            if (metadataLog.isActive()) {
                rebalanceLeaders(imbalancePercentage).whenComplete((moved, e) -> {
                    if (moved != null && moved > 0) {
                        log.info("Moved leadership of {} partition(s) back to their preferred replicas", moved);
                    }
                });
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Fences brokers whose session expired; runs periodically, callable directly in tests. */
    public CompletableFuture<List<Integer>> fenceExpiredBrokers() {
        return submit((image, now) -> cluster.fenceExpiredBrokers(image, now), (resp, offset) -> resp);
    }

    /** A broker's long-lived connection to this controller broke (fast fencing after a grace period). */
    public void connectionLost(int brokerId) {
        execute(() -> cluster.heartbeats().connectionLost(brokerId, time.milliseconds()));
    }

    /** Milliseconds since each broker's last heartbeat, as this controller knows (empty unless active). */
    public CompletableFuture<Map<Integer, Long>> heartbeatAges() {
        CompletableFuture<Map<Integer, Long>> f = new CompletableFuture<>();
        execute(() -> {
            Map<Integer, Long> ages = new HashMap<>();
            long now = time.milliseconds();
            if (metadataLog.isActive()) {
                for (int id : metadataLog.image().cluster().brokers().keySet()) {
                    ages.put(id, cluster.heartbeats().lastContactAgeMs(id, now));
                }
            }
            f.complete(ages);
        }, f);
        return f;
    }

    private void tick() {
        // At most one session check queued at a time, however long the queue.
        if (metadataLog.isActive() && tickPending.compareAndSet(false, true)) {
            fenceExpiredBrokers().whenComplete((fenced, e) -> {
                tickPending.set(false);
                if (fenced != null && !fenced.isEmpty()) {
                    log.info("Fenced brokers {}: session expired or connection lost", fenced);
                }
            });
        }
    }

    private <T> CompletableFuture<T> submit(BiFunction<MetadataImage, Long, ControllerResult<T>> command,
                                            BiFunction<T, Long, T> onCommitted) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> run(command, onCommitted, f), f);
        return f;
    }

    private void execute(Runnable r) {
        execute(r, new CompletableFuture<>());
    }

    private void execute(Runnable r, CompletableFuture<?> f) {
        try {
            commandThread.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new RejectedExecutionException("controller command queue is full or closed", e));
        }
    }

    private <T> void run(BiFunction<MetadataImage, Long, ControllerResult<T>> command, BiFunction<T, Long, T> onCommitted,
                         CompletableFuture<T> f) {
        if (!metadataLog.isActive()) {
            activeTerm = -1;
            f.completeExceptionally(new NotControllerException("this controller is not the active controller"));
            return;
        }
        long term = metadataLog.leaderTerm();
        long now = time.milliseconds();
        if (term != activeTerm) {
            // A new active controller gives every broker a full session, as Kafka does: it has no idea
            // when they last heartbeated to the previous one.
            cluster.heartbeats().reset();
            for (int id : metadataLog.image().cluster().brokers().keySet()) {
                cluster.heartbeats().trackIfAbsent(id, now);
            }
            activeTerm = term;
        }
        ControllerResult<T> result = command.apply(metadataLog.image(), now);
        if (result.records().isEmpty()) {
            f.complete(onCommitted.apply(result.response(), -1L));
            return;
        }
        try {
            long offset = metadataLog.append(result.records()).get(appendTimeoutMs, TimeUnit.MILLISECONDS);
            f.complete(onCommitted.apply(result.response(), offset));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(new NotControllerException("interrupted while writing to the metadata log", e));
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            f.completeExceptionally(cause instanceof NotControllerException ? cause
                    : new NotControllerException("metadata log write failed: " + cause, cause));
        }
    }

    /** Applies a function to the current image on the command thread (tests, diagnostics). */
    public <T> CompletableFuture<T> read(Function<MetadataImage, T> fn) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> f.complete(fn.apply(metadataLog.image())), f);
        return f;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        commandThread.shutdownNow();
        try {
            commandThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

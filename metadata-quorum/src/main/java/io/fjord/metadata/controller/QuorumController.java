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
    /** Whether sessions are checked in the background (off in tests that drive the checks themselves). */
    private final boolean ticking;

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
        this.ticking = tickIntervalMs > 0;
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
        // The broker was heard from when the call arrived, not when the command thread got to it: a
        // heartbeat queued behind the news that the broker's connection broke must not excuse it.
        long receivedMs = time.milliseconds();
        return submit((image, now) -> cluster.brokerHeartbeat(image, req, Math.min(now, receivedMs)), (resp, offset) -> resp);
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

    /**
     * A broker opened a BrokerSession stream here. Completes with the leader term the session belongs
     * to, -1 when {@code brokerEpoch} is not the broker's current registration, or exceptionally with
     * {@link NotControllerException} when this controller is not active.
     */
    public CompletableFuture<Long> openBrokerSession(int brokerId, long brokerEpoch) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        execute(() -> {
            if (!metadataLog.isActive()) {
                activeTerm = -1;
                f.completeExceptionally(new NotControllerException("this controller is not the active controller"));
                return;
            }
            startTermIfNew(time.milliseconds());
            f.complete(cluster.brokerSessionOpened(metadataLog.image(), brokerId, brokerEpoch) ? activeTerm : -1L);
        }, f);
        return f;
    }

    /**
     * A BrokerSession stream opened in {@code term} ended at {@code atMs}: {@code broken} when the broker
     * went away (its connection closed, or it cancelled), false when this controller ended it. When it
     * was the broker's last stream and the broker does not open another (or heartbeat) within the
     * connection grace, it is fenced then, without waiting for its session to expire. Ignored unless
     * this controller is still active in that term.
     */
    public void brokerSessionClosed(int brokerId, long brokerEpoch, long term, boolean broken, long atMs) {
        execute(() -> {
            if (!metadataLog.isActive() || metadataLog.leaderTerm() != term || activeTerm != term) {
                return;
            }
            if (cluster.brokerSessionClosed(metadataLog.image(), brokerId, brokerEpoch, broken, atMs)) {
                log.info("Broker {} (epoch {}) lost its session stream; fencing it unless it reconnects within {} ms",
                        brokerId, brokerEpoch, cluster.heartbeats().connectionGraceMs());
                scheduleGraceCheck();
            }
        });
    }

    /** Checks once, right after the earliest pending grace ends, instead of at the next periodic tick. */
    private void scheduleGraceCheck() {
        long deadline = cluster.heartbeats().nextGraceDeadlineMs();
        if (deadline < 0 || !ticking) {
            return;
        }
        long delay = Math.max(0, deadline - time.milliseconds());
        try {
            ticker.schedule(() -> {
                if (metadataLog.isActive()) {
                    fenceExpiredBrokers().whenComplete((fenced, e) -> {
                        if (fenced != null && !fenced.isEmpty()) {
                            log.info("Fenced brokers {}: session stream broken and not restored within {} ms (or session expired)",
                                    fenced, cluster.heartbeats().connectionGraceMs());
                        }
                    });
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Broker session streams open here, by broker id (tests, diagnostics; empty unless active). */
    public CompletableFuture<Map<Integer, Integer>> openBrokerSessions() {
        CompletableFuture<Map<Integer, Integer>> f = new CompletableFuture<>();
        execute(() -> {
            Map<Integer, Integer> out = new HashMap<>();
            if (metadataLog.isActive() && metadataLog.leaderTerm() == activeTerm) {
                for (int id : metadataLog.image().cluster().brokers().keySet()) {
                    int n = cluster.heartbeats().openSessions(id);
                    if (n > 0) {
                        out.put(id, n);
                    }
                }
            }
            f.complete(out);
        }, f);
        return f;
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
        long now = time.milliseconds();
        startTermIfNew(now);
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

    /** On the command thread of an active controller: the first command of a new leader term resets sessions. */
    private void startTermIfNew(long now) {
        long term = metadataLog.leaderTerm();
        if (term != activeTerm) {
            // A new active controller gives every broker a full session, as Kafka does: it has no idea
            // when they last heartbeated to the previous one. It holds no session streams yet, and
            // lacking one is no reason to fence: brokers open theirs here as they learn it is active.
            cluster.heartbeats().reset();
            for (int id : metadataLog.image().cluster().brokers().keySet()) {
                cluster.heartbeats().trackIfAbsent(id, now);
            }
            activeTerm = term;
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

package io.fjord.broker;

import io.fjord.metadata.broker.BrokerLifecycleManager;
import io.fjord.metadata.broker.ControllerClient;
import io.fjord.metadata.image.ControllerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.controller.AllocateProducerIdsRequest;
import io.fjord.proto.controller.AllocateProducerIdsResponse;
import io.fjord.rpc.TransportBuffers;
import io.fjord.storage.ReadBufferPool;
import io.fjord.storage.StorageException;
import io.fjord.storage.Time;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.services.HealthStatusManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running broker: the log directory, the partitions it hosts, the gRPC server and the periodic
 * retention and flush tasks. {@link #start} recovers every partition before accepting calls;
 * {@link #close} stops accepting calls, waits for in-flight ones, then closes the logs cleanly.
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

    private final BrokerConfig config;
    private final Time time;
    private ReplicaManager replicas;
    private FetchPurgatory purgatory;
    private BrokerGrpcService service;
    private Server server;
    private ExecutorService rpcExecutor;
    private ExecutorService fetchWorker;
    private ScheduledExecutorService scheduler;
    private volatile int boundPort = -1;
    private volatile BrokerLifecycleManager lifecycle;
    private TopicRegistry registry;
    private ReplicaFetchers fetchers;
    private ReplicationManager replication;
    private ExecutorService alterPartitionSender;
    private ControllerClient controllerClient;
    /** Deadline of each call to a controller (registration, heartbeat, forwarded admin). */
    static final long CONTROLLER_REQUEST_TIMEOUT_MS = 5_000;
    /**
     * Idle buffers kept for consumer and follower fetch reads ({@link ReadBufferPool}): enough for a few
     * dozen 1 MiB partition reads in flight (the default max.partition.fetch.bytes and
     * replica.fetch.max.bytes), small next to a 1 GiB heap.
     */
    static final long READ_BUFFERS_RETAINED_BYTES = 64L << 20;

    public BrokerServer(BrokerConfig config, Time time) {
        this.config = config;
        this.time = time;
    }

    public synchronized void start() throws IOException {
        Path logDir = config.logDir();
        Files.createDirectories(logDir);
        replicas = new ReplicaManager(config.nodeId(), logDir, config.logDefaults(), time);
        scheduler = Executors.newScheduledThreadPool(2, named("fjord-scheduler"));
        fetchWorker = Executors.newFixedThreadPool(2, named("fjord-fetch-purgatory"));
        rpcExecutor = Executors.newFixedThreadPool(config.ioThreads(), named("fjord-rpc"));
        alterPartitionSender = Executors.newSingleThreadExecutor(named("fjord-alter-partition"));

        ClusterMetadata metadata;
        if (config.isClusterMember()) {
            // Partitions come from the metadata log: they are opened as the first image arrives.
            metadata = new ImageMetadata(config.clusterId(), this::currentImage, this::activeControllerId);
            controllerClient = new ControllerClient(config.controllerBootstrapServers(), CONTROLLER_REQUEST_TIMEOUT_MS);
        } else {
            registry = TopicRegistry.open(logDir);
            metadata = new StandaloneMetadata(config.clusterId(), this::endpoint, registry);
        }
        fetchers = new ReplicaFetchers(config.nodeId(), config.replicationConfig(), time, this::brokerEpoch,
                id -> metadata.broker(id));
        Leadership leadership = new Leadership(replicas, metadata);
        // The purgatory and the replication manager wake each other: built in two steps.
        FetchPurgatory[] purgatoryRef = new FetchPurgatory[1];
        replication = new ReplicationManager(config.nodeId(), config.replicationConfig(), time, controllerClient, this::brokerEpoch,
                scheduler, alterPartitionSender, fetchers, key -> purgatoryRef[0].onAppend(key));
        FetchHandler fetchHandler = new FetchHandler(leadership, replicas, replication, new ReadBufferPool(READ_BUFFERS_RETAINED_BYTES));
        purgatory = new FetchPurgatory(fetchHandler::read, scheduler, fetchWorker);
        purgatoryRef[0] = purgatory;
        ProduceHandler produce = new ProduceHandler(leadership, replication, purgatory);

        AdminBackend admin;
        if (config.isClusterMember()) {
            admin = new ControllerAdmin(controllerClient, metadata);
        } else {
            for (Path stray : replicas.strayDirectories(registry.snapshot().keySet())) {
                log.warn("Removing {}: its topic no longer exists (a delete was interrupted)", stray);
                deleteRecursively(stray);
            }
            long t0 = System.nanoTime();
            for (TopicRegistry.Topic t : registry.snapshot().values()) {
                for (int p = 0; p < t.partitions(); p++) {
                    Partition part = replicas.ensure(new TopicPartitionKey(t.name(), p), replicas.standaloneState(t.configs()));
                    // Alone, the replica is the whole ISR: everything it holds is committed.
                    part.replicaLog().setHighWatermarkToLogEnd();
                    replication.becomeLeader(part);
                }
            }
            log.info("Loaded {} partition(s) from {} in {} ms", replicas.all().size(), logDir, (System.nanoTime() - t0) / 1_000_000);
            admin = new TopicAdmin(registry, replicas, config, replication);
        }
        ProducerIdManager producerIds = new ProducerIdManager(config.isClusterMember()
                ? this::producerIdBlockFromController : new LocalProducerIdBlocks(logDir));
        service = new BrokerGrpcService(config, metadata, replicas, leadership, produce, purgatory, admin,
                producerIds);
        HealthStatusManager health = new HealthStatusManager();

        server = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenerHost(), config.listenerPort()))
                .executor(rpcExecutor)
                .withChildOption(ChannelOption.ALLOCATOR, TransportBuffers.ALLOCATOR)
                .maxInboundMessageSize(config.socketRequestMaxBytes())
                .addService(service)
                .addService(health.getHealthService())
                .build()
                .start();
        boundPort = server.getPort();
        scheduler.scheduleWithFixedDelay(replicas::runRetention, config.retentionCheckIntervalMs(),
                config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::flushOrHalt, config.flushSchedulerIntervalMs(),
                config.flushSchedulerIntervalMs(), TimeUnit.MILLISECONDS);
        if (config.isClusterMember()) {
            // Register only once the listener is bound, so the advertised endpoint answers.
            lifecycle = new BrokerLifecycleManager(new BrokerLifecycleManager.Config(config.nodeId(), UUID.randomUUID().toString(),
                    List.of(endpoint()), config.rack(), config.clusterId(), config.controllerBootstrapServers(),
                    config.heartbeatIntervalMs(), CONTROLLER_REQUEST_TIMEOUT_MS),
                    new MetadataApplier(config.nodeId(), replicas, replication, this::brokerEpoch), metadataTime());
            lifecycle.start();
        }
        writePortFile(logDir);
        log.info("Fjord broker {} listening on {}:{} (log.dirs={}, {})", config.nodeId(), config.listenerHost(), boundPort, logDir,
                lifecycle != null ? "controllers " + config.controllerBootstrapServers() : "standalone");
    }

    /** A block of producer ids written to the metadata log by the active controller. */
    private ProducerIdManager.Block producerIdBlockFromController() {
        long epoch = brokerEpoch();
        if (epoch < 0) {
            throw new ProducerIdManager.ProducerIdsUnavailableException("broker " + config.nodeId()
                    + " is not registered with the controllers yet");
        }
        AllocateProducerIdsResponse r;
        try {
            r = controllerClient.allocateProducerIds(AllocateProducerIdsRequest.newBuilder()
                    .setBrokerId(config.nodeId()).setBrokerEpoch(epoch).build());
        } catch (StatusRuntimeException e) {
            throw new ProducerIdManager.ProducerIdsUnavailableException("no controller allocated producer ids: "
                    + e.getStatus().getCode() + " " + e.getStatus().getDescription());
        }
        if (r.getErrorCode() != ErrorCode.NONE) {
            throw new ProducerIdManager.ProducerIdsUnavailableException("the controller refused to allocate producer ids: "
                    + r.getErrorCode() + " " + r.getErrorMessage());
        }
        return new ProducerIdManager.Block(r.getProducerIdStart(), r.getProducerIdLen());
    }

    private long brokerEpoch() {
        BrokerLifecycleManager lm = lifecycle;
        return lm == null ? -1 : lm.brokerEpoch();
    }

    /** The storage clock seen through the metadata module's clock interface (same clock, two modules). */
    private io.fjord.metadata.common.Time metadataTime() {
        Time t = time;
        return new io.fjord.metadata.common.Time() {
            @Override public long milliseconds() { return t.milliseconds(); }
            @Override public long nanoseconds() { return t.nanoseconds(); }
        };
    }

    private MetadataImage currentImage() {
        BrokerLifecycleManager lm = lifecycle;
        return lm == null ? MetadataImage.EMPTY : lm.currentImage();
    }

    /** The controller this broker's admin client last reached (it follows redirects to the active one). */
    private int activeControllerId() {
        String server = controllerClient == null ? "" : controllerClient.preferredServer();
        for (ControllerRegistration c : currentImage().cluster().controllers().values()) {
            if (c.hostPort().equals(server)) {
                return c.id();
            }
        }
        return -1;
    }

    /** The cluster lifecycle, or null for a standalone broker. */
    public BrokerLifecycleManager lifecycle() {
        return lifecycle;
    }

    private void flushOrHalt() {
        try {
            replicas.runFlush();
        } catch (StorageException e) {
            // A write to disk that cannot be made durable must not be acknowledged as if it were:
            // stop the process, as Kafka does for a failed log directory with a single dir.
            log.error("Flushing to disk failed; halting the broker so no further writes are acknowledged", e);
            Runtime.getRuntime().halt(70);
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return boundPort;
    }

    public NodeEndpoint endpoint() {
        int port = config.advertisedPort() >= 0 ? config.advertisedPort() : boundPort;
        return NodeEndpoint.newBuilder().setNodeId(config.nodeId()).setHost(config.advertisedHost()).setPort(port)
                .setRack(config.rack()).build();
    }

    private void writePortFile(Path logDir) throws IOException {
        Path tmp = logDir.resolve("listener.port.tmp");
        Files.writeString(tmp, boundPort + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, logDir.resolve("listener.port"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        log.info("Broker {} shutting down", config.nodeId());
        if (lifecycle != null && config.controlledShutdownEnable()) {
            lifecycle.controlledShutdown(java.time.Duration.ofMillis(config.shutdownTimeoutMs()));
        }
        server.shutdown();
        purgatory.close();
        service.endStreams();
        try {
            if (!server.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                log.warn("In-flight calls did not finish within shutdown.timeout.ms={}; cancelling them", config.shutdownTimeoutMs());
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        replication.close();
        scheduler.shutdownNow();
        alterPartitionSender.shutdownNow();
        fetchWorker.shutdown();
        rpcExecutor.shutdown();
        if (lifecycle != null) {
            lifecycle.close();
        }
        if (controllerClient != null) {
            controllerClient.close();
        }
        replicas.close();
        try {
            Files.deleteIfExists(config.logDir().resolve("listener.port"));
        } catch (IOException e) {
            log.warn("Could not remove {}", config.logDir().resolve("listener.port"), e);
        }
        server = null;
        log.info("Broker {} stopped", config.nodeId());
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

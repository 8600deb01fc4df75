package io.fjord.metadata.server;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.controller.ClusterControl;
import io.fjord.metadata.controller.QuorumController;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.raft.MetadataStateMachine;
import io.fjord.metadata.raft.RaftMetadataLog;
import io.fjord.proto.metadata.MetadataRecord;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One controller process: its Raft peer ({@link RaftMetadataLog}), the command layer
 * ({@link QuorumController}) and the gRPC ControllerService on the {@code listeners} address. On start
 * and whenever the leader changes it makes sure the metadata log holds its API endpoint
 * (RegisterControllerRecord), so NOT_CONTROLLER answers and forwarding can point at the active one.
 *
 * <p>Threading: start and close from one thread; everything else is thread-safe.
 */
public final class ControllerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
    private static final long WRITE_TIMEOUT_MS = 5000;
    private static final long ENDPOINT_CHECK_MS = 1000;
    private static final long SESSION_CHECK_MS = 500;

    private final ControllerConfig config;
    private final Time time;
    private RaftMetadataLog raftLog;
    private QuorumController controller;
    private ControllerGrpcService service;
    private ForwardingChannels channels;
    private Server grpcServer;
    private ExecutorService streamExecutor;
    private ScheduledExecutorService housekeeping;
    private final AtomicBoolean endpointWriteInFlight = new AtomicBoolean();
    private volatile int boundPort = -1;
    private volatile boolean closed;

    public ControllerServer(ControllerConfig config, Time time) {
        this.config = config;
        this.time = time;
    }

    public synchronized void start() throws IOException {
        Path dir = config.metadataLogDir();
        Files.createDirectories(dir);
        raftLog = new RaftMetadataLog(new RaftMetadataLog.Settings(config.clusterId(), config.nodeId(), config.voters(), dir,
                config.snapshotIntervalRecords(), config.segmentBytes(), config.followWindowBatches()));
        controller = new QuorumController(raftLog, config.settings(), time, new SecureRandom(), WRITE_TIMEOUT_MS,
                Math.max(50, Math.min(config.heartbeatIntervalMs(), config.sessionTimeoutMs() / 4)));
        if (config.autoLeaderRebalanceEnable()) {
            controller.scheduleLeaderRebalance(config.leaderImbalanceCheckIntervalMs(), config.leaderImbalancePerBrokerPercentage());
        }
        channels = new ForwardingChannels();
        streamExecutor = Executors.newFixedThreadPool(2, r -> daemon(r, "fjord-metadata-stream"));
        service = new ControllerGrpcService(config.nodeId(), raftLog, controller, channels, streamExecutor, time);
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenerHost(), config.listenerPort()))
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .addService(ServerInterceptors.intercept(service, ControllerGrpcService.forwardedInterceptor()))
                .build().start();
        boundPort = grpcServer.getPort();
        raftLog.start();
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fjord-controller-endpoint"));
        raftLog.stateMachine().addListener(new MetadataStateMachine.Listener() {
            @Override public void onCommit() { }
            @Override public void onLeaderChanged(RaftPeerId leaderId) {
                if (!closed) {
                    // Brokers' session streams held here belong to the term that just ended: end
                    // them, so the brokers open them on the new active controller.
                    housekeeping.execute(service::checkSessions);
                    housekeeping.execute(ControllerServer.this::ensureEndpointRegistered);
                }
            }
        });
        housekeeping.scheduleWithFixedDelay(this::ensureEndpointRegistered, 0, ENDPOINT_CHECK_MS, TimeUnit.MILLISECONDS);
        // Also periodically, in case a leader change went by without a notification that reached here.
        housekeeping.scheduleWithFixedDelay(service::checkSessions, SESSION_CHECK_MS, SESSION_CHECK_MS, TimeUnit.MILLISECONDS);
        writePortFile(dir, boundPort);
        log.info("Fjord controller {} listening on {}:{} (raft {})", config.nodeId(), config.listenerHost(), boundPort,
                config.voters().get(config.nodeId()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The host and port brokers should use for this controller's API. */
    public String advertisedHost() {
        return config.advertisedHost();
    }

    public int advertisedPort() {
        return config.advertisedPort() >= 0 ? config.advertisedPort() : boundPort;
    }

    private void ensureEndpointRegistered() {
        int leader = raftLog.leaderId();
        if (closed || leader < 0) {
            return;
        }
        List<MetadataRecord> records = ClusterControl.registerController(raftLog.image(), config.nodeId(),
                advertisedHost(), advertisedPort());
        if (records.isEmpty()) {
            return;
        }
        boolean active = raftLog.isActive();
        // Followers write only once the leader is established (it announced itself): a write aimed at a
        // leader still being elected fails, and Ratis's client logs every failed attempt as an ERROR.
        if (!active && !raftLog.image().cluster().controllers().containsKey(leader)) {
            return;
        }
        if (!endpointWriteInFlight.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<Long> write = active ? raftLog.append(records) : raftLog.appendViaLeader(records);
        write.whenComplete((offset, err) -> {
            endpointWriteInFlight.set(false);
            if (err != null && !closed) {
                log.debug("registering controller endpoint failed; will retry", err);
            }
        });
    }

    private static void writePortFile(Path dir, int port) {
        try {
            Path tmp = dir.resolve("listener.port.tmp");
            Files.writeString(tmp, port + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve("listener.port"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("listener.port"), e);
        }
    }

    /** The bound API port. */
    public int port() {
        return boundPort;
    }

    public int nodeId() {
        return config.nodeId();
    }

    public MetadataImage image() {
        return raftLog.image();
    }

    public boolean isActive() {
        return raftLog.isActive();
    }

    /** The current leader's id, or -1 while unknown. */
    public int leaderId() {
        return raftLog.leaderId();
    }

    public RaftMetadataLog raftLog() {
        return raftLog;
    }

    public QuorumController controller() {
        return controller;
    }

    /** Broker ids whose BrokerSession stream this controller holds (tests, diagnostics). */
    public java.util.Set<Integer> brokerSessions() {
        return service.sessionBrokerIds();
    }

    public ControllerConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (service != null) {
            service.closeStreams();
        }
        if (grpcServer != null) {
            grpcServer.shutdown();
        }
        if (controller != null) {
            controller.close();
        }
        try {
            if (raftLog != null) {
                raftLog.close();
            }
        } catch (IOException e) {
            log.warn("closing the Raft server failed", e);
        }
        if (grpcServer != null) {
            try {
                if (!grpcServer.awaitTermination(2, TimeUnit.SECONDS)) {
                    grpcServer.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                grpcServer.shutdownNow();
            }
        }
        if (streamExecutor != null) {
            streamExecutor.shutdownNow();
        }
        if (channels != null) {
            channels.close();
        }
        try {
            Files.deleteIfExists(config.metadataLogDir().resolve("listener.port"));
        } catch (IOException e) {
            log.debug("could not remove listener.port", e);
        }
        log.info("Fjord controller {} stopped", config.nodeId());
    }
}

package io.fjord.metadata.broker;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.BrokerSessionEvent;
import io.fjord.proto.controller.BrokerSessionRequest;
import io.fjord.proto.controller.ControllerEndpoint;
import io.fjord.proto.controller.FollowMetadataRequest;
import io.fjord.proto.controller.MetadataEvent;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A broker's membership in the cluster: registers with the controller quorum (retrying with backoff
 * until a controller accepts), heartbeats every {@code heartbeatIntervalMs} with the last metadata
 * offset applied, keeps a BrokerSession stream open on the active controller, follows the committed
 * metadata log through a FollowMetadata stream (from any controller, resuming from the last applied
 * offset after any failure), keeps the broker's {@link MetadataImage}, and performs controlled
 * shutdown.
 *
 * <p>The session stream is how the active controller learns at once that this process died (the
 * kernel closes its connections): it fences the broker when the stream breaks and is not reopened
 * within {@code broker.connection.grace.ms}. So this side reopens it without delay after any break
 * (then with a short backoff: 20 ms doubling to 500 ms), follows NOT_CONTROLLER to the active
 * controller, moves it when a heartbeat answer names another active controller, and opens it anew for
 * each new registration.
 *
 * <p>Threading: registration and heartbeats run on one lifecycle thread; the session stream is
 * managed on its own thread, so a slow heartbeat never delays a reconnect; metadata events are applied
 * and handed to the {@link MetadataListener} on one metadata thread, in log order. Public methods are
 * thread-safe.
 */
public final class BrokerLifecycleManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleManager.class);
    private static final long MIN_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2000;
    private static final long SESSION_MIN_BACKOFF_MS = 20;
    private static final long SESSION_MAX_BACKOFF_MS = 500;

    /**
     * @param bootstrapServers controller API addresses (controller.quorum.bootstrap.servers), host:port
     * @param requestTimeoutMs deadline of each controller call
     */
    public record Config(int brokerId, String incarnationId, List<NodeEndpoint> endpoints, String rack, String clusterId,
                         List<String> bootstrapServers, long heartbeatIntervalMs, long requestTimeoutMs) {
        public Config {
            endpoints = List.copyOf(endpoints);
            bootstrapServers = List.copyOf(bootstrapServers);
            rack = rack == null ? "" : rack;
            clusterId = clusterId == null ? "" : clusterId;
        }
    }

    private final Config config;
    private final MetadataListener listener;
    private final Time time;
    private final ControllerClient client;
    private final ScheduledExecutorService lifecycle;
    private final ExecutorService metadataThread;
    private final ScheduledExecutorService sessionThread;
    private final CompletableFuture<Void> firstUnfenced = new CompletableFuture<>();
    private final CompletableFuture<Void> shutdownGranted = new CompletableFuture<>();

    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long brokerEpoch = -1;
    private volatile boolean fenced = true;
    private volatile boolean wantShutdown;
    private volatile boolean closed;
    private volatile String lastRegistrationError;
    private long registerBackoffMs = MIN_BACKOFF_MS;
    private long streamBackoffMs = MIN_BACKOFF_MS;
    /** The open stream's request side, to cancel it; touched on the lifecycle thread and gRPC callbacks. */
    private volatile ClientCallStreamObserver<FollowMetadataRequest> stream;
    private volatile long streamGeneration;
    /** The session stream being opened or open; null between attempts. Written on the session thread. */
    private volatile Session session;
    /** Where the next session attempt goes; null = the client's preferred server. Session thread only. */
    private String sessionTarget;
    /** Delay before the next session attempt: 0 right after a session was open. Session thread only. */
    private long sessionBackoffMs;

    public BrokerLifecycleManager(Config config, MetadataListener listener, Time time) {
        this.config = config;
        this.listener = listener;
        this.time = time;
        this.client = new ControllerClient(config.bootstrapServers(), config.requestTimeoutMs());
        this.lifecycle = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fjord-broker-lifecycle-" + config.brokerId()));
        this.metadataThread = Executors.newSingleThreadExecutor(r -> daemon(r, "fjord-broker-metadata-" + config.brokerId()));
        this.sessionThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fjord-broker-session-" + config.brokerId()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Registers (in the background, retrying) and then heartbeats and follows the metadata log. */
    public void start() {
        lifecycle.execute(this::register);
    }

    /** The metadata image as of the last applied offset. */
    public MetadataImage currentImage() {
        return image;
    }

    /** The last metadata offset applied, -1 before any. */
    public long lastAppliedOffset() {
        MetadataImage i = image;
        return i == MetadataImage.EMPTY ? -1 : i.offset();
    }

    /** The current registration's epoch, -1 while unregistered. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /**
     * Why the last registration attempt was refused (for example DUPLICATE_BROKER_REGISTRATION: another
     * live process holds this id, or this process's incarnation is stale), or null after a success.
     */
    public String lastRegistrationError() {
        return lastRegistrationError;
    }

    public boolean isFenced() {
        return fenced;
    }

    /** The id of the active controller holding this broker's session stream, or -1 while it is not open. */
    public int sessionControllerId() {
        Session s = session;
        return s != null && s.open ? s.controllerId : -1;
    }

    /** Completes when the controller first unfences this broker (it has caught up with the metadata log). */
    public CompletableFuture<Void> firstUnfenced() {
        return firstUnfenced;
    }

    /** The client this manager uses, for admin forwarding and AlterPartition from the same process. */
    public ControllerClient client() {
        return client;
    }

    /**
     * Asks the controller to move this broker's leaderships away (heartbeats with want_shutdown) and
     * waits until it answers should_shut_down or the timeout passes.
     *
     * @return true when the controller agreed; false on timeout (the caller shuts down anyway)
     */
    public boolean controlledShutdown(Duration timeout) {
        if (brokerEpoch < 0 || closed) {
            return true;
        }
        wantShutdown = true;
        long startMs = time.milliseconds();
        lifecycle.execute(this::heartbeat);
        try {
            shutdownGranted.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("Broker {} controlled shutdown granted after {} ms", config.brokerId(), time.milliseconds() - startMs);
            return true;
        } catch (TimeoutException e) {
            log.warn("Broker {} controlled shutdown not granted within {} ms; shutting down anyway", config.brokerId(), timeout.toMillis());
            return false;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void register() {
        if (closed) {
            return;
        }
        try {
            RegisterBrokerResponse r = client.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(config.brokerId())
                    .setIncarnationId(config.incarnationId()).addAllEndpoints(config.endpoints()).setRack(config.rack())
                    .setClusterId(config.clusterId()).build());
            if (r.getErrorCode() == ErrorCode.NONE) {
                boolean first = brokerEpoch < 0;
                brokerEpoch = r.getBrokerEpoch();
                // A session belongs to one registration: open it (again) for this epoch.
                runOnSessionThread(this::restartSession);
                fenced = true;
                registerBackoffMs = MIN_BACKOFF_MS;
                lastRegistrationError = null;
                log.info("Broker {} registered with broker epoch {}", config.brokerId(), brokerEpoch);
                if (first) {
                    openStream();
                    lifecycle.scheduleWithFixedDelay(this::heartbeat, 0, config.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
                }
                return;
            }
            lastRegistrationError = r.getErrorCode() + ": " + r.getErrorMessage();
            log.warn("Broker {} registration refused: {} {}", config.brokerId(), r.getErrorCode(), r.getErrorMessage());
        } catch (StatusRuntimeException e) {
            // One line per attempt: while controllers start this repeats, and a stack trace helps nobody.
            log.info("Broker {} registration failed ({} {}{}); retrying", config.brokerId(), e.getStatus().getCode(),
                    e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription(),
                    e.getCause() == null ? "" : ": " + e.getCause().getMessage());
        }
        lifecycle.schedule(this::register, nextBackoff(true), TimeUnit.MILLISECONDS);
    }

    private long nextBackoff(boolean registration) {
        long b = registration ? registerBackoffMs : streamBackoffMs;
        long next = Math.min(MAX_BACKOFF_MS, b * 2);
        if (registration) {
            registerBackoffMs = next;
        } else {
            streamBackoffMs = next;
        }
        return b;
    }

    private void heartbeat() {
        if (closed || brokerEpoch < 0) {
            return;
        }
        try {
            BrokerHeartbeatResponse r = client.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(config.brokerId())
                    .setBrokerEpoch(brokerEpoch).setCurrentMetadataOffset(lastAppliedOffset())
                    .setWantShutdown(wantShutdown).build());
            switch (r.getErrorCode()) {
                case NONE -> {
                    if (r.hasActiveController()) {
                        ControllerEndpoint active = r.getActiveController();
                        runOnSessionThread(() -> onActiveControllerHint(active));
                    }
                    fenced = r.getIsFenced();
                    if (!fenced) {
                        firstUnfenced.complete(null);
                    }
                    if (r.getShouldShutDown()) {
                        shutdownGranted.complete(null);
                    }
                }
                case STALE_BROKER_EPOCH -> {
                    log.warn("Broker {} epoch {} is stale ({}); registering again", config.brokerId(), brokerEpoch, r.getErrorMessage());
                    fenced = true;
                    if (wantShutdown) {
                        // Fenced and unregistered: nothing left to move away.
                        shutdownGranted.complete(null);
                    } else {
                        register();
                    }
                }
                default -> log.info("Broker {} heartbeat answered {} {}", config.brokerId(), r.getErrorCode(), r.getErrorMessage());
            }
        } catch (StatusRuntimeException e) {
            log.debug("Broker {} heartbeat failed: {}", config.brokerId(), e.getStatus());
        }
    }

    private void openStream() {
        if (closed) {
            return;
        }
        long generation = ++streamGeneration;
        FollowMetadataRequest req = FollowMetadataRequest.newBuilder().setBrokerId(config.brokerId())
                .setBrokerEpoch(brokerEpoch).setFromOffset(lastAppliedOffset() + 1).build();
        client.followMetadata(req, new ClientResponseObserver<FollowMetadataRequest, MetadataEvent>() {
            private ClientCallStreamObserver<FollowMetadataRequest> requestStream;

            @Override
            public void beforeStart(ClientCallStreamObserver<FollowMetadataRequest> rs) {
                requestStream = rs;
                stream = rs;
                // One event at a time: the next is requested only once this one is applied, so a slow
                // listener pushes back on the controller instead of filling a queue here.
                rs.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(MetadataEvent event) {
                try {
                    metadataThread.execute(() -> {
                        apply(event);
                        streamBackoffMs = MIN_BACKOFF_MS;
                        if (!closed) {
                            requestStream.request(1);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // closing: the event is dropped with the rest of this process's metadata state
                }
            }

            @Override
            public void onError(Throwable t) {
                reconnect(generation, t.toString());
            }

            @Override
            public void onCompleted() {
                reconnect(generation, "stream completed");
            }
        });
    }

    private void reconnect(long generation, String why) {
        if (closed || generation != streamGeneration) {
            return;
        }
        log.info("Broker {} metadata stream from {} ended ({}); resuming from offset {}", config.brokerId(),
                client.preferredServer(), why, lastAppliedOffset() + 1);
        client.rotate();
        // Reopen after the events already received are applied, so the resume offset is exact.
        long delay = nextBackoff(false);
        try {
            lifecycle.schedule(() -> metadataThread.execute(() -> lifecycle.execute(this::openStream)), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    // ------------------------------------------------------------------ the session stream

    /** One BrokerSession call; its callbacks are handled on the session thread. */
    private final class Session implements ClientResponseObserver<BrokerSessionRequest, BrokerSessionEvent> {
        final String target;
        final long epoch;
        volatile ClientCallStreamObserver<BrokerSessionRequest> call;
        /** Accepted by the active controller (session thread; read by {@link #sessionControllerId}). */
        volatile boolean open;
        volatile int controllerId = -1;
        /** Some event arrived (the controller answered), as opposed to a transport failure. */
        boolean answered;

        Session(String target, long epoch) {
            this.target = target;
            this.epoch = epoch;
        }

        @Override public void beforeStart(ClientCallStreamObserver<BrokerSessionRequest> rs) { call = rs; }
        @Override public void onNext(BrokerSessionEvent e) { runOnSessionThread(() -> onSessionEvent(this, e)); }
        @Override public void onError(Throwable t) { runOnSessionThread(() -> onSessionEnded(this, t.toString())); }
        @Override public void onCompleted() { runOnSessionThread(() -> onSessionEnded(this, "ended by the controller")); }

        void cancel(String why) {
            ClientCallStreamObserver<BrokerSessionRequest> c = call;
            if (c != null) {
                try {
                    c.cancel(why, null);
                } catch (RuntimeException ignored) {
                    // already ended
                }
            }
        }
    }

    private void runOnSessionThread(Runnable r) {
        try {
            sessionThread.execute(r);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Session thread: opens the session stream unless one is open or being opened. */
    private void openSession() {
        if (closed || brokerEpoch < 0 || session != null) {
            return;
        }
        String target = sessionTarget != null ? sessionTarget : client.preferredServer();
        Session s = new Session(target, brokerEpoch);
        session = s;
        try {
            client.brokerSession(target, BrokerSessionRequest.newBuilder().setBrokerId(config.brokerId())
                    .setBrokerEpoch(s.epoch).build(), s);
        } catch (RuntimeException e) {
            // the client is closing
            session = null;
        }
    }

    /** Session thread: drops the current session (if any) and opens one for the current epoch at once. */
    private void restartSession() {
        Session old = session;
        session = null;
        if (old != null) {
            old.cancel("broker " + config.brokerId() + " re-registered with epoch " + brokerEpoch);
        }
        openSession();
    }

    private void onSessionEvent(Session s, BrokerSessionEvent e) {
        if (s != session) {
            return;
        }
        s.answered = true;
        switch (e.getErrorCode()) {
            case NONE -> {
                s.open = true;
                s.controllerId = e.hasActiveController() ? e.getActiveController().getNodeId() : -1;
                sessionBackoffMs = 0;
                sessionTarget = s.target;
                // The active controller: heartbeats and other calls go straight there too.
                client.prefer(s.target);
                log.info("Broker {} session (epoch {}) open on the active controller {} at {} (term {})", config.brokerId(),
                        s.epoch, s.controllerId, s.target, e.getControllerTerm());
            }
            case NOT_CONTROLLER -> {
                ControllerEndpoint a = e.hasActiveController() ? e.getActiveController() : null;
                sessionTarget = a != null && !a.getHost().isEmpty() ? a.getHost() + ":" + a.getPort() : nextBootstrap(s.target);
                log.debug("Broker {} session refused by {}: {}; next try {}", config.brokerId(), s.target, e.getErrorMessage(),
                        sessionTarget);
            }
            default -> log.info("Broker {} session refused by {}: {} {}", config.brokerId(), s.target, e.getErrorCode(),
                    e.getErrorMessage());
        }
    }

    private void onSessionEnded(Session s, String why) {
        if (s != session) {
            return;
        }
        session = null;
        if (closed) {
            return;
        }
        if (!s.answered) {
            // Unreachable (or died): try the next controller.
            sessionTarget = nextBootstrap(s.target);
        }
        long delay = sessionBackoffMs;
        sessionBackoffMs = delay == 0 ? SESSION_MIN_BACKOFF_MS : Math.min(SESSION_MAX_BACKOFF_MS, delay * 2);
        if (s.open) {
            log.info("Broker {} session stream to controller {} ended ({}); reopening on {}", config.brokerId(), s.controllerId,
                    why, sessionTarget);
        } else {
            log.debug("Broker {} session attempt on {} ended ({}); next try on {} in {} ms", config.brokerId(), s.target, why,
                    sessionTarget, delay);
        }
        try {
            sessionThread.schedule(this::openSession, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** A heartbeat answer named the active controller: move an open session held by another one there. */
    private void onActiveControllerHint(ControllerEndpoint active) {
        Session s = session;
        if (closed || s == null || !s.open || s.controllerId == active.getNodeId() || active.getHost().isEmpty()) {
            return;
        }
        log.info("Broker {} session is on controller {} but controller {} is active; moving it", config.brokerId(),
                s.controllerId, active.getNodeId());
        sessionTarget = active.getHost() + ":" + active.getPort();
        session = null;
        s.cancel("moving to the active controller");
        openSession();
    }

    private String nextBootstrap(String after) {
        List<String> servers = client.bootstrapServers();
        int i = servers.indexOf(after);
        return servers.get((i + 1) % servers.size());
    }

    /** Applies one event on the metadata thread. */
    private void apply(MetadataEvent event) {
        MetadataImage current = image;
        if (!event.getResetImage() && current != MetadataImage.EMPTY && event.getLastOffset() <= current.offset()) {
            return;  // already applied (a resumed stream may repeat the boundary)
        }
        MetadataDelta delta = new MetadataDelta(current);
        if (event.getResetImage()) {
            delta.resetToEmpty();
        }
        delta.replay(event.getBatch(), event.getLastOffset());
        MetadataImage next = delta.apply(event.getLastOffset());
        image = next;
        try {
            listener.onMetadataUpdate(delta, next);
        } catch (RuntimeException e) {
            log.error("Broker {} metadata listener failed at offset {}", config.brokerId(), event.getLastOffset(), e);
        }
    }

    /**
     * Closes the streams and stops heartbeating. The controller fences this broker (unless a controlled
     * shutdown already did) once the connection grace passes without a session stream.
     */
    @Override
    public void close() {
        closed = true;
        Session sess = session;
        if (sess != null) {
            sess.cancel("broker closing");
        }
        sessionThread.shutdownNow();
        ClientCallStreamObserver<FollowMetadataRequest> s = stream;
        if (s != null) {
            try {
                s.cancel("broker closing", null);
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        lifecycle.shutdownNow();
        metadataThread.shutdownNow();
        try {
            lifecycle.awaitTermination(5, TimeUnit.SECONDS);
            metadataThread.awaitTermination(5, TimeUnit.SECONDS);
            sessionThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}

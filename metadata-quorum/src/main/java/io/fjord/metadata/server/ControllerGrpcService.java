package io.fjord.metadata.server;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.controller.NotControllerException;
import io.fjord.metadata.controller.QuorumController;
import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.ControllerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.raft.RaftMetadataLog;
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
import io.fjord.proto.controller.BrokerSessionEvent;
import io.fjord.proto.controller.BrokerSessionRequest;
import io.fjord.proto.controller.BrokerStatus;
import io.fjord.proto.controller.ControllerEndpoint;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumRequest;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.fjord.proto.controller.FollowMetadataRequest;
import io.fjord.proto.controller.MetadataEvent;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The ControllerService. Writes run on the active controller; a controller that is not active forwards
 * the call once to the active one (marked with a header so it is never forwarded twice) or, when the
 * active one is unknown or unreachable, answers NOT_CONTROLLER with the active controller's endpoint
 * when known. FollowMetadata and DescribeQuorum are served by every controller from its own image.
 *
 * <p>Threading: called on gRPC threads; holds no state of its own beyond open streams.
 */
final class ControllerGrpcService extends ControllerServiceGrpc.ControllerServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ControllerGrpcService.class);
    static final Metadata.Key<String> FORWARDED = Metadata.Key.of("fjord-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> IS_FORWARDED = Context.key("fjord-forwarded");
    private static final long FORWARD_TIMEOUT_MS = 10_000;

    private final int nodeId;
    private final RaftMetadataLog raftLog;
    private final QuorumController controller;
    private final ForwardingChannels channels;
    private final Executor streamExecutor;
    private final Set<MetadataStream> streams = ConcurrentHashMap.newKeySet();
    private final Set<BrokerSession> sessions = ConcurrentHashMap.newKeySet();
    private final Time time;

    ControllerGrpcService(int nodeId, RaftMetadataLog raftLog, QuorumController controller, ForwardingChannels channels,
                          Executor streamExecutor, Time time) {
        this.time = time;
        this.nodeId = nodeId;
        this.raftLog = raftLog;
        this.controller = controller;
        this.channels = channels;
        this.streamExecutor = streamExecutor;
    }

    /** Marks calls that another controller forwarded, so they are answered here and never forwarded again. */
    static ServerInterceptor forwardedInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Context ctx = Context.current().withValue(IS_FORWARDED, headers.containsKey(FORWARDED));
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        };
    }

    @Override
    public void registerBroker(RegisterBrokerRequest req, StreamObserver<RegisterBrokerResponse> obs) {
        handle(ControllerServiceGrpc.getRegisterBrokerMethod(), req, obs, controller::registerBroker,
                (q, active) -> withActive(RegisterBrokerResponse.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER)
                        .setErrorMessage(notControllerMessage(active)), active).build());
    }

    private static RegisterBrokerResponse.Builder withActive(RegisterBrokerResponse.Builder b, ControllerEndpoint active) {
        return active == null ? b : b.setActiveController(active);
    }

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest req, StreamObserver<BrokerHeartbeatResponse> obs) {
        // The active controller names itself in every answer, so a broker whose session stream is on
        // another controller (one that lost leadership while cut off) moves it here.
        Function<BrokerHeartbeatRequest, CompletableFuture<BrokerHeartbeatResponse>> local = q -> controller.brokerHeartbeat(q)
                .thenApply(r -> {
                    ControllerEndpoint self = activeEndpoint();
                    return self != null && self.getNodeId() == nodeId ? r.toBuilder().setActiveController(self).build() : r;
                });
        handle(ControllerServiceGrpc.getBrokerHeartbeatMethod(), req, obs, local, (q, active) -> {
            BrokerHeartbeatResponse.Builder b = BrokerHeartbeatResponse.newBuilder()
                    .setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER).setErrorMessage(notControllerMessage(active));
            return (active == null ? b : b.setActiveController(active)).build();
        });
    }

    @Override
    public void createTopics(CreateTopicsRequest req, StreamObserver<CreateTopicsResponse> obs) {
        handle(ControllerServiceGrpc.getCreateTopicsMethod(), req, obs, controller::createTopics,
                (q, active) -> NotControllerResponses.createTopics(q, notControllerMessage(active)));
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest req, StreamObserver<DeleteTopicsResponse> obs) {
        handle(ControllerServiceGrpc.getDeleteTopicsMethod(), req, obs, controller::deleteTopics,
                (q, active) -> NotControllerResponses.deleteTopics(q, notControllerMessage(active)));
    }

    @Override
    public void createPartitions(CreatePartitionsRequest req, StreamObserver<CreatePartitionsResponse> obs) {
        handle(ControllerServiceGrpc.getCreatePartitionsMethod(), req, obs, controller::createPartitions,
                (q, active) -> NotControllerResponses.createPartitions(q, notControllerMessage(active)));
    }

    @Override
    public void alterConfigs(AlterConfigsRequest req, StreamObserver<AlterConfigsResponse> obs) {
        handle(ControllerServiceGrpc.getAlterConfigsMethod(), req, obs, controller::alterConfigs,
                (q, active) -> NotControllerResponses.alterConfigs(q, notControllerMessage(active)));
    }

    @Override
    public void alterPartition(AlterPartitionRequest req, StreamObserver<AlterPartitionResponse> obs) {
        handle(ControllerServiceGrpc.getAlterPartitionMethod(), req, obs, controller::alterPartition,
                (q, active) -> AlterPartitionResponse.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER).build());
    }

    @Override
    public void allocateProducerIds(AllocateProducerIdsRequest req, StreamObserver<AllocateProducerIdsResponse> obs) {
        handle(ControllerServiceGrpc.getAllocateProducerIdsMethod(), req, obs, controller::allocateProducerIds,
                (q, active) -> AllocateProducerIdsResponse.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER)
                        .setErrorMessage(notControllerMessage(active)).build());
    }

    @Override
    public void followMetadata(FollowMetadataRequest req, StreamObserver<MetadataEvent> obs) {
        ServerCallStreamObserver<MetadataEvent> call = (ServerCallStreamObserver<MetadataEvent>) obs;
        MetadataStream stream = new MetadataStream(raftLog.stateMachine(), call, streamExecutor, req.getFromOffset());
        streams.add(stream);
        call.setOnCloseHandler(() -> streams.remove(stream));
        stream.start();
    }

    /**
     * BrokerSession: accepted (one NONE event, then held open) only on the active controller, for the
     * broker's current registration. The stream ending from the broker's side (onCancel: the broker
     * cancelled, or its connection closed, as when its process dies) is reported to the controller,
     * which fences the broker if no new stream or heartbeat arrives within the connection grace. A
     * stream this controller ends itself (leadership lost, shutdown) is not a lost connection.
     */
    @Override
    public void brokerSession(BrokerSessionRequest req, StreamObserver<BrokerSessionEvent> obs) {
        ServerCallStreamObserver<BrokerSessionEvent> call = (ServerCallStreamObserver<BrokerSessionEvent>) obs;
        BrokerSession session = new BrokerSession(req.getBrokerId(), req.getBrokerEpoch(), call);
        call.setOnCancelHandler(session::peerClosed);
        if (!raftLog.isActive()) {
            session.end(notControllerSessionEvent());
            return;
        }
        controller.openBrokerSession(req.getBrokerId(), req.getBrokerEpoch()).whenComplete((term, err) -> {
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                if (!(cause instanceof NotControllerException)) {
                    log.warn("opening the session of broker {} failed", req.getBrokerId(), cause);
                }
                session.end(notControllerSessionEvent());
            } else if (term < 0) {
                session.end(BrokerSessionEvent.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.STALE_BROKER_EPOCH)
                        .setErrorMessage("Broker " + req.getBrokerId() + " epoch " + req.getBrokerEpoch()
                                + " is not the current registration; register again.").build());
            } else {
                sessions.add(session);
                ControllerEndpoint self = activeEndpoint();
                if (self == null || self.getNodeId() != nodeId) {
                    self = ControllerEndpoint.newBuilder().setNodeId(nodeId).build();   // endpoint not announced yet
                }
                if (!session.accepted(term, self)) {
                    sessions.remove(session);
                }
            }
        });
    }

    private BrokerSessionEvent notControllerSessionEvent() {
        ControllerEndpoint active = activeEndpoint();
        BrokerSessionEvent.Builder b = BrokerSessionEvent.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER)
                .setErrorMessage(notControllerMessage(active));
        if (active != null) {
            b.setActiveController(active);   // may be this one, still taking office: the broker retries shortly
        }
        return b.build();
    }

    /**
     * Ends the session streams that no longer belong to an active term of this controller (leadership
     * lost or changed): their brokers open them on the active controller. Called on every leader change
     * and periodically.
     */
    void checkSessions() {
        if (sessions.isEmpty()) {
            return;
        }
        boolean active = raftLog.isActive();
        long term = raftLog.leaderTerm();
        for (BrokerSession s : sessions) {
            if (!active || s.term != term) {
                sessions.remove(s);
                s.end(notControllerSessionEvent());
            }
        }
    }

    /** Broker ids with a session stream accepted here (tests, diagnostics). */
    Set<Integer> sessionBrokerIds() {
        Set<Integer> out = new java.util.TreeSet<>();
        sessions.forEach(s -> out.add(s.brokerId));
        return out;
    }

    /** Ends every FollowMetadata and BrokerSession stream (shutdown): brokers reconnect to another controller. */
    void closeStreams() {
        for (MetadataStream s : streams) {
            s.shutdown();
        }
        streams.clear();
        for (BrokerSession s : sessions) {
            s.end(BrokerSessionEvent.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NOT_CONTROLLER)
                    .setErrorMessage("controller " + nodeId + " is shutting down").build());
        }
        sessions.clear();
    }

    /**
     * One BrokerSession call. Either side may end it first; whichever does, the controller hears once
     * (and only about a session it accepted) whether the broker's side broke it.
     *
     * <p>Threading: gRPC callbacks and controller completions; state changes under the object's lock.
     */
    private final class BrokerSession {
        final int brokerId;
        final long brokerEpoch;
        private final ServerCallStreamObserver<BrokerSessionEvent> call;
        /** The leader term it was accepted in, -1 before. */
        volatile long term = -1;
        private boolean ended;
        private boolean peerGone;
        private long peerGoneAtMs;

        BrokerSession(int brokerId, long brokerEpoch, ServerCallStreamObserver<BrokerSessionEvent> call) {
            this.brokerId = brokerId;
            this.brokerEpoch = brokerEpoch;
            this.call = call;
        }

        /** Sends the acceptance; false when the broker went away meanwhile (the controller heard so). */
        boolean accepted(long acceptedTerm, ControllerEndpoint self) {
            boolean broken;
            long at;
            synchronized (this) {
                term = acceptedTerm;
                broken = peerGone;
                at = peerGoneAtMs;
                if (!peerGone && !ended) {
                    BrokerSessionEvent.Builder b = BrokerSessionEvent.newBuilder().setErrorCode(io.fjord.proto.ErrorCode.NONE)
                            .setControllerTerm(acceptedTerm).setActiveController(self);
                    try {
                        call.onNext(b.build());
                        return true;
                    } catch (RuntimeException e) {
                        // cancelled under us: onCancel follows (or ran) and reports it
                        return true;
                    }
                }
            }
            // The broker went away before its session was accepted (or ended by us meanwhile).
            controller.brokerSessionClosed(brokerId, brokerEpoch, acceptedTerm, broken, broken ? at : time.milliseconds());
            return false;
        }

        /** onCancel: the broker cancelled, or its connection closed. */
        void peerClosed() {
            long now = time.milliseconds();
            long t;
            synchronized (this) {
                if (ended || peerGone) {
                    return;
                }
                peerGone = true;
                peerGoneAtMs = now;
                t = term;
            }
            sessions.remove(this);
            if (t >= 0) {
                controller.brokerSessionClosed(brokerId, brokerEpoch, t, true, now);
            }
        }

        /** This controller ends the stream with one last event (not a lost connection). */
        void end(BrokerSessionEvent last) {
            long t;
            synchronized (this) {
                if (ended || peerGone) {
                    return;
                }
                ended = true;
                t = term;
            }
            sessions.remove(this);
            try {
                call.onNext(last);
                call.onCompleted();
            } catch (RuntimeException e) {
                // the broker went away at the same moment; nothing to tell it
            }
            if (t >= 0) {
                controller.brokerSessionClosed(brokerId, brokerEpoch, t, false, time.milliseconds());
            }
        }
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest req, StreamObserver<DescribeQuorumResponse> obs) {
        MetadataImage image = raftLog.image();
        DescribeQuorumResponse.Builder b = DescribeQuorumResponse.newBuilder().setLeaderId(raftLog.leaderId())
                .setLeaderTerm(raftLog.leaderTerm()).setCommittedOffset(image.offset());
        for (int id : raftLog.settings().voters().keySet()) {
            ControllerRegistration c = image.cluster().controllers().get(id);
            ControllerEndpoint.Builder e = ControllerEndpoint.newBuilder().setNodeId(id);
            if (c != null) {
                e.setHost(c.host()).setPort(c.port());
            }
            b.addVoters(e);
        }
        Map<Integer, Long> ages = Map.of();
        if (raftLog.isActive()) {
            try {
                ages = controller.heartbeatAges().get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("heartbeat ages unavailable", e);
            }
        }
        for (BrokerRegistration r : image.cluster().brokers().values()) {
            BrokerStatus.Builder s = BrokerStatus.newBuilder().setBrokerId(r.id()).setBrokerEpoch(r.epoch())
                    .setFenced(r.fenced()).setInControlledShutdown(r.inControlledShutdown())
                    .setLastHeartbeatAgeMs(ages.getOrDefault(r.id(), -1L));
            if (!r.endpoints().isEmpty()) {
                s.setEndpoint(r.endpoints().get(0));
            }
            b.addBrokers(s);
        }
        obs.onNext(b.build());
        obs.onCompleted();
    }

    /** The active controller's API endpoint, when the leader is known and has announced it. */
    ControllerEndpoint activeEndpoint() {
        int leader = raftLog.leaderId();
        ControllerRegistration c = leader < 0 ? null : raftLog.image().cluster().controllers().get(leader);
        return c == null ? null : ControllerEndpoint.newBuilder().setNodeId(c.id()).setHost(c.host()).setPort(c.port()).build();
    }

    private static String notControllerMessage(ControllerEndpoint active) {
        return active == null ? "This controller is not active and no active controller is known (election in progress?); retry."
                : "This controller is not active; the active controller is " + active.getNodeId() + " at "
                + active.getHost() + ":" + active.getPort() + ".";
    }

    private <Q, R> void handle(MethodDescriptor<Q, R> method, Q req, StreamObserver<R> obs,
                               Function<Q, CompletableFuture<R>> local, BiFunction<Q, ControllerEndpoint, R> notController) {
        if (!raftLog.isActive()) {
            forwardOrAnswer(method, req, obs, notController);
            return;
        }
        local.apply(req).whenComplete((resp, err) -> {
            if (err == null) {
                reply(obs, resp);
                return;
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof NotControllerException) {
                forwardOrAnswer(method, req, obs, notController);
            } else {
                log.warn("controller command {} failed", method.getBareMethodName(), cause);
                obs.onError(Status.UNAVAILABLE.withDescription(String.valueOf(cause.getMessage())).asRuntimeException());
            }
        });
    }

    private <Q, R> void forwardOrAnswer(MethodDescriptor<Q, R> method, Q req, StreamObserver<R> obs,
                                        BiFunction<Q, ControllerEndpoint, R> notController) {
        ControllerEndpoint active = activeEndpoint();
        if (active == null || active.getNodeId() == nodeId || Boolean.TRUE.equals(IS_FORWARDED.get())) {
            reply(obs, notController.apply(req, active));
            return;
        }
        ClientCalls.asyncUnaryCall(channels.forwardingChannel(active.getHost(), active.getPort(), nodeId)
                .newCall(method, CallOptions.DEFAULT.withDeadlineAfter(FORWARD_TIMEOUT_MS, TimeUnit.MILLISECONDS)), req,
                new StreamObserver<R>() {
                    @Override public void onNext(R value) { reply(obs, value); }
                    @Override public void onError(Throwable t) { reply(obs, notController.apply(req, active)); }
                    @Override public void onCompleted() { }
                });
    }

    private static <R> void reply(StreamObserver<R> obs, R resp) {
        try {
            obs.onNext(resp);
            obs.onCompleted();
        } catch (RuntimeException e) {
            // The caller went away (cancelled or deadline passed); nothing to answer.
        }
    }
}

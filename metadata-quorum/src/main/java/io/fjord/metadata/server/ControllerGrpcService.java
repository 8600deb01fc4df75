package io.fjord.metadata.server;

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

    ControllerGrpcService(int nodeId, RaftMetadataLog raftLog, QuorumController controller, ForwardingChannels channels,
                          Executor streamExecutor) {
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
        handle(ControllerServiceGrpc.getBrokerHeartbeatMethod(), req, obs, controller::brokerHeartbeat, (q, active) -> {
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

    /** Ends every FollowMetadata stream (shutdown): followers reconnect to another controller. */
    void closeStreams() {
        for (MetadataStream s : streams) {
            s.shutdown();
        }
        streams.clear();
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

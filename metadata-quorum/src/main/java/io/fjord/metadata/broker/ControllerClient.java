package io.fjord.metadata.broker;

import io.fjord.proto.CreatePartitionsRequest;
import io.fjord.proto.CreatePartitionsResponse;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.DeleteTopicsResponse;
import io.fjord.proto.ErrorCode;
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
import io.fjord.proto.controller.ControllerEndpoint;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumRequest;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.fjord.proto.controller.FollowMetadataRequest;
import io.fjord.proto.controller.MetadataEvent;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientResponseObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A broker's (or tool's) client of the controller quorum, from {@code controller.quorum.bootstrap.servers}
 * (the controllers' API addresses). Calls go to the controller believed active; a NOT_CONTROLLER answer
 * naming the active controller redirects there, and a transport failure moves on to the next bootstrap
 * server, each attempt with its own deadline. Non-active controllers also forward writes themselves, so
 * redirects are rare. One channel per address, reused.
 *
 * <p>Threading: thread-safe; unary methods block for at most about
 * {@code (servers + 1) x requestTimeoutMs}.
 */
public final class ControllerClient implements AutoCloseable {
    private static final int MAX_INBOUND_MESSAGE_BYTES = 256 << 20;

    private final List<String> bootstrap;
    private final long requestTimeoutMs;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile String preferred;
    private int nextBootstrap;

    /**
     * @param bootstrapServers controller API addresses, host:port
     * @param requestTimeoutMs deadline of each attempt
     */
    public ControllerClient(List<String> bootstrapServers, long requestTimeoutMs) {
        if (bootstrapServers.isEmpty()) {
            throw new IllegalArgumentException("controller.quorum.bootstrap.servers is empty");
        }
        this.bootstrap = List.copyOf(bootstrapServers);
        this.requestTimeoutMs = requestTimeoutMs;
        this.preferred = bootstrap.get(0);
    }

    /** Parses "host:port,host:port". */
    public static List<String> parseServers(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            String v = s.trim();
            int scheme = v.indexOf("://");
            if (scheme >= 0) {
                v = v.substring(scheme + 3);
            }
            if (!v.isEmpty()) {
                if (v.lastIndexOf(':') <= 0) {
                    throw new IllegalArgumentException("controller address must be host:port, got '" + s.trim() + "'");
                }
                out.add(v);
            }
        }
        return out;
    }

    public RegisterBrokerResponse registerBroker(RegisterBrokerRequest req) {
        return call(stub -> stub.registerBroker(req), r -> r.getErrorCode() == ErrorCode.NOT_CONTROLLER,
                r -> r.hasActiveController() ? r.getActiveController() : null);
    }

    public BrokerHeartbeatResponse brokerHeartbeat(BrokerHeartbeatRequest req) {
        return call(stub -> stub.brokerHeartbeat(req), r -> r.getErrorCode() == ErrorCode.NOT_CONTROLLER,
                r -> r.hasActiveController() ? r.getActiveController() : null);
    }

    public CreateTopicsResponse createTopics(CreateTopicsRequest req) {
        return call(stub -> stub.createTopics(req), r -> false, r -> null);
    }

    public DeleteTopicsResponse deleteTopics(DeleteTopicsRequest req) {
        return call(stub -> stub.deleteTopics(req), r -> false, r -> null);
    }

    public CreatePartitionsResponse createPartitions(CreatePartitionsRequest req) {
        return call(stub -> stub.createPartitions(req), r -> false, r -> null);
    }

    public AlterConfigsResponse alterConfigs(AlterConfigsRequest req) {
        return call(stub -> stub.alterConfigs(req), r -> false, r -> null);
    }

    public AlterPartitionResponse alterPartition(AlterPartitionRequest req) {
        return call(stub -> stub.alterPartition(req), r -> false, r -> null);
    }

    public AllocateProducerIdsResponse allocateProducerIds(AllocateProducerIdsRequest req) {
        return call(stub -> stub.allocateProducerIds(req), r -> r.getErrorCode() == ErrorCode.NOT_CONTROLLER, r -> null);
    }

    public DescribeQuorumResponse describeQuorum() {
        return call(stub -> stub.describeQuorum(DescribeQuorumRequest.getDefaultInstance()), r -> false, r -> null);
    }

    /**
     * Opens a FollowMetadata stream to the controller currently preferred (no deadline: it lives until
     * cancelled; transport keepalives detect a dead peer). The observer may use
     * {@code ClientCallStreamObserver.disableAutoRequestWithInitial} for flow control.
     */
    public void followMetadata(FollowMetadataRequest req, ClientResponseObserver<FollowMetadataRequest, MetadataEvent> observer) {
        ControllerServiceGrpc.newStub(channel(preferred)).followMetadata(req, observer);
    }

    /**
     * Opens a BrokerSession stream to the controller at {@code address} (host:port; no deadline: it
     * lives until either side ends it).
     */
    public void brokerSession(String address, BrokerSessionRequest req,
                              ClientResponseObserver<BrokerSessionRequest, BrokerSessionEvent> observer) {
        ControllerServiceGrpc.newStub(channel(address)).brokerSession(req, observer);
    }

    /** The bootstrap servers, in order. */
    public List<String> bootstrapServers() {
        return bootstrap;
    }

    /** Send calls to {@code address} first from now on (it is known to be the active controller). */
    public void prefer(String address) {
        preferred = address;
    }

    /** The address calls go to first. */
    public String preferredServer() {
        return preferred;
    }

    /** Stop preferring the current server (it failed); the next call tries the next bootstrap server. */
    public synchronized void rotate() {
        nextBootstrap = (nextBootstrap + 1) % bootstrap.size();
        preferred = bootstrap.get(nextBootstrap);
    }

    private <R> R call(Function<ControllerServiceGrpc.ControllerServiceBlockingStub, R> fn,
                       java.util.function.Predicate<R> notController, Function<R, ControllerEndpoint> activeOf) {
        StatusRuntimeException last = null;
        R lastResponse = null;
        int attempts = bootstrap.size() + 1;
        for (int i = 0; i < attempts; i++) {
            String target = preferred;
            try {
                R r = fn.apply(ControllerServiceGrpc.newBlockingStub(channel(target))
                        .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS));
                if (!notController.test(r)) {
                    return r;
                }
                lastResponse = r;
                ControllerEndpoint active = activeOf.apply(r);
                if (active != null && !active.getHost().isEmpty()) {
                    preferred = active.getHost() + ":" + active.getPort();
                } else {
                    rotate();
                }
            } catch (StatusRuntimeException e) {
                last = e;
                rotate();
            }
        }
        if (lastResponse != null) {
            return lastResponse;
        }
        throw last != null ? last : Status.UNAVAILABLE.withDescription("no controller answered").asRuntimeException();
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> {
            int colon = a.lastIndexOf(':');
            return NettyChannelBuilder.forAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
                    .usePlaintext()
                    .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                    .keepAliveTime(10, TimeUnit.SECONDS)
                    .keepAliveTimeout(5, TimeUnit.SECONDS)
                    .build();
        });
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels.values()) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

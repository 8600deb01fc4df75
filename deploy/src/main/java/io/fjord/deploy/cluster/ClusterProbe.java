package io.fjord.deploy.cluster;

import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.MetadataRequest;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumRequest;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Asks a local cluster's nodes how they are: the quorum from any controller, partitions from any broker. */
final class ClusterProbe implements AutoCloseable {
    private static final long DEADLINE_MS = 2_000;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ClusterLayout layout;

    ClusterProbe(ClusterLayout layout) {
        this.layout = layout;
    }

    private ManagedChannel channel(int port) {
        ManagedChannel ch = NettyChannelBuilder.forAddress(ClusterLayout.HOST, port).usePlaintext().build();
        channels.add(ch);
        return ch;
    }

    /** The quorum as the first controller that answers sees it, preferring one that knows a leader. */
    Optional<DescribeQuorumResponse> quorum() {
        DescribeQuorumResponse fallback = null;
        for (ClusterLayout.Node c : layout.controllers) {
            try {
                DescribeQuorumResponse r = ControllerServiceGrpc.newBlockingStub(channel(c.port()))
                        .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).describeQuorum(DescribeQuorumRequest.getDefaultInstance());
                if (r.getLeaderId() >= 0) {
                    return Optional.of(r);
                }
                fallback = r;
            } catch (RuntimeException e) {
                // Not up or not reachable: ask the next one.
            }
        }
        return Optional.ofNullable(fallback);
    }

    /** All topics as the first broker that answers sees them. */
    Optional<MetadataResponse> metadata() {
        for (ClusterLayout.Node b : layout.brokers) {
            try {
                return Optional.of(BrokerServiceGrpc.newBlockingStub(channel(b.port()))
                        .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
                        .metadata(MetadataRequest.newBuilder().setAllTopics(true).build()));
            } catch (RuntimeException e) {
                // Not up: ask the next one.
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
    }
}

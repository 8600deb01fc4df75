package io.fjord.metadata.server;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Channels from this controller to other controllers' APIs, one per address, reused for every
 * forwarded call.
 *
 * <p>Threading: thread-safe.
 */
final class ForwardingChannels implements AutoCloseable {
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    Channel forwardingChannel(String host, int port, int fromNodeId) {
        ManagedChannel ch = channels.computeIfAbsent(host + ":" + port,
                k -> NettyChannelBuilder.forAddress(host, port).usePlaintext().build());
        Metadata headers = new Metadata();
        headers.put(ControllerGrpcService.FORWARDED, String.valueOf(fromNodeId));
        return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers));
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

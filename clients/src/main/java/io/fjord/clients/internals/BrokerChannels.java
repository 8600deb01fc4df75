package io.fjord.clients.internals;

import io.fjord.clients.common.Node;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.rpc.TransportBuffers;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC channel per broker address, created on first use and reused by every call: gRPC
 * multiplexes concurrent calls over the channel's HTTP/2 connection and reconnects by itself.
 * Keyed by host:port so that a bootstrap address and the broker id it turns out to be share one.
 *
 * <p>Threading: thread-safe.
 */
public final class BrokerChannels implements AutoCloseable {
    /** Large enough for a fetch of fetch.max.bytes (plus a first batch above it) or a produce of max.request.size. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(BrokerChannels.class);

    /** Creates a channel to one address; tests may point it at an in-process or port-0 server. */
    @FunctionalInterface
    public interface ChannelFactory {
        ManagedChannel create(String host, int port);
    }

    public static final ChannelFactory PLAINTEXT = (host, port) ->
            TransportBuffers.plaintextChannel(host, port)
                    .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                    .build();

    private final ChannelFactory factory;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public BrokerChannels(ChannelFactory factory) {
        this.factory = factory;
    }

    public BrokerChannels() {
        this(PLAINTEXT);
    }

    public ManagedChannel channel(Node node) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        return channels.computeIfAbsent(node.address(), a -> factory.create(node.host(), node.port()));
    }

    /** An async stub whose calls fail with DEADLINE_EXCEEDED after {@code timeoutMs}. */
    public BrokerServiceGrpc.BrokerServiceStub asyncStub(Node node, long timeoutMs) {
        return BrokerServiceGrpc.newStub(channel(node)).withDeadlineAfter(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
    }

    /**
     * A stub for a long-lived stream, without a deadline (which would end the whole stream): its user
     * times out each request on the stream itself and cancels the stream when one runs out.
     */
    public BrokerServiceGrpc.BrokerServiceStub streamStub(Node node) {
        return BrokerServiceGrpc.newStub(channel(node));
    }

    public BrokerServiceGrpc.BrokerServiceBlockingStub blockingStub(Node node, long timeoutMs) {
        return BrokerServiceGrpc.newBlockingStub(channel(node))
                .withDeadlineAfter(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        List<ManagedChannel> all = new ArrayList<>(channels.values());
        channels.clear();
        all.forEach(ManagedChannel::shutdown);
        for (ManagedChannel c : all) {
            try {
                if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        log.debug("closed {} broker channels", all.size());
    }
}

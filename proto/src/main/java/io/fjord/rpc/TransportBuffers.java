package io.fjord.rpc;

import io.grpc.InsecureChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;

/**
 * The buffer allocator of Fjord's data-path gRPC channels and servers (clients to brokers, followers
 * to leaders, the broker's listener): Netty's pooled allocator with 8 MiB chunks, where gRPC's own
 * allocator uses 2 MiB ones.
 *
 * <p>Why: a Fetch answer or a Produce request of a few MiB arrives as many reads of up to 64 KiB,
 * and gRPC keeps them (as slices of the HTTP/2 DATA frames) until the whole message is in. With
 * 2 MiB chunks one message fills whole chunks and then frees them; Netty destroys a chunk whose use
 * drops to zero, so the next message needs fresh ones: 2 MiB of direct memory allocated, zeroed and
 * page-faulted in each time. A consumer reading 2 GiB of 1 KiB records took 80,000-120,000 minor
 * page faults and 60-110 % more CPU on about one pass in two; with 8 MiB chunks a chunk outlives the
 * messages and the faults are gone (docs/BENCHMARKS.md, "Reading it").
 *
 * <p>One allocator per JVM, shared by every channel and server that asks for it, as gRPC shares its
 * own.
 */
public final class TransportBuffers {
    /** 8 KiB pages << 10 = 8 MiB chunks. */
    static final int MAX_ORDER = 10;

    public static final ByteBufAllocator ALLOCATOR = new PooledByteBufAllocator(
            true, // direct buffers, as gRPC prefers: the socket reads and writes them without a copy
            PooledByteBufAllocator.defaultNumHeapArena(),
            PooledByteBufAllocator.defaultNumDirectArena(),
            PooledByteBufAllocator.defaultPageSize(),
            MAX_ORDER,
            PooledByteBufAllocator.defaultSmallCacheSize(),
            PooledByteBufAllocator.defaultNormalCacheSize(),
            PooledByteBufAllocator.defaultUseCacheForAllThreads());

    /** A plaintext channel builder to a broker that allocates from {@link #ALLOCATOR}. */
    public static NettyChannelBuilder plaintextChannel(String host, int port) {
        return NettyChannelBuilder.forAddress(host, port, InsecureChannelCredentials.create())
                .withOption(ChannelOption.ALLOCATOR, ALLOCATOR);
    }

    private TransportBuffers() {
    }
}

package io.fjord.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Buffers for log reads whose bytes are sent and then dropped (consumer and follower fetches), reused
 * instead of allocated per read.
 *
 * <p>Why: the JVM zeroes a fresh array before the file is read into it (about 6 % of a broker's CPU
 * while serving consumers, most of it for the 1 MiB partition reads). Heap buffers, not direct ones:
 * protobuf (4.x) copies a direct buffer into a new array when it is wrapped into a message, which
 * would bring back the zeroing and add a copy; a heap array is wrapped as it is.
 *
 * <p>Ownership: a {@link Lease} hands out buffers and takes them all back at {@link Lease#close()};
 * its holder closes it only once nothing reads them any more (for a fetch: after the answer has been
 * serialized into the transport's own buffers). A buffer that is never given back is just garbage:
 * the pool forgets it and the collector frees it.
 *
 * <p>Sizes are rounded up to a power of two from {@link #MIN_POOLED_BYTES} to {@link #MAX_POOLED_BYTES};
 * smaller and larger reads get buffers of their own size that are not pooled. At most
 * {@code maxRetainedBytes} sit idle in the pool; beyond that, returned buffers are dropped.
 *
 * <p>Threading: thread-safe; a lease is used by one thread at a time.
 */
public final class ReadBufferPool {
    /** Below this, zeroing a fresh buffer costs less than pooling it. */
    public static final int MIN_POOLED_BYTES = 64 << 10;
    /** Above this (a batch larger than any fetch size), reads are rare enough to allocate. */
    public static final int MAX_POOLED_BYTES = 8 << 20;

    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_POOLED_BYTES);
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_POOLED_BYTES) - MIN_SHIFT + 1;

    private final long maxRetainedBytes;
    private final List<ConcurrentLinkedDeque<ByteBuffer>> idle = new ArrayList<>(CLASSES);
    private final AtomicLong retainedBytes = new AtomicLong();

    public ReadBufferPool(long maxRetainedBytes) {
        if (maxRetainedBytes < 0) {
            throw new IllegalArgumentException("maxRetainedBytes must be >= 0, got " + maxRetainedBytes);
        }
        this.maxRetainedBytes = maxRetainedBytes;
        for (int i = 0; i < CLASSES; i++) {
            idle.add(new ConcurrentLinkedDeque<>());
        }
    }

    /** A new lease; close it when the buffers it handed out are no longer read. */
    public Lease lease() {
        return new Lease();
    }

    /** Bytes of buffers idle in the pool now. */
    public long retainedBytes() {
        return retainedBytes.get();
    }

    /** The size class of a pooled request, or -1 for a size that is not pooled. */
    static int sizeClass(int bytes) {
        if (bytes < MIN_POOLED_BYTES || bytes > MAX_POOLED_BYTES) {
            return -1;
        }
        int shift = 32 - Integer.numberOfLeadingZeros(bytes - 1); // ceil(log2(bytes))
        return shift - MIN_SHIFT;
    }

    private ByteBuffer take(int sizeClass) {
        ByteBuffer b = idle.get(sizeClass).pollFirst();
        if (b == null) {
            return ByteBuffer.allocate(MIN_POOLED_BYTES << sizeClass);
        }
        retainedBytes.addAndGet(-b.capacity());
        return b;
    }

    private void give(ByteBuffer b) {
        int sizeClass = sizeClass(b.capacity());
        if (retainedBytes.addAndGet(b.capacity()) > maxRetainedBytes) {
            retainedBytes.addAndGet(-b.capacity());
            return; // dropped: the collector frees it
        }
        idle.get(sizeClass).offerFirst(b); // most recently used first: its pages are the warmest
    }

    /**
     * Buffers for the reads of one fetch attempt, as an allocator for {@link PartitionLog#read}: each
     * call returns a buffer with position 0 and limit {@code bytes}, never one this lease already gave.
     */
    public final class Lease implements IntFunction<ByteBuffer>, AutoCloseable {
        /** Created at the first pooled buffer: most attempts of a caught-up reader take none. */
        private List<ByteBuffer> pooled;
        private boolean closed;

        @Override
        public ByteBuffer apply(int bytes) {
            if (closed) {
                throw new IllegalStateException("read buffer lease used after close");
            }
            int sizeClass = sizeClass(bytes);
            if (sizeClass < 0) {
                return ByteBuffer.allocate(bytes);
            }
            ByteBuffer b = take(sizeClass);
            if (pooled == null) {
                pooled = new ArrayList<>(4);
            }
            pooled.add(b);
            return b.clear().limit(bytes);
        }

        /** Whether {@link #close()} has given the buffers back. */
        public boolean isClosed() {
            return closed;
        }

        /** Gives every pooled buffer back; the caller no longer reads any of them. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (pooled != null) {
                pooled.forEach(ReadBufferPool.this::give);
                pooled = null;
            }
        }
    }
}

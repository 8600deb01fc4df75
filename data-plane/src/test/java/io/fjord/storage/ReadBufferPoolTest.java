package io.fjord.storage;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadBufferPoolTest {
    @Test
    void sizeClassesArePowersOfTwoBetweenTheBounds() {
        assertEquals(-1, ReadBufferPool.sizeClass(ReadBufferPool.MIN_POOLED_BYTES - 1));
        assertEquals(0, ReadBufferPool.sizeClass(ReadBufferPool.MIN_POOLED_BYTES));
        assertEquals(1, ReadBufferPool.sizeClass(ReadBufferPool.MIN_POOLED_BYTES + 1));
        assertEquals(4, ReadBufferPool.sizeClass(1 << 20));
        assertEquals(5, ReadBufferPool.sizeClass((1 << 20) + 1));
        assertEquals(7, ReadBufferPool.sizeClass(ReadBufferPool.MAX_POOLED_BYTES));
        assertEquals(-1, ReadBufferPool.sizeClass(ReadBufferPool.MAX_POOLED_BYTES + 1));
    }

    @Test
    void aLeaseHandsOutDistinctBuffersSizedAsAskedAndTheNextLeaseReusesThem() {
        ReadBufferPool pool = new ReadBufferPool(64L << 20);
        ByteBuffer a;
        ByteBuffer b;
        try (ReadBufferPool.Lease lease = pool.lease()) {
            a = lease.apply(700_000);
            b = lease.apply(700_000);
            assertNotSame(a, b);
            assertTrue(a.hasArray(), "a heap buffer: protobuf wraps its array without copying");
            assertEquals(0, a.position());
            assertEquals(700_000, a.limit());
            assertEquals(1 << 20, a.capacity());
            a.put(0, (byte) 42);
            assertEquals(0, pool.retainedBytes(), "nothing is idle while the lease holds its buffers");
        }
        assertEquals(2L << 20, pool.retainedBytes());
        try (ReadBufferPool.Lease lease = pool.lease()) {
            ByteBuffer again = lease.apply(1 << 20);
            assertTrue(again == a || again == b, "a returned buffer of the same class is reused");
            assertEquals(1 << 20, again.limit());
            assertEquals(0, again.position());
            ByteBuffer other = lease.apply(100_000); // another class: a new buffer
            assertEquals(128 << 10, other.capacity());
        }
        assertEquals((2L << 20) + (128 << 10), pool.retainedBytes());
    }

    @Test
    void smallAndHugeReadsGetBuffersOfTheirOwnSizeThatAreNotPooled() {
        ReadBufferPool pool = new ReadBufferPool(64L << 20);
        try (ReadBufferPool.Lease lease = pool.lease()) {
            ByteBuffer small = lease.apply(1000);
            assertEquals(1000, small.capacity());
            ByteBuffer huge = lease.apply(ReadBufferPool.MAX_POOLED_BYTES + 1);
            assertEquals(ReadBufferPool.MAX_POOLED_BYTES + 1, huge.capacity());
        }
        assertEquals(0, pool.retainedBytes());
    }

    @Test
    void idleBuffersBeyondTheLimitAreDropped() {
        ReadBufferPool pool = new ReadBufferPool(1 << 20);
        ByteBuffer first;
        try (ReadBufferPool.Lease lease = pool.lease()) {
            first = lease.apply(1 << 20);
            lease.apply(1 << 20);
            lease.apply(1 << 20);
        }
        assertEquals(1 << 20, pool.retainedBytes(), "one of the three fits under the limit");
        try (ReadBufferPool.Lease lease = pool.lease()) {
            assertSame(first, lease.apply(1 << 20));
            assertEquals(0, pool.retainedBytes());
        }
    }

    @Test
    void aClosedLeaseRefusesToAllocateAndClosesOnce() {
        ReadBufferPool pool = new ReadBufferPool(64L << 20);
        ReadBufferPool.Lease lease = pool.lease();
        lease.apply(1 << 20);
        lease.close();
        lease.close();
        assertEquals(1 << 20, pool.retainedBytes(), "a second close gives nothing back twice");
        assertThrows(IllegalStateException.class, () -> lease.apply(1 << 20));
    }
}

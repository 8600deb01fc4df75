package io.fjord.clients.producer.internals;

import io.fjord.clients.common.errors.InterruptException;
import io.fjord.clients.common.errors.TimeoutException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accounts the bytes held by unsent batches against buffer.memory, as Kafka's BufferPool does
 * (without pooling the buffers themselves: the batch builder owns its heap buffer). A caller that
 * does not fit waits, first come first served, up to max.block.ms and then gets a TimeoutException.
 *
 * <p>Threading: thread-safe.
 */
public final class MemoryPool {
    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Condition> waiters = new ArrayDeque<>();
    private long availableBytes;

    public MemoryPool(long totalBytes) {
        this.totalBytes = totalBytes;
        this.availableBytes = totalBytes;
    }

    /**
     * Reserves {@code size} bytes, waiting up to {@code maxBlockMs} for batches to be sent and free memory.
     *
     * @throws IllegalArgumentException when size exceeds the whole pool (the caller checks this first)
     */
    public void allocate(int size, long maxBlockMs) {
        if (size > totalBytes) {
            throw new IllegalArgumentException("Attempt to allocate " + size + " bytes, but there is a hard limit of "
                    + totalBytes + " on memory allocations.");
        }
        lock.lock();
        try {
            if (waiters.isEmpty() && availableBytes >= size) {
                availableBytes -= size;
                return;
            }
            Condition turn = lock.newCondition();
            waiters.addLast(turn);
            long remainingNs = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
            try {
                while (waiters.peekFirst() != turn || availableBytes < size) {
                    if (remainingNs <= 0) {
                        throw new TimeoutException("Failed to allocate " + size + " bytes within the configured max"
                                + " blocking time " + maxBlockMs + " ms. Total memory: " + totalBytes + " bytes."
                                + " Available memory: " + availableBytes + " bytes. The brokers are not taking records"
                                + " as fast as they are sent: check that they are reachable, or raise buffer.memory"
                                + " or max.block.ms.");
                    }
                    remainingNs = turn.awaitNanos(remainingNs);
                }
                availableBytes -= size;
            } finally {
                waiters.remove(turn);
                if (!waiters.isEmpty() && availableBytes > 0) {
                    waiters.peekFirst().signal();
                }
            }
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while waiting for producer memory", e);
        } finally {
            lock.unlock();
        }
    }

    public void deallocate(int size) {
        lock.lock();
        try {
            availableBytes += size;
            Condition first = waiters.peekFirst();
            if (first != null) {
                first.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Threads waiting for memory; the accumulator sends lingering batches at once while there are any. */
    public int queued() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    public long availableMemory() {
        lock.lock();
        try {
            return availableBytes;
        } finally {
            lock.unlock();
        }
    }

    public long totalMemory() {
        return totalBytes;
    }
}

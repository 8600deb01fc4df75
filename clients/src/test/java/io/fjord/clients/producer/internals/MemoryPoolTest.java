package io.fjord.clients.producer.internals;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.errors.TimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MemoryPoolTest {
    @Test
    void allocationThatDoesNotFitTimesOutAfterMaxBlock() {
        MemoryPool pool = new MemoryPool(1000);
        pool.allocate(800, 0);
        long start = System.nanoTime();
        TimeoutException e = assertThrows(TimeoutException.class, () -> pool.allocate(300, 50));
        assertTrue(System.nanoTime() - start >= 50_000_000L, "waited max.block.ms first");
        assertTrue(e.getMessage().contains("Failed to allocate 300 bytes within the configured max blocking time 50 ms"),
                e.getMessage());
        assertTrue(e.getMessage().contains("buffer.memory"), e.getMessage());
        assertEquals(200, pool.availableMemory(), "a timed-out waiter takes nothing");
        assertEquals(0, pool.queued());
    }

    @Test
    void waiterProceedsWhenMemoryIsReturned() {
        MemoryPool pool = new MemoryPool(1000);
        pool.allocate(1000, 0);
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> pool.allocate(600, 60_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.queued() == 1);
        pool.deallocate(500);
        assertEquals(1, pool.queued(), "500 bytes are not enough for 600");
        pool.deallocate(500);
        waiter.join();
        assertEquals(400, pool.availableMemory());
    }

    @Test
    void moreThanTheWholePoolIsRefused() {
        MemoryPool pool = new MemoryPool(100);
        assertThrows(IllegalArgumentException.class, () -> pool.allocate(101, 0));
    }
}

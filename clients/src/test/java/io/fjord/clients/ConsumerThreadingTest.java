package io.fjord.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.consumer.FjordConsumer;
import io.fjord.clients.testing.FakeCluster;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsumerThreadingTest {
    @Test
    void secondThreadIsRefusedWhileOneIsInsidePoll() throws Exception {
        try (FakeCluster cluster = new FakeCluster(1)) {
            cluster.createTopic("t", 1);
            FjordConsumer<String, String> consumer = ClientTestSupport.consumer(cluster, "fetch.max.wait.ms", 2000);
            TopicPartition tp = new TopicPartition("t", 0);
            consumer.assign(List.of(tp));
            assertEquals(Set.of(tp), consumer.assignment());
            assertEquals(0, consumer.position(tp));
            CountDownLatch polling = new CountDownLatch(1);
            CompletableFuture<Void> poller = CompletableFuture.runAsync(() -> {
                polling.countDown();
                consumer.poll(Duration.ofMillis(1500));
            });
            assertTrue(polling.await(10, TimeUnit.SECONDS));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThrows(ConcurrentModificationException.class, consumer::assignment));
            poller.get(10, TimeUnit.SECONDS);
            consumer.close();
            assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
            assertThrows(IllegalStateException.class, () -> {
                try (FjordConsumer<String, String> c = ClientTestSupport.consumer(cluster)) {
                    c.poll(Duration.ZERO);
                }
            }, "poll without assignment");
        }
    }
}

package io.fjord.metadata.server;

import io.fjord.metadata.broker.ControllerClient;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.controller.FollowMetadataRequest;
import io.fjord.proto.controller.MetadataEvent;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

class FollowMetadataTest {
    @TempDir
    Path dir;

    /** Collects events; cancels on close. */
    static final class Collector implements ClientResponseObserver<FollowMetadataRequest, MetadataEvent> {
        final List<MetadataEvent> events = new CopyOnWriteArrayList<>();
        volatile ClientCallStreamObserver<FollowMetadataRequest> call;

        @Override public void beforeStart(ClientCallStreamObserver<FollowMetadataRequest> rs) { call = rs; }
        @Override public void onNext(MetadataEvent e) { events.add(e); }
        @Override public void onError(Throwable t) { }
        @Override public void onCompleted() { }

        void cancel() {
            call.cancel("done", null);
        }
    }

    @Test
    void recentOffsetsStreamFromMemoryAndOlderOnesGetTheImage() {
        try (QuorumHarness q = new QuorumHarness(dir, 1, Map.of("metadata.follow.window.batches", "3",
                "broker.session.timeout.ms", "600000")).startAll();
             ControllerClient client = new ControllerClient(q.bootstrapServers(), 5000)) {
            q.awaitLeader(Duration.ofSeconds(15));
            QuorumIntegrationTest.liveBroker(client, 1);
            for (int i = 0; i < 5; i++) {
                QuorumIntegrationTest.createTopic(client, "t" + i);
            }
            MetadataImage image = q.server(1).image();

            Collector old = new Collector();
            client.followMetadata(FollowMetadataRequest.newBuilder().setBrokerId(-1).setFromOffset(0).build(), old);
            await().atMost(Duration.ofSeconds(10)).until(() -> !old.events.isEmpty());
            MetadataEvent first = old.events.get(0);
            assertTrue(first.getResetImage(), "offset 0 left the 3-batch window: the image comes first");
            assertEquals(image, MetadataImage.fromRecords(first.getBatch().getRecordsList(), first.getLastOffset()));

            Collector recent = new Collector();
            client.followMetadata(FollowMetadataRequest.newBuilder().setBrokerId(-1).setFromOffset(image.offset()).build(), recent);
            await().atMost(Duration.ofSeconds(10)).until(() -> !recent.events.isEmpty());
            assertFalse(recent.events.get(0).getResetImage());
            assertEquals(image.offset(), recent.events.get(0).getLastOffset());

            QuorumIntegrationTest.createTopic(client, "live");
            await().atMost(Duration.ofSeconds(10)).until(() -> recent.events.size() >= 2 && old.events.size() >= 2);
            assertTrue(recent.events.get(1).getBatch().getRecordsList().stream().anyMatch(r -> r.hasTopic()
                    && r.getTopic().getName().equals("live")), "new commits follow on the open stream");
            old.cancel();
            recent.cancel();
        }
    }
}

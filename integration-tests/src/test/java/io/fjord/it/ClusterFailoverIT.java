package io.fjord.it;

import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.MetadataResponse;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.TopicMetadata;
import io.fjord.proto.controller.BrokerStatus;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.fjord.proto.controller.FollowMetadataRequest;
import io.fjord.proto.controller.MetadataEvent;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3's end-to-end claims on a cluster of separate processes (3 controllers, 3 brokers) started
 * by the real `fjord cluster` command: controller failover keeps the image, a restarted controller
 * catches up, a SIGKILLed broker's partitions get new leaders from their ISR within the session
 * timeout + 2 s, and the broker is unfenced again after a restart.
 */
class ClusterFailoverIT {
    /** The controllers' default broker.session.timeout.ms (ControllerConfig). */
    private static final long SESSION_TIMEOUT_MS = 6_000;

    @TempDir
    Path work;

    @Test
    void controllerAndBrokerFailover() throws Exception {
        try (LocalClusterHarness cluster = new LocalClusterHarness(work.resolve("cluster"))) {
            cluster.up(3, 3);
            try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("events", 12, (short) 3)));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> allLed(cluster.metadataFrom(1).orElse(null), "events", 12));
            Map<Integer, PartitionMetadata> before = partitions(cluster.metadataFrom(1).orElseThrow(), "events");

            // ---- SIGKILL the active controller.
            DescribeQuorumResponse q = cluster.quorum().orElseThrow();
            int oldLeader = q.getLeaderId();
            long killedAt = System.nanoTime();
            assertEquals(0, cluster.cluster("kill", "controller-" + oldLeader).exit());
            Awaitility.await("a new active controller").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.quorum().map(r -> r.getLeaderId() >= 0 && r.getLeaderId() != oldLeader).orElse(false));
            long controllerFailoverMs = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("controller failover: new active controller after " + controllerFailoverMs + " ms");
            Map<Integer, PartitionMetadata> afterControllerKill = partitions(cluster.metadataFrom(2).orElseThrow(), "events");
            assertEquals(before, afterControllerKill, "the image is unchanged by a controller failover");

            // A write through the new active controller works, and the killed controller catches up after a restart.
            try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("after-failover", 3, (short) 3)));
            }
            assertEquals(0, cluster.cluster("start", "controller-" + oldLeader).exit());
            int survivor = cluster.quorum().orElseThrow().getLeaderId();
            Awaitility.await("the restarted controller catches up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.quorumFrom(oldLeader).map(r -> r.getCommittedOffset()
                            >= cluster.quorumFrom(survivor).map(DescribeQuorumResponse::getCommittedOffset).orElse(Long.MAX_VALUE)).orElse(false));
            assertEquals(image(cluster.controllerPort(survivor)).topics(), image(cluster.controllerPort(oldLeader)).topics(),
                    "the restarted controller serves the same image");

            // ---- SIGKILL a broker that leads partitions.
            Map<Integer, PartitionMetadata> current = partitions(cluster.metadataFrom(1).orElseThrow(), "events");
            int victim = current.get(0).getLeaderId();
            int observer = victim == 1 ? 2 : 1;
            long brokerKilledAt = System.nanoTime();
            assertEquals(0, cluster.cluster("kill", "broker-" + victim).exit());
            Awaitility.await("every partition of broker-" + victim + " has a new leader from its ISR")
                    .atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 2_000)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.metadataFrom(observer).map(md -> ReplicationSupport.reElected(current, partitions(md, "events"), victim)).orElse(false));
            long brokerFailoverMs = (System.nanoTime() - brokerKilledAt) / 1_000_000;
            System.out.println("broker failover: all partitions of broker-" + victim + " re-led after " + brokerFailoverMs + " ms");
            Map<Integer, PartitionMetadata> afterBrokerKill = partitions(cluster.metadataFrom(observer).orElseThrow(), "events");
            for (PartitionMetadata p : afterBrokerKill.values()) {
                assertFalse(p.getIsrList().contains(victim), "the fenced broker left the ISR of partition " + p.getPartition());
            }

            // ---- Restart it: it registers again and is unfenced.
            assertEquals(0, cluster.cluster("start", "broker-" + victim).exit());
            Awaitility.await("broker-" + victim + " unfenced again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.quorum().map(r -> r.getBrokersList().stream()
                            .anyMatch(b -> b.getBrokerId() == victim && !b.getFenced())).orElse(false));
            LocalClusterHarness.Cli status = cluster.cluster("status");
            assertEquals(0, status.exit());
            assertTrue(status.out().contains("broker-" + victim), status.out());
            for (BrokerStatus b : cluster.quorum().orElseThrow().getBrokersList()) {
                assertFalse(b.getFenced(), "broker " + b.getBrokerId() + " unfenced");
            }
        }
    }

    private static boolean allLed(MetadataResponse md, String topic, int count) {
        if (md == null) {
            return false;
        }
        Map<Integer, PartitionMetadata> ps = partitions(md, topic);
        return ps.size() == count && ps.values().stream().allMatch(p -> p.getLeaderId() >= 0);
    }


    /** Partition → metadata, without the fields a broker fills from its own log (HW, offsets). */
    private static Map<Integer, PartitionMetadata> partitions(MetadataResponse md, String topic) {
        Map<Integer, PartitionMetadata> out = new HashMap<>();
        for (TopicMetadata t : md.getTopicsList()) {
            if (t.getName().equals(topic)) {
                for (PartitionMetadata p : t.getPartitionsList()) {
                    out.put(p.getPartition(), p.toBuilder().clearHighWatermark().clearLogStartOffset().clearLogEndOffset()
                            .clearOfflineReplicas().build());
                }
            }
        }
        return out;
    }

    /** A controller's image, rebuilt from everything its FollowMetadata stream serves. */
    private static MetadataImage image(int controllerPort) throws InterruptedException {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", controllerPort).usePlaintext().build();
        try {
            MetadataImage image = MetadataImage.EMPTY;
            // The stream never ends by itself: read what it serves within a few seconds, then stop.
            Iterator<MetadataEvent> events = ControllerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(3, TimeUnit.SECONDS)
                    .followMetadata(FollowMetadataRequest.newBuilder().setBrokerId(-1).setFromOffset(0).build());
            try {
                while (events.hasNext()) {
                    MetadataEvent e = events.next();
                    MetadataDelta delta = new MetadataDelta(e.getResetImage() ? MetadataImage.EMPTY : image);
                    delta.replay(e.getBatch(), e.getLastOffset());
                    image = delta.apply(e.getLastOffset());
                }
            } catch (io.grpc.StatusRuntimeException expected) {
                assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, expected.getStatus().getCode(), expected.toString());
            }
            assertNotEquals(MetadataImage.EMPTY, image);
            return image;
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

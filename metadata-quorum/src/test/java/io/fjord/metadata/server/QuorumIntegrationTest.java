package io.fjord.metadata.server;

import io.fjord.metadata.broker.ControllerClient;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.DescribeQuorumResponse;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/** Three Ratis controllers in one JVM: replication, failover, snapshots, restart and snapshot install. */
class QuorumIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** The test's broker registers once and never heartbeats again; it must stay unfenced. */
    private static final Map<String, String> LONG_SESSION = Map.of("broker.session.timeout.ms", "600000");

    @TempDir
    Path dir;

    /** Registers broker 1 and gets it unfenced, so that topics can be created. */
    static long liveBroker(ControllerClient client, int id) {
        RegisterBrokerResponse r = client.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(id).setIncarnationId("inc-" + id)
                .setClusterId("test-cluster").addEndpoints(NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(9000 + id)).build());
        assertEquals(ErrorCode.NONE, r.getErrorCode(), r.getErrorMessage());
        BrokerHeartbeatResponse hb = client.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(id)
                .setBrokerEpoch(r.getBrokerEpoch()).setCurrentMetadataOffset(r.getBrokerEpoch()).build());
        assertEquals(ErrorCode.NONE, hb.getErrorCode(), hb.getErrorMessage());
        assertFalse(hb.getIsFenced());
        return r.getBrokerEpoch();
    }

    static void createTopic(ControllerClient client, String name) {
        await().atMost(WAIT).until(() -> {
            CreateTopicsResponse r = client.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                    .setName(name).setNumPartitions(1).setReplicationFactor(1)).build());
            ErrorCode code = r.getTopics(0).getErrorCode();
            return code == ErrorCode.NONE || code == ErrorCode.TOPIC_ALREADY_EXISTS;
        });
    }

    @Test
    void writesThroughAnyControllerApplyEverywhereAndSurviveLeaderFailover() {
        try (QuorumHarness q = new QuorumHarness(dir, 3, LONG_SESSION).startAll()) {
            ControllerServer leader = q.awaitLeader(WAIT);
            int follower = leader.nodeId() % 3 + 1;
            try (ControllerClient viaFollower = new ControllerClient(List.of(q.apiAddress(follower)), 5000)) {
                liveBroker(viaFollower, 1);
                CreateTopicsResponse r = viaFollower.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                        .setName("orders").setNumPartitions(3).setReplicationFactor(1)).build());
                assertEquals(ErrorCode.NONE, r.getTopics(0).getErrorCode(), "a follower forwards to the active controller");
                MetadataImage image = q.awaitConverged(WAIT);
                assertEquals(3, image.topics().topic("orders").partitions().size());

                DescribeQuorumResponse d = viaFollower.describeQuorum();
                assertEquals(leader.nodeId(), d.getLeaderId());
                assertEquals(3, d.getVotersCount());

                long stoppedAt = System.nanoTime();
                q.stop(leader.nodeId());
                ControllerServer next = q.awaitLeader(Duration.ofSeconds(5));
                assertNotEquals(leader.nodeId(), next.nodeId());
                assertTrue(Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis() < 5000);
                assertEquals(image.topics(), next.image().topics(), "the new leader serves the same image");

                try (ControllerClient any = new ControllerClient(q.bootstrapServers(), 2000)) {
                    createTopic(any, "after-failover");
                }
                MetadataImage after = q.awaitConverged(WAIT);
                assertNotNull(after.topics().topic("after-failover"));
                assertNotNull(after.topics().topic("orders"));
            }
        }
    }

    @Test
    void snapshotsAreTakenUsedOnRestartAndInstalledOnALaggingPeer() throws IOException {
        Map<String, String> small = Map.of("metadata.snapshot.interval.records", "10", "metadata.log.segment.bytes", "16384",
                "metadata.follow.window.batches", "50", "broker.session.timeout.ms", "600000");
        try (QuorumHarness q = new QuorumHarness(dir, 3, small).startAll()) {
            ControllerServer leader = q.awaitLeader(WAIT);
            try (ControllerClient client = new ControllerClient(q.bootstrapServers(), 5000)) {
                liveBroker(client, 1);
                String pad = "x".repeat(200);
                for (int i = 0; i < 30; i++) {
                    createTopic(client, "a" + i + pad);
                }
                q.awaitConverged(WAIT);
                for (int id = 1; id <= 3; id++) {
                    int node = id;
                    await().atMost(WAIT).until(() -> !snapshotFiles(q.dir(node)).isEmpty());
                }

                int lagging = leader.nodeId() % 3 + 1;
                q.stop(lagging);
                for (int i = 0; i < 120; i++) {
                    createTopic(client, "b" + i + pad);
                }
                ControllerServer restarted = q.start(lagging);
                MetadataImage image = q.awaitConverged(WAIT);
                assertEquals(150, image.topics().byName().size());
                assertTrue(restarted.raftLog().stateMachine().reinitializations() >= 1,
                        "the leader purged the entries it missed, so it must have installed a snapshot");

                // A restarted controller recovers from its own snapshot plus the log tail.
                int other = leader.nodeId() % 3 + 1 == lagging ? (lagging % 3) + 1 : leader.nodeId() % 3 + 1;
                assertNotEquals(lagging, other);
                List<Path> before = snapshotFiles(q.dir(other));
                assertFalse(before.isEmpty());
                q.stop(other);
                createTopic(client, "while-down");
                ControllerServer back = q.start(other);
                assertTrue(back.raftLog().stateMachine().loadedSnapshotOffset() > 0, "loaded its snapshot on start");
                MetadataImage recovered = q.awaitConverged(WAIT);
                assertNotNull(recovered.topics().topic("while-down"));
                assertEquals(recovered, back.image());
            }
        }
    }

    static List<Path> snapshotFiles(Path controllerDir) throws IOException {
        try (Stream<Path> s = Files.walk(controllerDir)) {
            return s.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
        }
    }
}

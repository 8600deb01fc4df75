package io.fjord.metadata.broker;

import io.fjord.metadata.common.Time;
import io.fjord.metadata.image.LocalReplicaChanges;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicPartition;
import io.fjord.metadata.server.ControllerServer;
import io.fjord.metadata.server.QuorumHarness;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/** BrokerLifecycleManager against real controllers (Ratis, gRPC) in this JVM. */
class BrokerLifecycleManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Map<String, String> FAST = Map.of("broker.session.timeout.ms", "1500", "broker.heartbeat.interval.ms", "100");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Records what the listener saw. */
    static final class Recorder implements MetadataListener {
        final int brokerId;
        final Set<TopicPartition> leading = ConcurrentHashMap.newKeySet();
        final List<Long> offsets = new CopyOnWriteArrayList<>();
        final List<Boolean> resets = new CopyOnWriteArrayList<>();

        Recorder(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public void onMetadataUpdate(io.fjord.metadata.image.MetadataDelta delta, MetadataImage newImage) {
            offsets.add(newImage.offset());
            resets.add(delta.isReset());
            LocalReplicaChanges c = delta.topicsDelta().localChanges(brokerId);
            leading.addAll(c.leaders().keySet());
            leading.removeAll(c.followers().keySet());
            leading.removeAll(c.deletes().keySet());
        }
    }

    private BrokerLifecycleManager broker(QuorumHarness q, int id, Recorder rec) {
        BrokerLifecycleManager m = new BrokerLifecycleManager(new BrokerLifecycleManager.Config(id, UUID.randomUUID().toString(),
                List.of(NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(9000 + id).build()), "", "test-cluster",
                q.bootstrapServers(), 100, 2000), rec, Time.SYSTEM);
        toClose.add(0, m);
        m.start();
        return m;
    }

    private QuorumHarness quorum(int size) {
        QuorumHarness q = new QuorumHarness(dir, size, FAST).startAll();
        toClose.add(q);
        q.awaitLeader(WAIT);
        return q;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private static void createTopic(BrokerLifecycleManager m, String name, int partitions, int rf) {
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            CreateTopicsResponse r = m.client().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                    .setName(name).setNumPartitions(partitions).setReplicationFactor(rf)).build());
            return r.getTopics(0).getErrorCode() == ErrorCode.NONE;
        });
    }

    @Test
    void registersIsUnfencedAndFollowsTopicCreation() throws Exception {
        QuorumHarness q = quorum(1);
        Recorder rec = new Recorder(1);
        BrokerLifecycleManager b = broker(q, 1, rec);
        b.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(b.isFenced());
        assertTrue(b.brokerEpoch() > 0);
        createTopic(b, "events", 2, 1);
        await().atMost(WAIT).until(() -> rec.leading.equals(Set.of(new TopicPartition("events", 0), new TopicPartition("events", 1))));
        ControllerServer c = q.server(1);
        await().atMost(WAIT).until(() -> b.currentImage().equals(c.image()));
        for (int i = 1; i < rec.offsets.size(); i++) {
            assertTrue(rec.offsets.get(i) > rec.offsets.get(i - 1), "applied in log order: " + rec.offsets);
        }

        BrokerLifecycleManager twin = broker(q, 1, new Recorder(1));
        await().atMost(WAIT).until(() -> twin.lastRegistrationError() != null);
        assertTrue(twin.lastRegistrationError().startsWith("DUPLICATE_BROKER_REGISTRATION"), twin.lastRegistrationError());
        assertEquals(-1, twin.brokerEpoch());
        assertFalse(b.isFenced(), "the live broker keeps its registration");
    }

    @Test
    void brokerThatStopsHeartbeatingIsFencedAndLosesItsLeaderships() throws Exception {
        QuorumHarness q = quorum(1);
        Recorder rec1 = new Recorder(1);
        BrokerLifecycleManager b1 = broker(q, 1, rec1);
        BrokerLifecycleManager b2 = broker(q, 2, new Recorder(2));
        b1.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        b2.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        createTopic(b1, "t", 4, 2);
        b2.close();   // no controlled shutdown: its session stream ends, fenced after broker.connection.grace.ms
        ControllerServer c = q.server(1);
        await().atMost(WAIT).until(() -> c.image().cluster().broker(2).fenced());
        for (PartitionRegistration p : c.image().topics().topic("t").partitions().values()) {
            assertEquals(1, p.leader());
            assertEquals(List.of(1), p.isr());
        }
        await().atMost(WAIT).until(() -> rec1.leading.size() == 4);
        assertFalse(c.image().cluster().broker(1).fenced(), "the broker that kept heartbeating stays unfenced");
    }

    @Test
    void controlledShutdownMovesLeadershipAwayFirst() throws Exception {
        QuorumHarness q = quorum(1);
        BrokerLifecycleManager b1 = broker(q, 1, new Recorder(1));
        BrokerLifecycleManager b2 = broker(q, 2, new Recorder(2));
        b1.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        b2.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        createTopic(b1, "t", 4, 2);
        ControllerServer c = q.server(1);
        assertTrue(c.image().topics().topic("t").partitions().values().stream().anyMatch(p -> p.leader() == 2));
        assertTrue(b2.controlledShutdown(Duration.ofSeconds(10)));
        assertTrue(c.image().cluster().broker(2).fenced());
        assertTrue(c.image().topics().topic("t").partitions().values().stream().allMatch(p -> p.leader() == 1));
    }

    @Test
    void streamResumesFromTheLastOffsetOnAnotherController() throws Exception {
        QuorumHarness q = quorum(3);
        Recorder rec = new Recorder(1);
        BrokerLifecycleManager b = broker(q, 1, rec);
        b.firstUnfenced().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        createTopic(b, "before", 1, 1);
        await().atMost(WAIT).until(() -> b.currentImage().topics().topic("before") != null);
        int resetsBefore = (int) rec.resets.stream().filter(r -> r).count();

        String streaming = q.bootstrapServers().get(0);   // the stream starts on the first bootstrap server
        q.stop(1);
        assertEquals("127.0.0.1:" + streaming.substring(streaming.lastIndexOf(':') + 1), q.apiAddress(1));
        q.awaitLeader(WAIT);
        createTopic(b, "after", 1, 1);
        await().atMost(WAIT).until(() -> b.currentImage().topics().topic("after") != null);
        assertEquals(resetsBefore, rec.resets.stream().filter(r -> r).count(), "resumed from its offset, no image reset");
        assertNotNull(b.currentImage().topics().topic("before"));
        for (int i = 1; i < rec.offsets.size(); i++) {
            assertTrue(rec.offsets.get(i) > rec.offsets.get(i - 1), "no batch applied twice: " + rec.offsets);
        }
        await().atMost(WAIT).until(() -> b.currentImage().equals(q.running().get(0).image()));
    }
}

package io.fjord.metadata.server;

import io.fjord.metadata.broker.BrokerLifecycleManager;
import io.fjord.metadata.broker.ControllerClient;
import io.fjord.metadata.common.Time;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.raft.RecentBatches;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.controller.BrokerSessionEvent;
import io.fjord.proto.controller.BrokerSessionRequest;
import io.fjord.proto.controller.ControllerServiceGrpc;
import io.fjord.proto.metadata.MetadataRecord;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Fast fencing through the BrokerSession stream, against real controllers (Ratis, gRPC) in this JVM,
 * with a session timeout of a minute, so any fencing seen here is the connection grace at work:
 * a session stream that breaks and is not reopened within broker.connection.grace.ms fences its
 * broker; one reopened in time (a blip) does not; a session on a controller that is not active is
 * refused; after a controller failover the brokers' sessions move to the new active controller.
 */
class BrokerSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long GRACE_MS = ControllerConfig.DEFAULT_CONNECTION_GRACE_MS;
    private static final Map<String, String> LONG_SESSION = Map.of("broker.session.timeout.ms", "60000");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(0, c);
        return c;
    }

    private QuorumHarness quorum(int size) {
        QuorumHarness q = new QuorumHarness(dir, size, LONG_SESSION).startAll();
        closeLater(q);
        q.awaitLeader(WAIT);
        return q;
    }

    /** A raw BrokerSession call. */
    static final class SessionCall implements ClientResponseObserver<BrokerSessionRequest, BrokerSessionEvent> {
        final List<BrokerSessionEvent> events = new CopyOnWriteArrayList<>();
        volatile ClientCallStreamObserver<BrokerSessionRequest> call;
        volatile boolean ended;

        @Override public void beforeStart(ClientCallStreamObserver<BrokerSessionRequest> rs) { call = rs; }
        @Override public void onNext(BrokerSessionEvent e) { events.add(e); }
        @Override public void onError(Throwable t) { ended = true; }
        @Override public void onCompleted() { ended = true; }
    }

    private static SessionCall open(ManagedChannel ch, int brokerId, long epoch) {
        SessionCall s = new SessionCall();
        ControllerServiceGrpc.newStub(ch).brokerSession(BrokerSessionRequest.newBuilder().setBrokerId(brokerId).setBrokerEpoch(epoch).build(), s);
        await().atMost(WAIT).until(() -> !s.events.isEmpty());
        return s;
    }

    private ManagedChannel channel(String address) {
        int colon = address.lastIndexOf(':');
        ManagedChannel ch = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .usePlaintext().build();
        closeLater(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return ch;
    }

    /** Every FenceBrokerRecord for the broker still in the controller's recent-batch window. */
    private static long fenceRecords(ControllerServer c, int brokerId) {
        RecentBatches recent = c.raftLog().stateMachine().recent();
        long n = 0;
        long from = 0;
        while (true) {
            List<RecentBatches.Entry> entries = recent.from(from, 1000);
            assertNotNull(entries, "offset " + from + " left the window");
            if (entries.isEmpty()) {
                return n;
            }
            for (RecentBatches.Entry e : entries) {
                for (MetadataRecord r : e.batch().getRecordsList()) {
                    if (r.hasFenceBroker() && r.getFenceBroker().getBrokerId() == brokerId) {
                        n++;
                    }
                }
                from = e.offset() + 1;
            }
        }
    }

    @Test
    void aSessionReopenedWithinTheGraceKeepsTheBrokerAndOneLeftClosedIsFencedAfterIt() {
        QuorumHarness q = quorum(1);
        ControllerServer c = q.server(1);
        ControllerClient client = closeLater(new ControllerClient(q.bootstrapServers(), 5000));
        long epoch = QuorumIntegrationTest.liveBroker(client, 1);
        ManagedChannel ch = channel(q.apiAddress(1));

        SessionCall first = open(ch, 1, epoch);
        assertEquals(ErrorCode.NONE, first.events.get(0).getErrorCode());
        assertEquals(1, first.events.get(0).getActiveController().getNodeId());
        await().atMost(WAIT).until(() -> c.brokerSessions().contains(1));

        // A blip: the stream goes away and a new one is open within the grace.
        first.call.cancel("blip", null);
        SessionCall second = open(ch, 1, epoch);
        assertEquals(ErrorCode.NONE, second.events.get(0).getErrorCode());
        await("not fenced for a blip").during(Duration.ofMillis(GRACE_MS * 5)).atMost(Duration.ofMillis(GRACE_MS * 5 + 5000))
                .until(() -> !c.image().cluster().broker(1).fenced());
        assertEquals(0, fenceRecords(c, 1));

        // Gone for good: fenced once the grace passes, a minute before the session would expire.
        long closedAt = System.nanoTime();
        second.call.cancel("process died", null);
        await("fenced after the grace").atMost(Duration.ofMillis(GRACE_MS + 5000)).pollInterval(Duration.ofMillis(5))
                .until(() -> c.image().cluster().broker(1).fenced());
        long fencedAfterMs = (System.nanoTime() - closedAt) / 1_000_000;
        System.out.println("session stream closed -> broker fenced after " + fencedAfterMs + " ms (grace " + GRACE_MS + " ms)");
        assertTrue(fencedAfterMs >= GRACE_MS, "fenced after " + fencedAfterMs + " ms, before the grace passed");
        assertEquals(1, fenceRecords(c, 1));
    }

    @Test
    void aSessionStreamWithAStaleEpochIsRefused() {
        QuorumHarness q = quorum(1);
        ControllerClient client = closeLater(new ControllerClient(q.bootstrapServers(), 5000));
        long epoch = QuorumIntegrationTest.liveBroker(client, 1);
        SessionCall s = open(channel(q.apiAddress(1)), 1, epoch + 100);
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, s.events.get(0).getErrorCode());
        await().atMost(WAIT).until(() -> s.ended);
    }

    @Test
    void aControllerThatIsNotActiveRefusesSessionsAndNamesTheActiveOne() {
        QuorumHarness q = quorum(3);
        ControllerServer leader = q.awaitLeader(WAIT);
        ControllerClient client = closeLater(new ControllerClient(q.bootstrapServers(), 5000));
        long epoch = QuorumIntegrationTest.liveBroker(client, 1);
        int follower = leader.nodeId() == 1 ? 2 : 1;
        SessionCall s = open(channel(q.apiAddress(follower)), 1, epoch);
        BrokerSessionEvent e = s.events.get(0);
        assertEquals(ErrorCode.NOT_CONTROLLER, e.getErrorCode());
        assertEquals(leader.nodeId(), e.getActiveController().getNodeId());
        assertEquals(leader.port(), e.getActiveController().getPort());
        await().atMost(WAIT).until(() -> s.ended);
        await().during(Duration.ofMillis(GRACE_MS * 3)).atMost(WAIT).until(() -> !leader.image().cluster().broker(1).fenced());
    }

    private BrokerLifecycleManager broker(List<String> bootstrap, int id) {
        BrokerLifecycleManager m = new BrokerLifecycleManager(new BrokerLifecycleManager.Config(id, UUID.randomUUID().toString(),
                List.of(NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(9000 + id).build()), "", "test-cluster",
                bootstrap, 100, 2000), (delta, image) -> { }, Time.SYSTEM);
        closeLater(m);
        m.start();
        return m;
    }

    @Test
    void aBrokerWhoseConnectionsAreResetReconnectsWithinTheGraceAndIsNotFenced() throws Exception {
        QuorumHarness q = quorum(1);
        ControllerServer c = q.server(1);
        TcpProxy proxy = closeLater(new TcpProxy(q.apiAddress(1)));
        BrokerLifecycleManager b = broker(List.of(proxy.address()), 1);
        b.firstUnfenced().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> b.sessionControllerId() == 1 && c.brokerSessions().contains(1));

        for (int blip = 1; blip <= 5; blip++) {
            // The session state can still show the old connection for a moment after a reset, so wait
            // for the reconnection itself before the next blip.
            await("reconnected before blip " + blip).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                    .until(() -> proxy.openConnections() > 0);
            assertTrue(proxy.resetConnections() > 0, "the broker's connection went through the proxy");
            await("session reopened after blip " + blip).atMost(WAIT).pollInterval(Duration.ofMillis(5))
                    .until(() -> proxy.openConnections() > 0 && b.sessionControllerId() == 1 && c.brokerSessions().contains(1));
        }
        await("not fenced for blips").during(Duration.ofMillis(GRACE_MS * 5)).atMost(WAIT)
                .until(() -> !c.image().cluster().broker(1).fenced() && !b.isFenced());
        assertEquals(0, fenceRecords(c, 1), "never fenced, not even briefly");
    }

    @Test
    void afterAControllerFailoverSessionsMoveToTheNewActiveControllerWhichFencesADeadBrokerFast() throws Exception {
        QuorumHarness q = quorum(3);
        ControllerServer old = q.awaitLeader(WAIT);
        BrokerLifecycleManager b1 = broker(q.bootstrapServers(), 1);
        BrokerLifecycleManager b2 = broker(q.bootstrapServers(), 2);
        b1.firstUnfenced().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        b2.firstUnfenced().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> b1.sessionControllerId() == old.nodeId() && b2.sessionControllerId() == old.nodeId());
        await().atMost(WAIT).ignoreExceptions().until(() -> b1.client().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(4).setReplicationFactor(2)).build())
                .getTopics(0).getErrorCode() == ErrorCode.NONE);

        q.stop(old.nodeId());
        ControllerServer active = q.awaitLeader(WAIT);
        await("sessions on the new active controller").atMost(WAIT)
                .until(() -> b1.sessionControllerId() == active.nodeId() && b2.sessionControllerId() == active.nodeId()
                        && active.brokerSessions().containsAll(List.of(1, 2)));
        assertFalse(active.image().cluster().broker(1).fenced(), "nobody was fenced for lacking a session at first");
        assertFalse(active.image().cluster().broker(2).fenced());
        assertTrue(active.image().topics().topic("t").partitions().values().stream().anyMatch(p -> p.leader() == 2));

        long closedAt = System.nanoTime();
        b2.close();   // no controlled shutdown: its session stream just ends
        await("broker 2 fenced by the new active controller").atMost(Duration.ofMillis(GRACE_MS + 5000)).pollInterval(Duration.ofMillis(5))
                .until(() -> active.image().cluster().broker(2).fenced());
        System.out.println("after a controller failover: broker closed -> fenced after " + (System.nanoTime() - closedAt) / 1_000_000 + " ms");
        for (PartitionRegistration p : active.image().topics().topic("t").partitions().values()) {
            assertEquals(1, p.leader(), "broker 1 leads " + p);
        }
        assertFalse(active.image().cluster().broker(1).fenced());
    }
}

package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AllocateProducerIdsRequest;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.RegisterBrokerResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClusterControlTest {
    private final ControlFixture f = new ControlFixture();

    @Test
    void brokerStartsFencedAndIsUnfencedOnceCaughtUpToItsRegistration() {
        RegisterBrokerResponse r = f.register(1, "inc-1", "");
        assertEquals(ErrorCode.NONE, r.getErrorCode());
        assertTrue(f.image.cluster().broker(1).fenced());
        BrokerHeartbeatResponse behind = f.commit(f.cluster.brokerHeartbeat(f.image, BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(1).setBrokerEpoch(r.getBrokerEpoch()).setCurrentMetadataOffset(r.getBrokerEpoch() - 1).build(), f.time.milliseconds()));
        assertFalse(behind.getIsCaughtUp());
        assertTrue(behind.getIsFenced());
        BrokerHeartbeatResponse caughtUp = f.heartbeat(1, false);
        assertTrue(caughtUp.getIsCaughtUp());
        assertFalse(caughtUp.getIsFenced());
        assertFalse(f.image.cluster().broker(1).fenced());
    }

    @Test
    void heartbeatWithAStaleEpochIsRefused() {
        f.liveBrokers("");
        BrokerHeartbeatResponse r = f.commit(f.cluster.brokerHeartbeat(f.image, BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(1).setBrokerEpoch(12345).build(), f.time.milliseconds()));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, r.getErrorCode());
        assertTrue(r.getErrorMessage().contains("register again"), r.getErrorMessage());
    }

    @Test
    void sessionExpiryFencesTheBrokerAndMovesItsLeaderships() {
        f.liveBrokers("", "", "");
        f.createTopic("t", 6, 3);
        f.time.sleep(ControlFixture.SESSION_MS - 1000);
        f.heartbeat(2, false);
        f.heartbeat(3, false);
        f.time.sleep(1001);   // broker 1 is now 6001 ms silent, the others 1001 ms
        List<Integer> fenced = f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds()));
        assertEquals(List.of(1), fenced);
        assertTrue(f.image.cluster().broker(1).fenced());
        TopicImage t = f.image.topics().topic("t");
        for (PartitionRegistration p : t.partitions().values()) {
            assertNotEquals(1, p.leader());
            assertFalse(p.isr().contains(1), "fenced broker leaves the ISR: " + p);
        }
        assertTrue(f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds())).isEmpty(), "nothing more to fence");
    }

    @Test
    void fencedBrokerThatReturnsLeadsItsOfflinePartitionsAgain() {
        f.liveBrokers("", "");
        String id = f.createTopic("t", 1, 1);
        int leader = f.partition("t", 0).leader();
        int other = 3 - leader;
        f.time.sleep(ControlFixture.SESSION_MS / 2);
        f.heartbeat(other, false);
        f.time.sleep(ControlFixture.SESSION_MS / 2 + 1);
        f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds()));
        PartitionRegistration offline = f.partition("t", 0);
        assertEquals(-1, offline.leader(), "only ISR member fenced: offline");
        assertEquals(List.of(leader), offline.isr(), "the ISR is never emptied");
        BrokerHeartbeatResponse back = f.heartbeat(leader, false);
        assertFalse(back.getIsFenced());
        assertEquals(leader, f.partition("t", 0).leader());
        assertEquals(offline.leaderEpoch() + 1, f.partition("t", 0).leaderEpoch());
        assertNotNull(id);
    }

    @Test
    void controlledShutdownMovesLeadershipsBeforeAgreeing() {
        f.liveBrokers("", "", "");
        f.createTopic("t", 6, 2);
        assertTrue(ReplicationControl.leadsAnything(f.image, 1));
        BrokerHeartbeatResponse r = f.heartbeat(1, true);
        assertTrue(r.getShouldShutDown());
        assertTrue(f.image.cluster().broker(1).fenced(), "fenced once it may go");
        assertFalse(ReplicationControl.leadsAnything(f.image, 1));
        for (PartitionRegistration p : f.image.topics().topic("t").partitions().values()) {
            assertTrue(p.hasLeader(), "every partition had another live ISR member: " + p);
            assertFalse(p.isr().contains(1));
        }
    }

    @Test
    void duplicateLiveBrokerIdIsRefusedUntilItsSessionExpires() {
        f.liveBrokers("");
        RegisterBrokerResponse dup = f.register(1, "other-process", "");
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, dup.getErrorCode());
        assertTrue(dup.getErrorMessage().contains("already registered by another live process"), dup.getErrorMessage());
        assertEquals("inc-1", f.image.cluster().broker(1).incarnationId());
        f.time.sleep(ControlFixture.SESSION_MS + 1);
        RegisterBrokerResponse ok = f.register(1, "other-process", "");
        assertEquals(ErrorCode.NONE, ok.getErrorCode());
        assertEquals("other-process", f.image.cluster().broker(1).incarnationId());
        RegisterBrokerResponse stale = f.register(1, "inc-1", "");
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, stale.getErrorCode());
        assertTrue(stale.getErrorMessage().contains("stale"), stale.getErrorMessage());
    }

    @Test
    void reRegistrationOfTheSameIncarnationGetsANewEpoch() {
        f.liveBrokers("");
        long first = f.image.cluster().broker(1).epoch();
        RegisterBrokerResponse again = f.register(1, "inc-1", "");
        assertEquals(ErrorCode.NONE, again.getErrorCode());
        assertTrue(again.getBrokerEpoch() > first);
    }

    @Test
    void producerIdBlocksDoNotOverlap() {
        f.liveBrokers("");
        long epoch = f.image.cluster().broker(1).epoch();
        var a = f.commit(f.cluster.allocateProducerIds(f.image, AllocateProducerIdsRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch).build()));
        var b = f.commit(f.cluster.allocateProducerIds(f.image, AllocateProducerIdsRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch).build()));
        assertEquals(0, a.getProducerIdStart());
        assertEquals(1000, a.getProducerIdLen());
        assertEquals(1000, b.getProducerIdStart());
        assertEquals(2000, f.image.producerIds().nextProducerId());
        var stale = f.commit(f.cluster.allocateProducerIds(f.image, AllocateProducerIdsRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch + 7).build()));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.getErrorCode());
    }

    // ---------------------------------------------------------------- fencing on a broken session stream

    /** Opens a session stream for broker {@code id}'s current registration. */
    private void openSession(int id) {
        assertTrue(f.cluster.brokerSessionOpened(f.image, id, f.image.cluster().broker(id).epoch()));
    }

    /** The broker's side of a session stream went away (its process died, or it cancelled). */
    private boolean breakSession(int id) {
        return f.cluster.brokerSessionClosed(f.image, id, f.image.cluster().broker(id).epoch(), true, f.time.milliseconds());
    }

    private List<Integer> fenceExpired() {
        return f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds()));
    }

    @Test
    void lostConnectionFencesAfterTheGraceUnlessTheBrokerIsHeardFrom() {
        f.liveBrokers("", "");
        f.createTopic("t", 4, 2);
        openSession(1);
        openSession(2);
        assertTrue(breakSession(1));
        assertTrue(breakSession(2));
        f.time.sleep(100);
        f.heartbeat(2, false);   // alive after all: a heartbeat received after the break
        f.time.sleep(ControlFixture.GRACE_MS - 100);
        assertEquals(List.of(), fenceExpired(), "still within the grace");
        f.time.sleep(1);
        assertEquals(List.of(1), fenceExpired(), "grace passed; the session (6 s) is far from expiring");
        assertTrue(f.image.cluster().broker(1).fenced());
        assertFalse(f.image.cluster().broker(2).fenced());
        assertFalse(ReplicationControl.leadsAnything(f.image, 1), "its partitions have new leaders");
        assertEquals(List.of(), fenceExpired(), "fenced once");
    }

    @Test
    void aSessionReopenedWithinTheGraceIsNotFenced() {
        f.liveBrokers("");
        openSession(1);
        breakSession(1);
        f.time.sleep(ControlFixture.GRACE_MS - 1);
        openSession(1);   // the blip: the broker reconnected
        f.time.sleep(ControlFixture.GRACE_MS * 10);
        assertEquals(List.of(), fenceExpired());
        assertFalse(f.image.cluster().broker(1).fenced());
    }

    @Test
    void aHeartbeatReceivedNoLaterThanTheBreakDoesNotExcuseIt() {
        f.liveBrokers("");
        openSession(1);
        long sentJustBeforeDeath = f.time.milliseconds();
        breakSession(1);
        // Processed after the break but received in the same millisecond: it may predate the death.
        f.commit(f.cluster.brokerHeartbeat(f.image, io.fjord.proto.controller.BrokerHeartbeatRequest.newBuilder().setBrokerId(1)
                .setBrokerEpoch(f.image.cluster().broker(1).epoch()).setCurrentMetadataOffset(f.image.offset()).build(),
                sentJustBeforeDeath));
        f.time.sleep(ControlFixture.GRACE_MS + 1);
        assertEquals(List.of(1), fenceExpired());
    }

    @Test
    void onlyTheLastOpenSessionBreakingCounts() {
        f.liveBrokers("");
        openSession(1);
        openSession(1);   // a new stream opened before the old one's end was seen
        assertFalse(breakSession(1));
        f.time.sleep(ControlFixture.GRACE_MS * 2);
        assertEquals(List.of(), fenceExpired());
        assertTrue(breakSession(1));
        f.time.sleep(ControlFixture.GRACE_MS + 1);
        assertEquals(List.of(1), fenceExpired());
    }

    @Test
    void aStreamTheControllerEndsIsNotALostConnection() {
        f.liveBrokers("");
        openSession(1);
        assertFalse(f.cluster.brokerSessionClosed(f.image, 1, f.image.cluster().broker(1).epoch(), false, f.time.milliseconds()));
        f.time.sleep(ControlFixture.GRACE_MS * 2);
        assertEquals(List.of(), fenceExpired());
    }

    @Test
    void aBrokerThatNeverOpenedASessionIsOnlyFencedBySessionExpiry() {
        f.liveBrokers("");
        f.time.sleep(ControlFixture.SESSION_MS);
        assertEquals(List.of(), fenceExpired());
        f.time.sleep(1);
        assertEquals(List.of(1), fenceExpired());
    }

    @Test
    void aPausedBrokerKeepsItsStreamAndIsFencedOnlyWhenItsSessionExpires() {
        f.liveBrokers("", "");
        openSession(1);
        openSession(2);
        // Broker 1 is SIGSTOPped: its connection stays open, nothing breaks; broker 2 keeps heartbeating.
        for (long t = 0; t < ControlFixture.SESSION_MS; t += 500) {
            f.time.sleep(500);
            f.heartbeat(2, false);
            assertEquals(List.of(), fenceExpired(), "at +" + (t + 500) + " ms");
        }
        f.time.sleep(1);
        f.heartbeat(2, false);
        assertEquals(List.of(1), fenceExpired());
    }

    @Test
    void aBrokerAfterControlledShutdownIsNotFencedAgainWhenItsStreamCloses() {
        f.liveBrokers("", "");
        f.createTopic("t", 2, 2);
        openSession(1);
        assertTrue(f.heartbeat(1, true).getShouldShutDown());
        assertTrue(f.image.cluster().broker(1).fenced());
        long offset = f.image.offset();
        assertFalse(breakSession(1), "already fenced: nothing to do");
        f.time.sleep(ControlFixture.GRACE_MS + 1);
        assertEquals(List.of(), fenceExpired());
        assertEquals(offset, f.image.offset(), "no record written");
    }

    @Test
    void aLostConnectionOfAnEarlierRegistrationDoesNotFenceTheNextOne() {
        f.liveBrokers("");
        openSession(1);
        long oldEpoch = f.image.cluster().broker(1).epoch();
        // The break is seen only after the broker registered again (same process, new epoch).
        assertEquals(io.fjord.proto.ErrorCode.NONE, f.register(1, "inc-1", "").getErrorCode());
        f.heartbeat(1, false);
        assertFalse(f.image.cluster().broker(1).fenced());
        f.cluster.brokerSessionClosed(f.image, 1, oldEpoch, true, f.time.milliseconds());
        f.time.sleep(ControlFixture.GRACE_MS + 1);
        assertEquals(List.of(), fenceExpired());
        assertFalse(f.image.cluster().broker(1).fenced());
    }

    @Test
    void aSessionForAStaleEpochIsRefused() {
        f.liveBrokers("");
        assertFalse(f.cluster.brokerSessionOpened(f.image, 1, f.image.cluster().broker(1).epoch() + 5));
        assertFalse(f.cluster.brokerSessionOpened(f.image, 9, 1), "unknown broker");
    }

    @Test
    void aNegativeGraceTurnsFastFencingOff() {
        BrokerHeartbeatManager off = new BrokerHeartbeatManager(6000, -1);
        off.sessionOpened(1);
        assertFalse(off.sessionClosed(1, 5, true, 0));
        assertEquals(List.of(), off.graceExpired(1_000_000));
    }
}

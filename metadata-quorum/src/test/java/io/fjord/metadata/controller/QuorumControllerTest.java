package io.fjord.metadata.controller;

import io.fjord.metadata.common.MockTime;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.CreateTopicsResponse;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class QuorumControllerTest {
    private final MockTime time = new MockTime();
    private final InMemoryMetadataLog log = new InMemoryMetadataLog();
    private final QuorumController controller = new QuorumController(log,
            new ControllerSettings("c", 1, 1, false, 6000, 1000), time, new Random(1), 1000, 0);

    @AfterEach
    void close() {
        controller.close();
    }

    private long registerLive(int id) throws Exception {
        RegisterBrokerResponse r = controller.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(id)
                .setIncarnationId("i" + id).build()).get(5, TimeUnit.SECONDS);
        assertEquals(ErrorCode.NONE, r.getErrorCode());
        assertEquals(log.image().cluster().broker(id).epoch(), r.getBrokerEpoch(), "the epoch is the offset the record committed at");
        var hb = controller.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(r.getBrokerEpoch())
                .setCurrentMetadataOffset(r.getBrokerEpoch()).build()).get(5, TimeUnit.SECONDS);
        assertFalse(hb.getIsFenced());
        return r.getBrokerEpoch();
    }

    @Test
    void concurrentCreatesOfOneTopicAreSerialized() throws Exception {
        registerLive(1);
        List<CompletableFuture<CreateTopicsResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(controller.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                    .setName("t").setNumPartitions(1 + i % 3).setReplicationFactor(1)).build()));
        }
        int created = 0;
        for (CompletableFuture<CreateTopicsResponse> f : futures) {
            ErrorCode code = f.get(5, TimeUnit.SECONDS).getTopics(0).getErrorCode();
            if (code == ErrorCode.NONE) {
                created++;
            } else {
                assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, code);
            }
        }
        assertEquals(1, created);
        long topicRecords = log.batches.stream().flatMap(List::stream).filter(r -> r.hasTopic()).count();
        assertEquals(1, topicRecords, "later creates saw the first one applied, so they wrote nothing");
    }

    @Test
    void inactiveControllerAnswersNotController() {
        log.setActive(false);
        ExecutionException e = assertThrows(ExecutionException.class, () -> controller.createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("t")).build()).get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotControllerException.class, e.getCause());
    }

    @Test
    void aNewLeaderTermGivesEveryBrokerAFreshSession() throws Exception {
        registerLive(1);
        time.sleep(5000);
        log.newTerm();   // failover: the new active controller never heard this broker's heartbeats
        time.sleep(5000);
        assertEquals(List.of(), controller.fenceExpiredBrokers().get(5, TimeUnit.SECONDS));
        time.sleep(6001);
        assertEquals(List.of(1), controller.fenceExpiredBrokers().get(5, TimeUnit.SECONDS));
        assertTrue(log.image().cluster().broker(1).fenced());
    }

    @Test
    void aBrokenSessionStreamFencesTheBrokerOnceTheGracePasses() throws Exception {
        long epoch = registerLive(1);
        long term = controller.openBrokerSession(1, epoch).get(5, TimeUnit.SECONDS);
        assertEquals(log.leaderTerm(), term);
        assertEquals(Map.of(1, 1), controller.openBrokerSessions().get(5, TimeUnit.SECONDS));
        controller.brokerSessionClosed(1, epoch, term, true, time.milliseconds());
        time.sleep(1000);
        assertEquals(List.of(), controller.fenceExpiredBrokers().get(5, TimeUnit.SECONDS), "within the 1000 ms grace");
        time.sleep(1);
        assertEquals(List.of(1), controller.fenceExpiredBrokers().get(5, TimeUnit.SECONDS));
        assertTrue(log.image().cluster().broker(1).fenced());
    }

    @Test
    void sessionsCountOnlyInTheTermTheyWereOpenedIn() throws Exception {
        long epoch = registerLive(1);
        long term = controller.openBrokerSession(1, epoch).get(5, TimeUnit.SECONDS);
        log.newTerm();   // re-elected: the streams of the earlier term were ended and mean nothing now
        controller.brokerSessionClosed(1, epoch, term, true, time.milliseconds());
        time.sleep(2000);
        assertEquals(List.of(), controller.fenceExpiredBrokers().get(5, TimeUnit.SECONDS),
                "a new active controller holds no streams and fences nobody for lacking one");
        assertEquals(Map.of(), controller.openBrokerSessions().get(5, TimeUnit.SECONDS));
        assertFalse(log.image().cluster().broker(1).fenced());
    }

    @Test
    void sessionsAreOnlyOpenedOnTheActiveControllerForTheCurrentRegistration() throws Exception {
        long epoch = registerLive(1);
        assertEquals(-1L, controller.openBrokerSession(1, epoch + 1).get(5, TimeUnit.SECONDS));
        log.setActive(false);
        ExecutionException e = assertThrows(ExecutionException.class, () -> controller.openBrokerSession(1, epoch).get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotControllerException.class, e.getCause());
    }
}

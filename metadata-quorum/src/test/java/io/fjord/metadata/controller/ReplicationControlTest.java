package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionData;
import io.fjord.proto.controller.AlterPartitionRequest;
import io.fjord.proto.controller.AlterPartitionResponse;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.proto.controller.AlterPartitionTopic;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReplicationControlTest {
    private final ControlFixture f = new ControlFixture();

    static AlterPartitionRequest alter(int broker, long brokerEpoch, String topic, int p, int leaderEpoch, int partitionEpoch,
                                       Integer... isr) {
        return AlterPartitionRequest.newBuilder().setBrokerId(broker).setBrokerEpoch(brokerEpoch)
                .addTopics(AlterPartitionTopic.newBuilder().setTopic(topic).addPartitions(AlterPartitionData.newBuilder()
                        .setPartition(p).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(List.of(isr)))).build();
    }

    private AlterPartitionResult send(int broker, int leaderEpoch, int partitionEpoch, Integer... isr) {
        long epoch = f.image.cluster().broker(broker).epoch();
        AlterPartitionResponse r = f.commit(f.replication.alterPartition(f.image, alter(broker, epoch, "t", 0, leaderEpoch, partitionEpoch, isr)));
        assertEquals(ErrorCode.NONE, r.getErrorCode());
        return r.getTopics(0).getPartitions(0);
    }

    @Test
    void leaderShrinksAndExpandsTheIsrGuardedByEpochs() {
        f.liveBrokers("", "", "");
        f.createTopic("t", 1, 3);
        PartitionRegistration reg = f.partition("t", 0);
        int leader = reg.leader();
        int out = reg.replicas().get(2);

        AlterPartitionResult shrink = send(leader, reg.leaderEpoch(), reg.partitionEpoch(), reg.replicas().subList(0, 2).toArray(Integer[]::new));
        assertEquals(ErrorCode.NONE, shrink.getErrorCode());
        assertEquals(reg.partitionEpoch() + 1, shrink.getPartitionEpoch());
        assertEquals(reg.replicas().subList(0, 2), f.partition("t", 0).isr());
        assertEquals(reg.leaderEpoch(), f.partition("t", 0).leaderEpoch(), "an ISR change keeps the leader epoch");

        AlterPartitionResult stale = send(leader, reg.leaderEpoch(), reg.partitionEpoch(), reg.replicas().toArray(Integer[]::new));
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, stale.getErrorCode(), "old partition epoch");
        assertEquals(shrink.getPartitionEpoch(), stale.getPartitionEpoch(), "the answer carries the current state");
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, send(leader, reg.leaderEpoch() - 1, shrink.getPartitionEpoch(), leader).getErrorCode());
        assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH, send(leader, reg.leaderEpoch() + 1, shrink.getPartitionEpoch(), leader).getErrorCode());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, send(out, reg.leaderEpoch(), shrink.getPartitionEpoch(), out).getErrorCode());

        AlterPartitionResult expand = send(leader, reg.leaderEpoch(), shrink.getPartitionEpoch(), reg.replicas().toArray(Integer[]::new));
        assertEquals(ErrorCode.NONE, expand.getErrorCode());
        assertEquals(reg.replicas(), f.partition("t", 0).isr());
    }

    @Test
    void newIsrMustHoldTheLeaderOnlyReplicasAndOnlyLiveAdditions() {
        f.liveBrokers("", "", "");
        f.register(4, "inc-4", "");   // fenced
        f.createTopic("t", 1, 2);
        PartitionRegistration reg = f.partition("t", 0);
        int leader = reg.leader();
        int follower = reg.replicas().get(1);
        int outsider = List.of(1, 2, 3).stream().filter(b -> !reg.replicas().contains(b)).findFirst().orElseThrow();
        assertEquals(ErrorCode.INVALID_REQUEST, send(leader, reg.leaderEpoch(), reg.partitionEpoch(), follower).getErrorCode());
        assertEquals(ErrorCode.INVALID_REQUEST, send(leader, reg.leaderEpoch(), reg.partitionEpoch(), leader, outsider).getErrorCode());
        assertEquals(ErrorCode.INVALID_REQUEST, send(leader, reg.leaderEpoch(), reg.partitionEpoch(), leader, leader).getErrorCode());
        // Shrink to the leader, fence the follower, then try to add it back.
        send(leader, reg.leaderEpoch(), reg.partitionEpoch(), leader);
        f.commit(f.cluster.brokerHeartbeat(f.image, io.fjord.proto.controller.BrokerHeartbeatRequest.newBuilder().setBrokerId(follower)
                .setBrokerEpoch(f.image.cluster().broker(follower).epoch()).setWantFence(true).build(), f.time.milliseconds()));
        assertTrue(f.image.cluster().broker(follower).fenced());
        PartitionRegistration now = f.partition("t", 0);
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, send(leader, now.leaderEpoch(), now.partitionEpoch(), leader, follower).getErrorCode());
    }

    @Test
    void staleBrokerEpochIsRefusedForTheWholeRequest() {
        f.liveBrokers("");
        f.createTopic("t", 1, 1);
        AlterPartitionResponse r = f.commit(f.replication.alterPartition(f.image, alter(1, 999, "t", 0, 0, 0, 1)));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, r.getErrorCode());
    }
}

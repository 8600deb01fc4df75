package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreferredLeadersTest {
    @Test
    void leadershipReturnsToThePreferredReplicaOnceItIsBackInSync() {
        ControlFixture f = new ControlFixture();
        f.liveBrokers("", "", "");
        f.createTopic("t", 6, 3);
        assertTrue(PreferredLeaders.rebalance(f.image, 10).isEmpty(), "a fresh topic is balanced");

        // Broker 1's session expires: its partitions move to survivors, and it leaves the ISR.
        f.time.sleep(ControlFixture.SESSION_MS - 1000);
        f.heartbeat(2, false);
        f.heartbeat(3, false);
        f.time.sleep(1001);
        assertEquals(List.of(1), f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds())));
        for (int p = 0; p < 6; p++) {
            assertNotEquals(1, f.partition("t", p).leader());
        }
        assertTrue(PreferredLeaders.rebalance(f.image, 10).isEmpty(), "a fenced preferred replica gets nothing back");

        // It returns (unfenced) but is not in any ISR yet: still nothing moves.
        f.heartbeat(1, false);
        assertTrue(PreferredLeaders.rebalance(f.image, 10).isEmpty(), "not in sync: nothing moves");

        // Back in the ISR of every partition it prefers: they all move back, with bumped epochs.
        for (int p = 0; p < 6; p++) {
            PartitionRegistration reg = f.partition("t", p);
            if (reg.replicas().get(0) == 1) {
                java.util.List<Integer> grown = new java.util.ArrayList<>(reg.isr());
                grown.add(1);
                Integer[] isr = grown.toArray(Integer[]::new);
                var r = f.commit(f.replication.alterPartition(f.image, ReplicationControlTest.alter(reg.leader(),
                        f.image.cluster().broker(reg.leader()).epoch(), "t", p, reg.leaderEpoch(), reg.partitionEpoch(), isr)));
                assertEquals(io.fjord.proto.ErrorCode.NONE, r.getErrorCode(), r.toString());
            }
        }
        var moves = PreferredLeaders.rebalance(f.image, 10);
        assertEquals(2, moves.size(), "broker 1 is preferred for 2 of 6 partitions");
        f.commit(new ControllerResult<>(moves, null));
        for (int p = 0; p < 6; p++) {
            PartitionRegistration reg = f.partition("t", p);
            assertEquals(reg.replicas().get(0), reg.leader(), "partition " + p + " led by its preferred replica");
        }
    }

    @Test
    void belowTheImbalanceThresholdNothingMoves() {
        ControlFixture f = new ControlFixture();
        f.liveBrokers("", "", "");
        f.createTopic("t", 30, 3);
        // Move one of broker 1's ten preferred partitions to another in-sync replica by hand.
        for (int p = 0; p < 30; p++) {
            PartitionRegistration reg = f.partition("t", p);
            if (reg.replicas().get(0) == 1) {
                f.commit(new ControllerResult<>(List.of(io.fjord.proto.metadata.MetadataRecord.newBuilder()
                        .setPartitionChange(io.fjord.proto.metadata.PartitionChangeRecord.newBuilder()
                                .setTopicId(f.image.topics().topic("t").id()).setPartition(p).setLeader(reg.replicas().get(1))
                                .setExpectedPartitionEpoch(-1)).build()), null));
                break;
            }
        }
        assertTrue(PreferredLeaders.rebalance(f.image, 10).isEmpty(), "1 of 10 is not more than 10%");
        assertEquals(1, PreferredLeaders.rebalance(f.image, 5).size(), "but more than 5%");
    }
}

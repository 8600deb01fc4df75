package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.proto.metadata.PartitionChangeRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.*;

class PartitionElectionTest {
    private static final PartitionRegistration REG = new PartitionRegistration(List.of(1, 2, 3), List.of(1, 2, 3), 1, 5, 9);

    private static IntPredicate live(Integer... ids) {
        Set<Integer> s = Set.of(ids);
        return s::contains;
    }

    @Test
    void keepsALiveLeaderInTheIsr() {
        assertEquals(new PartitionElection.Outcome(1, List.of(1, 2, 3)), PartitionElection.elect(REG, REG.isr(), live(1, 2, 3), false));
    }

    @Test
    void fencedLeaderIsReplacedByFirstLiveIsrMemberInReplicaOrderAndLeavesTheIsr() {
        PartitionRegistration reg = new PartitionRegistration(List.of(1, 3, 2), List.of(1, 2, 3), 1, 5, 9);
        PartitionElection.Outcome o = PartitionElection.removeFromIsr(reg, 1, live(2, 3), false);
        assertEquals(new PartitionElection.Outcome(3, List.of(2, 3)), o);
        PartitionChangeRecord r = PartitionElection.changeRecord("t", 0, reg, o).orElseThrow();
        assertEquals(3, r.getLeader());
        assertEquals(List.of(2, 3), r.getIsrList());
        assertEquals(9, r.getExpectedPartitionEpoch());
        assertEquals(6, reg.merge(r).leaderEpoch());
    }

    @Test
    void lastIsrMemberStaysAndThePartitionGoesOffline() {
        PartitionRegistration reg = new PartitionRegistration(List.of(1, 2), List.of(1), 1, 0, 0);
        assertEquals(new PartitionElection.Outcome(-1, List.of(1)), PartitionElection.removeFromIsr(reg, 1, live(2), false));
    }

    @Test
    void uncleanElectionPicksFirstLiveReplicaAndIsrBecomesJustIt() {
        PartitionRegistration reg = new PartitionRegistration(List.of(1, 3, 2), List.of(1), 1, 0, 0);
        assertEquals(new PartitionElection.Outcome(3, List.of(3)), PartitionElection.removeFromIsr(reg, 1, live(2, 3), true));
        assertEquals(new PartitionElection.Outcome(-1, List.of(1)), PartitionElection.removeFromIsr(reg, 1, live(), true),
                "no live replica at all: offline");
    }

    @Test
    void offlinePartitionGetsItsIsrMemberBackAsLeader() {
        PartitionRegistration offline = new PartitionRegistration(List.of(1, 2), List.of(1), -1, 3, 4);
        assertEquals(new PartitionElection.Outcome(1, List.of(1)), PartitionElection.elect(offline, offline.isr(), live(1, 2), false));
        assertEquals(new PartitionElection.Outcome(-1, List.of(1)), PartitionElection.elect(offline, offline.isr(), live(2), false),
                "a replica outside the ISR is not elected cleanly");
    }

    @Test
    void noChangeMeansNoRecord() {
        assertTrue(PartitionElection.changeRecord("t", 0, REG, new PartitionElection.Outcome(1, REG.isr())).isEmpty());
    }
}

package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.AlterPartitionProposal;
import io.fjord.replication.EpochEndOffset;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TestBatches;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionLeaderStateTest {
    static final TopicPartition TP = new TopicPartition("t", 0);
    static final ReplicationConfig CONFIG = ReplicationConfig.defaults();
    static final int EPOCH = 5;
    static final int PARTITION_EPOCH = 10;

    final InMemoryReplicaLog log = new InMemoryReplicaLog();
    long now = 1_000L;

    PartitionLeaderState lead(List<Integer> isr, int minIsr) {
        return PartitionLeaderState.becomeLeader(TP, 1, EPOCH, PARTITION_EPOCH, List.of(1, 2, 3), isr, minIsr, log, CONFIG, now);
    }

    OptionalLong append(PartitionLeaderState leader, int records) {
        for (int i = 0; i < records; i++) {
            log.appendAsLeader(TestBatches.of("v"), leader.leaderEpoch());
        }
        return leader.onLeaderAppend();
    }

    OptionalLong fetch(PartitionLeaderState leader, int replica, long offset) {
        FollowerFetchResult r = leader.onFollowerFetch(replica, offset, log.latestEpoch().orElse(-1), now);
        assertEquals(ErrorCode.NONE, r.error());
        return r.newHighWatermark();
    }

    static AlterPartitionResult result(ErrorCode error, int leader, int leaderEpoch, int partitionEpoch, Integer... isr) {
        return AlterPartitionResult.newBuilder().setPartition(0).setErrorCode(error).setLeader(leader)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllIsr(List.of(isr)).build();
    }

    @Test
    void highWatermarkIsTheMinimumLogEndOffsetOverTheIsr() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        assertEquals(OptionalLong.empty(), append(leader, 10), "followers' offsets are unknown in a new epoch");
        assertEquals(OptionalLong.empty(), fetch(leader, 2, 4));
        assertEquals(OptionalLong.of(4), fetch(leader, 3, 6));
        assertEquals(OptionalLong.of(6), fetch(leader, 2, 10));
        assertEquals(OptionalLong.of(10), fetch(leader, 3, 10));
        assertEquals(10, leader.highWatermark());
        assertEquals(10, log.highWatermark(), "published through the log");
    }

    @Test
    void highWatermarkNeverGoesBackwards() {
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        append(leader, 10);
        fetch(leader, 2, 8);
        assertEquals(8, leader.highWatermark());
        assertEquals(OptionalLong.empty(), fetch(leader, 2, 5), "an older position does not pull it back");
        assertEquals(8, leader.highWatermark());
        // An expansion puts a replica that is exactly at the HW into the set: still no step back.
        fetch(leader, 3, 8);
        assertInstanceOf(IsrState.PendingExpand.class, leader.isrState());
        leader.onAlterPartitionCommitted(List.of(1, 2, 3), PARTITION_EPOCH + 1);
        assertEquals(8, leader.highWatermark());
    }

    @Test
    void aLoneLeaderAdvancesOnAppendWhenMinIsrAllowsIt() {
        PartitionLeaderState leader = lead(List.of(1), 1);
        assertEquals(OptionalLong.of(3), append(leader, 3));
    }

    @Test
    void highWatermarkFreezesWhileTheIsrIsBelowMinInsyncReplicas() {
        PartitionLeaderState leader = lead(List.of(1), 2);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, leader.checkProduce(-1), "refused before anything is appended");
        assertEquals(ErrorCode.NONE, leader.checkProduce(1));
        assertEquals(ErrorCode.NONE, leader.checkProduce(0));
        assertEquals(ErrorCode.INVALID_REQUIRED_ACKS, leader.checkProduce(2));
        assertEquals(OptionalLong.empty(), append(leader, 5), "acks=1 data stays above the HW");
        assertEquals(0, leader.highWatermark());

        // Follower 2 is at the (frozen) HW in this epoch, so it is proposed in; the HW waits for the commit.
        FollowerFetchResult r = leader.onFollowerFetch(2, 5, EPOCH, now);
        assertEquals(Optional.of(new AlterPartitionProposal(TP, EPOCH, PARTITION_EPOCH, List.of(1, 2))), r.isrProposal());
        assertEquals(OptionalLong.empty(), r.newHighWatermark());
        assertEquals(OptionalLong.of(5), leader.onAlterPartitionCommitted(List.of(1, 2), PARTITION_EPOCH + 1));
        assertEquals(ErrorCode.NONE, leader.checkProduce(-1));
    }

    @Test
    void loweringMinInsyncReplicasReleasesTheHighWatermark() {
        PartitionLeaderState leader = lead(List.of(1), 2);
        append(leader, 4);
        assertEquals(OptionalLong.of(4), leader.updateMinInsyncReplicas(1));
    }

    @Test
    void shrinksAFollowerNotCaughtUpForTheLagTime() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        long start = now;
        append(leader, 4);
        for (int i = 0; i < 30; i++) {
            now += 1_000;
            append(leader, 1);
            fetch(leader, 2, log.logEndOffset());
        }
        now = start + 30_000;
        assertEquals(Optional.empty(), leader.maybeShrinkIsr(now), "exactly the lag time is still in sync");
        now = start + 30_001;
        Optional<AlterPartitionProposal> p = leader.maybeShrinkIsr(now);
        assertEquals(Optional.of(new AlterPartitionProposal(TP, EPOCH, PARTITION_EPOCH, List.of(1, 2))), p);
        IsrState.PendingShrink pending = assertInstanceOf(IsrState.PendingShrink.class, leader.isrState());
        assertEquals(Set.of(3), pending.removed());
        assertEquals(List.of(1, 2, 3), pending.maximal(), "the HW still waits for 3 until the commit");
        assertEquals(Optional.empty(), leader.maybeShrinkIsr(now + 60_000), "one change at a time");
        assertEquals(p, leader.pendingProposal());

        assertEquals(0, leader.highWatermark(), "3 never fetched");
        assertEquals(OptionalLong.of(log.logEndOffset()), leader.onAlterPartitionCommitted(List.of(1, 2), PARTITION_EPOCH + 1));
        assertEquals(new IsrState.Committed(List.of(1, 2), PARTITION_EPOCH + 1), leader.isrState());
    }

    @Test
    void aFollowerThatStopsFetchingAtTheLogEndStaysInSync() {
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        append(leader, 3);
        fetch(leader, 2, 3);
        assertEquals(Optional.empty(), leader.maybeShrinkIsr(now + 100_000), "nothing new to fetch is not lagging");
        append(leader, 1);
        assertTrue(leader.maybeShrinkIsr(now + 100_000).isPresent());
    }

    @Test
    void aFollowerThatAlwaysTrailsAgesOut() {
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        long start = now;
        for (int i = 0; i < 40; i++) {
            now += 1_000;
            long before = log.logEndOffset();
            append(leader, 2);
            // Always fetching, always one record short of what the leader had at its previous fetch.
            fetch(leader, 2, Math.max(0, before - 1));
        }
        assertTrue(leader.maybeShrinkIsr(start + 40_000).isPresent());
    }

    @Test
    void expandsAFollowerThatReachesTheHighWatermarkInTheCurrentEpoch() {
        log.appendAsLeader(TestBatches.records(10, "old"), 4);
        log.updateHighWatermark(4);
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        assertEquals(10, leader.leaderEpochStartOffset());
        assertEquals(4, leader.highWatermark());

        FollowerFetchResult early = leader.onFollowerFetch(3, 6, 4, now);
        assertEquals(Optional.empty(), early.isrProposal(), "past the HW but not yet into this epoch");

        fetch(leader, 2, 10);
        append(leader, 5);
        fetch(leader, 2, 15);
        assertEquals(15, leader.highWatermark());
        assertEquals(Optional.empty(), leader.onFollowerFetch(3, 10, 4, now).isrProposal(), "behind the HW");

        FollowerFetchResult caughtUp = leader.onFollowerFetch(3, 15, EPOCH, now);
        assertEquals(Optional.of(new AlterPartitionProposal(TP, EPOCH, PARTITION_EPOCH, List.of(1, 2, 3))), caughtUp.isrProposal());
        IsrState.PendingExpand pending = assertInstanceOf(IsrState.PendingExpand.class, leader.isrState());
        assertEquals(List.of(1, 2, 3), pending.maximal());
        assertEquals(List.of(1, 2), pending.committedIsr());

        // Maximal ISR: while the expansion is in flight the HW also waits for 3.
        append(leader, 5);
        assertEquals(OptionalLong.empty(), fetch(leader, 2, 20));
        assertEquals(15, leader.highWatermark());
        assertEquals(OptionalLong.of(20), fetch(leader, 3, 20));
    }

    @Test
    void anIneligibleRejectionRevertsToTheCommittedIsrAndBacksOff() {
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        append(leader, 5);
        fetch(leader, 2, 5);
        AlterPartitionProposal sent = leader.onFollowerFetch(3, 5, EPOCH, now).isrProposal().orElseThrow();
        append(leader, 2);
        fetch(leader, 2, 7);
        assertEquals(5, leader.highWatermark(), "waiting for 3 (maximal ISR)");

        OptionalLong hw = leader.onAlterPartitionResponse(sent, result(ErrorCode.INELIGIBLE_REPLICA, 1, EPOCH, PARTITION_EPOCH, 1, 2), now);
        assertEquals(OptionalLong.of(7), hw, "3 no longer counts");
        assertEquals(new IsrState.Committed(List.of(1, 2), PARTITION_EPOCH), leader.isrState());
        assertEquals(Optional.empty(), leader.onFollowerFetch(3, 7, EPOCH, now + 999).isrProposal(), "backing off");
        assertTrue(leader.onFollowerFetch(3, 7, EPOCH, now + 1_000).isrProposal().isPresent());
    }

    @Test
    void aRejectionCarryingANewerCommittedStateIsAdopted() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        append(leader, 3);
        fetch(leader, 2, 3);
        AlterPartitionProposal sent = leader.maybeShrinkIsr(now + 40_000).orElseThrow();
        // Our first attempt was applied but its answer was lost; the resend hits a stale partition epoch.
        leader.onAlterPartitionResponse(sent, result(ErrorCode.FENCED_LEADER_EPOCH, 1, EPOCH, PARTITION_EPOCH + 1, 1, 2), now);
        assertEquals(new IsrState.Committed(List.of(1, 2), PARTITION_EPOCH + 1), leader.isrState());
        assertEquals(3, leader.highWatermark());
    }

    @Test
    void anEpochRejectionKeepsTheMaximalIsrUntilMetadataArrives() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        append(leader, 3);
        fetch(leader, 2, 3);
        AlterPartitionProposal sent = leader.maybeShrinkIsr(now + 40_000).orElseThrow();
        leader.onAlterPartitionResponse(sent, result(ErrorCode.FENCED_LEADER_EPOCH, 2, EPOCH + 1, PARTITION_EPOCH + 1, 2, 3), now);
        assertInstanceOf(IsrState.PendingShrink.class, leader.isrState(), "still waits for the larger set");
        assertEquals(Optional.empty(), leader.pendingProposal(), "nothing worth resending");
        assertEquals(0, leader.highWatermark());

        leader.onAlterPartitionCommitted(List.of(1, 2), PARTITION_EPOCH + 1);
        assertEquals(3, leader.highWatermark());
        assertTrue(leader.onFollowerFetch(3, 3, EPOCH, now).isrProposal().isPresent(), "proposals resume");
    }

    @Test
    void aTransientFailureKeepsTheProposalToResend() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        Optional<AlterPartitionProposal> p = leader.maybeShrinkIsr(now + 40_000);
        assertTrue(p.isPresent());
        leader.onAlterPartitionFailed(ErrorCode.REQUEST_TIMED_OUT, now);
        assertEquals(p, leader.pendingProposal());
        leader.onAlterPartitionResponse(p.get(), result(ErrorCode.NONE, 1, EPOCH, PARTITION_EPOCH + 1, 1), now);
        assertEquals(new IsrState.Committed(List.of(1), PARTITION_EPOCH + 1), leader.isrState());
    }

    @Test
    void aLateAnswerToAResentProposalIsIgnored() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        append(leader, 3);
        fetch(leader, 2, 3);
        AlterPartitionProposal sent = leader.maybeShrinkIsr(now + 40_000).orElseThrow();
        // Sent twice (the first answer was slow); the first copy commits, the second hits a stale epoch.
        leader.onAlterPartitionResponse(sent, result(ErrorCode.NONE, 1, EPOCH, PARTITION_EPOCH + 1, 1, 2), now);
        leader.onAlterPartitionResponse(sent, result(ErrorCode.FENCED_LEADER_EPOCH, 1, EPOCH, PARTITION_EPOCH + 1, 1, 2), now);
        assertEquals(new IsrState.Committed(List.of(1, 2), PARTITION_EPOCH + 1), leader.isrState());
        assertTrue(leader.onFollowerFetch(3, 3, EPOCH, now).isrProposal().isPresent(), "not stuck waiting for metadata");
    }

    @Test
    void staleCommitsAndOtherLeadershipsAnswersAreIgnored() {
        PartitionLeaderState leader = lead(List.of(1, 2, 3), 1);
        assertEquals(OptionalLong.empty(), leader.onAlterPartitionCommitted(List.of(1), PARTITION_EPOCH));
        AlterPartitionProposal old = new AlterPartitionProposal(TP, EPOCH - 1, PARTITION_EPOCH, List.of(1));
        leader.onAlterPartitionResponse(old, result(ErrorCode.NONE, 1, EPOCH - 1, PARTITION_EPOCH + 3, 1), now);
        assertEquals(new IsrState.Committed(List.of(1, 2, 3), PARTITION_EPOCH), leader.isrState());
    }

    @Test
    void aFollowerWhoseLogDivergesGetsTheEpochAndEndOffsetBack() {
        log.appendAsLeader(TestBatches.records(5, "a"), 3);
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        append(leader, 5);

        // Follower holds epoch 4 (a leader this one never heard of) up to offset 7.
        FollowerFetchResult r = leader.onFollowerFetch(2, 7, 4, now);
        assertEquals(Optional.of(new EpochEndOffset(3, 5)), r.divergingEpoch());
        // Follower holds epoch 3 past where it ended here.
        assertEquals(Optional.of(new EpochEndOffset(3, 5)), leader.onFollowerFetch(2, 7, 3, now).divergingEpoch());
        assertEquals(OptionalLong.empty(), r.newHighWatermark());
        assertEquals(-1, leader.follower(2).orElseThrow().logEndOffset(), "a diverging position is not progress");
        // Consistent: epoch 3 up to 5.
        FollowerFetchResult ok = leader.onFollowerFetch(2, 5, 3, now);
        assertEquals(Optional.empty(), ok.divergingEpoch());
        assertEquals(5, leader.follower(2).orElseThrow().logEndOffset());
        // An epoch above ours: the answer is our latest epoch and its end.
        assertEquals(Optional.of(new EpochEndOffset(EPOCH, 10)), leader.onFollowerFetch(2, 12, 9, now).divergingEpoch());
    }

    @Test
    void fetchErrors() {
        PartitionLeaderState leader = lead(List.of(1, 2), 1);
        append(leader, 3);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, leader.onFollowerFetch(2, 4, -1, now).error());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, leader.onFollowerFetch(9, 0, -1, now).error());
        assertEquals(ErrorCode.NONE, leader.validateFetchEpoch(EPOCH));
        assertEquals(ErrorCode.NONE, leader.validateFetchEpoch(-1));
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, leader.validateFetchEpoch(EPOCH - 1));
        assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH, leader.validateFetchEpoch(EPOCH + 1));
    }

    @Test
    void becomingLeaderRecordsTheEpochStart() {
        log.appendAsLeader(TestBatches.records(3, "a"), 2);
        lead(List.of(1, 2), 1);
        assertEquals(Optional.of(new EpochEndOffset(2, 3)), log.endOffsetForEpoch(2));
        assertEquals(EPOCH, log.latestEpoch().getAsInt());
        assertThrows(IllegalArgumentException.class, () -> PartitionLeaderState.becomeLeader(TP, 1, 6, 0,
                List.of(1, 2), List.of(2), 1, log, CONFIG, now), "a leader outside the ISR");
        assertFalse(lead(List.of(1, 2), 1).isrState().isPending());
    }
}

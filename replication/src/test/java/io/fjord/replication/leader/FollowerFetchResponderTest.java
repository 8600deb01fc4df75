package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TestBatches;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FollowerFetchResponderTest {
    static final TopicPartition TP = new TopicPartition("t", 0);

    final InMemoryReplicaLog log = new InMemoryReplicaLog();

    static FetchPartition req(int currentLeaderEpoch, long offset, int lastFetchedEpoch) {
        return FetchPartition.newBuilder().setPartition(0).setCurrentLeaderEpoch(currentLeaderEpoch)
                .setFetchOffset(offset).setLastFetchedEpoch(lastFetchedEpoch).setPartitionMaxBytes(1 << 20).build();
    }

    @Test
    void aReplicaThatIsNotLeaderAnswersNotLeaderWithAHint() {
        PartitionRole follower = new PartitionRole.Follower(2, 7);
        FollowerFetchResponder.Outcome o = FollowerFetchResponder.respond(follower, 3, req(7, 0, -1), 1000, 0);
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, o.data().getErrorCode());
        assertEquals(2, o.data().getCurrentLeader().getLeaderId());
        assertEquals(7, o.data().getCurrentLeader().getLeaderEpoch());
        assertTrue(o.isActionable());
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, FollowerFetchResponder.respond(follower, 3, req(6, 0, -1), 1000, 0).data().getErrorCode(),
                "a stale epoch is fenced before leadership is checked");
        assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH, FollowerFetchResponder.respond(follower, 3, req(8, 0, -1), 1000, 0).data().getErrorCode());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, new PartitionRole.Offline(7).validateLeaderRequest(-1));
    }

    @Test
    void theLeaderReturnsBatchesFromTheFetchOffsetWithItsOffsets() {
        log.appendAsLeader(TestBatches.of("a", "b"), 0);
        PartitionLeaderState leader = PartitionLeaderState.becomeLeader(TP, 1, 1, 0, List.of(1, 2), List.of(1, 2), 1, log,
                ReplicationConfig.defaults(), 0);
        log.appendAsLeader(TestBatches.of("c"), 1);
        PartitionRole role = new PartitionRole.Leader(leader);

        FollowerFetchResponder.Outcome o = FollowerFetchResponder.respond(role, 2, req(1, 2, 0), 1000, 0);
        assertEquals(ErrorCode.NONE, o.data().getErrorCode());
        assertEquals(log.batches().get(1).bytes().length, o.data().getRecords().size(), "the batch after offset 2");
        assertEquals(3, o.data().getLogEndOffset());
        assertEquals(2, o.data().getHighWatermark(), "already counting this fetch");
        assertEquals(2, o.newHighWatermark().getAsLong());

        FollowerFetchResponder.Outcome atEnd = FollowerFetchResponder.respond(role, 2, req(1, 3, 1), 1000, 0);
        assertTrue(atEnd.data().getRecords().isEmpty());
        assertFalse(atEnd.isActionable(), "a broker would long-poll this one");

        FollowerFetchResponder.Outcome diverged = FollowerFetchResponder.respond(role, 2, req(1, 3, 0), 1000, 0);
        assertTrue(diverged.data().hasDivergingEpoch());
        assertEquals(0, diverged.data().getDivergingEpoch().getEpoch());
        assertEquals(2, diverged.data().getDivergingEpoch().getEndOffset());
        assertTrue(diverged.data().getRecords().isEmpty());
    }
}

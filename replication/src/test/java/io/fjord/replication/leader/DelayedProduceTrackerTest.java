package io.fjord.replication.leader;

import io.fjord.proto.ErrorCode;
import io.fjord.replication.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DelayedProduceTrackerTest {
    static final TopicPartition A = new TopicPartition("t", 0);
    static final TopicPartition B = new TopicPartition("t", 1);

    final DelayedProduceTracker<String> tracker = new DelayedProduceTracker<>();

    @Test
    void completesWhenTheHighWatermarkPassesTheBatch() {
        assertEquals(Optional.empty(), tracker.add("r1", Map.of(A, 10L), 5_000, tp -> 0L));
        assertEquals(Optional.empty(), tracker.add("r2", Map.of(A, 20L), 5_000, tp -> 0L));
        assertEquals(List.of(), tracker.onHighWatermark(A, 9));
        List<DelayedProduceTracker.Completion<String>> done = tracker.onHighWatermark(A, 10);
        assertEquals(List.of(new DelayedProduceTracker.Completion<>("r1", Map.of(A, ErrorCode.NONE))), done);
        assertTrue(done.get(0).succeeded());
        assertEquals(1, tracker.size());
        assertEquals(List.of(), tracker.onHighWatermark(B, 100), "another partition");
        assertEquals("r2", tracker.onHighWatermark(A, 25).get(0).request());
        assertEquals(0, tracker.size());
        assertEquals(OptionalLong.empty(), tracker.nextDeadlineMs());
    }

    @Test
    void alreadySatisfiedCompletesAtOnce() {
        Optional<DelayedProduceTracker.Completion<String>> c = tracker.add("r", Map.of(A, 3L), 5_000, tp -> 3L);
        assertEquals(Optional.of(new DelayedProduceTracker.Completion<>("r", Map.of(A, ErrorCode.NONE))), c);
        assertEquals(0, tracker.size());
    }

    @Test
    void aRequestOverSeveralPartitionsWaitsForAll() {
        tracker.add("r", Map.of(A, 5L, B, 7L), 5_000, tp -> 0L);
        assertEquals(List.of(), tracker.onHighWatermark(A, 5));
        List<DelayedProduceTracker.Completion<String>> done = tracker.onHighWatermark(B, 7);
        assertEquals(Map.of(A, ErrorCode.NONE, B, ErrorCode.NONE), done.get(0).errors());
    }

    @Test
    void timesOutWithRequestTimedOutForWhatIsStillWaiting() {
        tracker.add("r", Map.of(A, 5L, B, 7L), 5_000, tp -> 0L);
        tracker.add("later", Map.of(A, 6L), 9_000, tp -> 0L);
        tracker.onHighWatermark(A, 5);
        assertEquals(OptionalLong.of(5_000), tracker.nextDeadlineMs());
        assertEquals(List.of(), tracker.expire(4_999));
        List<DelayedProduceTracker.Completion<String>> expired = tracker.expire(5_000);
        assertEquals(List.of(new DelayedProduceTracker.Completion<>("r", Map.of(A, ErrorCode.NONE, B, ErrorCode.REQUEST_TIMED_OUT))), expired);
        assertFalse(expired.get(0).succeeded());
        assertEquals(List.of(), tracker.onHighWatermark(B, 100), "each request is answered once");
        assertEquals(OptionalLong.of(9_000), tracker.nextDeadlineMs());
        assertEquals(1, tracker.size());
    }

    @Test
    void losingLeadershipFailsWaitersWithNotLeader() {
        tracker.add("r", Map.of(A, 5L), 5_000, tp -> 0L);
        assertEquals(Map.of(A, ErrorCode.NOT_LEADER_OR_FOLLOWER), tracker.onLeadershipLost(A).get(0).errors());
        assertEquals(List.of(), tracker.expire(10_000));
        assertEquals(0, tracker.size());
    }
}

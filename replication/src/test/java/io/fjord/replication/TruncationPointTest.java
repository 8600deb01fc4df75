package io.fjord.replication;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Where a follower truncates, given its epoch history and log end, and the leader's answer for the
 * follower's latest epoch (as the leader's own {@link EpochHistory} would give it).
 */
class TruncationPointTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, follower history, follower log end, leader history, leader log end, expected offset, complete
                arguments("same history, same end",
                        EpochHistory.of(0, 0, 1, 5), 8L, EpochHistory.of(0, 0, 1, 5), 8L, 8L, true),
                arguments("same history, leader further ahead",
                        EpochHistory.of(0, 0, 1, 5), 8L, EpochHistory.of(0, 0, 1, 5), 12L, 8L, true),
                arguments("follower ahead in the same epoch (old leader's unreplicated tail)",
                        EpochHistory.of(0, 0, 1, 5), 12L, EpochHistory.of(0, 0, 1, 5, 2, 10), 14L, 10L, true),
                arguments("follower has an epoch the leader never had",
                        EpochHistory.of(0, 0, 1, 5, 2, 8), 12L, EpochHistory.of(0, 0, 1, 5, 3, 9), 15L, 8L, true),
                arguments("leader's epoch ends earlier than the follower's",
                        EpochHistory.of(0, 0, 1, 5), 10L, EpochHistory.of(0, 0, 2, 3), 9L, 3L, true),
                arguments("follower lacks the leader's epoch: walk back to its own floor epoch",
                        EpochHistory.of(0, 0, 2, 5), 9L, EpochHistory.of(0, 0, 1, 7, 3, 8), 12L, 5L, false),
                arguments("leader that wrote nothing in its epoch left an entry at the log end",
                        EpochHistory.of(4, 0, 5, 100), 100L, EpochHistory.of(4, 0, 6, 100), 130L, 100L, true),
                arguments("empty follower",
                        EpochHistory.EMPTY, 0L, EpochHistory.of(0, 0), 5L, 0L, true),
                arguments("both empty",
                        EpochHistory.EMPTY, 0L, EpochHistory.EMPTY, 0L, 0L, true),
                arguments("leader knows no epoch at or below ours: drop our latest epoch only",
                        EpochHistory.of(1, 0, 2, 6), 9L, EpochHistory.EMPTY, 0L, 6L, false),
                arguments("single-epoch follower unknown to an empty leader",
                        EpochHistory.of(2, 0), 4L, EpochHistory.EMPTY, 0L, 0L, false),
                arguments("leader's only epoch is older than all of ours",
                        EpochHistory.of(3, 10), 15L, EpochHistory.of(1, 0), 12L, 10L, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truncationPoint(String name, EpochHistory follower, long followerEnd, EpochHistory leader, long leaderEnd,
                         long expectedOffset, boolean expectedComplete) {
        int followerLatest = follower.latestEpoch().orElse(-1);
        // What the leader puts in diverging_epoch for a fetch with last_fetched_epoch = followerLatest.
        EpochEndOffset answer = followerLatest < 0 ? EpochEndOffset.UNDEFINED
                : leader.endOffsetFor(followerLatest, leaderEnd)
                        .or(() -> leader.latestEpoch().isPresent()
                                ? java.util.Optional.of(new EpochEndOffset(leader.latestEpoch().getAsInt(), leaderEnd))
                                : java.util.Optional.empty())
                        .orElse(EpochEndOffset.UNDEFINED);
        long start = follower.entries().isEmpty() ? 0 : Math.min(follower.entries().get(0).startOffset(), followerEnd);
        TruncationPoint p = TruncationPoint.compute(follower.view(start, followerEnd), answer);
        assertEquals(new TruncationPoint(expectedOffset, expectedComplete), p, name + " (leader answered " + answer + ")");
    }
}

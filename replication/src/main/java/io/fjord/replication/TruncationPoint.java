package io.fjord.replication;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where a follower truncates when its leader reports a diverging epoch (KIP-101/279/320): never the
 * high watermark, always the end of the last epoch both logs share.
 *
 * <p>The leader answered the follower's last fetched epoch with {@code (E, X)}: the largest epoch it
 * has at or below that one, ending at X. With the follower's own end for E, {@code (Ef, Xf)}:
 * <ul>
 *   <li>{@code Ef == E}: both logs hold epoch E, written by one leader, so they agree up to
 *       {@code min(X, Xf)}; truncating there is exact ({@link #complete()}).
 *   <li>{@code Ef < E}: the follower never saw E, so everything after its epoch Ef (which ends at
 *       Xf) came from epochs the leader does not have. Truncating to Xf removes only those; the next
 *       fetch asks again with Ef, so repeated answers walk back one shared epoch at a time.
 *   <li>The leader knows no epoch at or below ours ({@link EpochEndOffset#UNDEFINED}): our latest
 *       epoch is unknown to it, so drop just that epoch and ask again.
 * </ul>
 * Offsets are capped at the follower's log end; truncating to the log end still matters because it
 * drops a stale epoch entry with no data (see {@link ReplicaLog#truncateTo}).
 *
 * @param offset where to truncate
 * @param complete true when the offset is final; false when the follower must ask again with the
 *     epoch it ends up at (which the next fetch does by itself)
 */
public record TruncationPoint(long offset, boolean complete) {

    public static TruncationPoint compute(EpochView follower, EpochEndOffset leaderAnswer) {
        long logEnd = follower.logEndOffset();
        if (leaderAnswer.isUndefined()) {
            OptionalInt latest = follower.latestEpoch();
            if (latest.isEmpty()) {
                // Nothing of ours carries an epoch to disagree about; keep the log.
                return new TruncationPoint(logEnd, true);
            }
            long latestStart = follower.endOffsetForEpoch(latest.getAsInt() - 1)
                    .map(EpochEndOffset::endOffset)
                    .orElse(follower.logStartOffset());
            return new TruncationPoint(Math.min(latestStart, logEnd), false);
        }
        Optional<EpochEndOffset> mine = follower.endOffsetForEpoch(leaderAnswer.epoch());
        if (mine.isEmpty()) {
            // No history to compare with (Kafka: a follower that did not track epochs); trust the leader.
            return new TruncationPoint(Math.min(leaderAnswer.endOffset(), logEnd), true);
        }
        EpochEndOffset own = mine.get();
        if (own.epoch() != leaderAnswer.epoch()) {
            return new TruncationPoint(Math.min(own.endOffset(), logEnd), false);
        }
        return new TruncationPoint(Math.min(Math.min(own.endOffset(), leaderAnswer.endOffset()), logEnd), true);
    }
}

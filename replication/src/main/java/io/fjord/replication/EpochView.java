package io.fjord.replication;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The read-only view of a replica's log that epoch-based truncation needs: its bounds and its
 * leader-epoch history (Kafka's leader-epoch checkpoint).
 */
public interface EpochView {
    long logStartOffset();

    long logEndOffset();

    /** The epoch of the latest entry in the leader-epoch history; empty when the history is empty. */
    OptionalInt latestEpoch();

    /**
     * Kafka's {@code LeaderEpochFileCache.endOffsetFor}: the largest epoch not above {@code epoch} and
     * where it ends (the latest epoch ends at the log end offset). An epoch below the first entry
     * answers {@code (epoch, first entry's start offset)}, as Kafka does, because older entries were
     * removed with the data they described. Empty for a negative epoch, one above the latest, or an
     * empty history.
     */
    Optional<EpochEndOffset> endOffsetForEpoch(int epoch);
}

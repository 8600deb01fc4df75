package io.fjord.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An immutable leader-epoch history: for each epoch that wrote to a log, the offset of its first
 * batch, in ascending order of both. The same rules as Kafka's {@code LeaderEpochFileCache} (and
 * data-plane's {@code LeaderEpochCache}); used by the in-memory log and by table-driven tests of
 * {@link TruncationPoint}.
 */
public record EpochHistory(List<Entry> entries) {
    /** One epoch and the first offset written in it. */
    public record Entry(int epoch, long startOffset) {}

    public static final EpochHistory EMPTY = new EpochHistory(List.of());

    public EpochHistory {
        entries = List.copyOf(entries);
        for (int i = 1; i < entries.size(); i++) {
            Entry prev = entries.get(i - 1);
            Entry e = entries.get(i);
            if (e.epoch <= prev.epoch || e.startOffset < prev.startOffset) {
                throw new IllegalArgumentException("epoch " + e.epoch + " at " + e.startOffset
                        + " does not follow epoch " + prev.epoch + " at " + prev.startOffset);
            }
        }
    }

    /** {@code of(epoch0, start0, epoch1, start1, ...)}, for tests. */
    public static EpochHistory of(long... epochThenStart) {
        if (epochThenStart.length % 2 != 0) {
            throw new IllegalArgumentException("expected epoch/start pairs");
        }
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < epochThenStart.length; i += 2) {
            list.add(new Entry((int) epochThenStart[i], epochThenStart[i + 1]));
        }
        return new EpochHistory(list);
    }

    public OptionalInt latestEpoch() {
        return entries.isEmpty() ? OptionalInt.empty() : OptionalInt.of(entries.get(entries.size() - 1).epoch);
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}; a no-op for the latest epoch. Entries
     * that would break the ordering (an epoch at or above this one, or one starting at or after this
     * offset) are dropped first, as Kafka does. Negative epochs (batches without one) are ignored.
     */
    public EpochHistory assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return this;
        }
        Entry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (last != null && last.epoch == epoch && last.startOffset <= startOffset) {
            return this;
        }
        List<Entry> next = new ArrayList<>(entries.size() + 1);
        for (Entry e : entries) {
            if (e.epoch < epoch && e.startOffset < startOffset) {
                next.add(e);
            }
        }
        next.add(new Entry(epoch, startOffset));
        return new EpochHistory(next);
    }

    /** See {@link EpochView#endOffsetForEpoch(int)}. */
    public Optional<EpochEndOffset> endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch < 0 || entries.isEmpty()) {
            return Optional.empty();
        }
        Entry last = entries.get(entries.size() - 1);
        if (requestedEpoch == last.epoch) {
            return Optional.of(new EpochEndOffset(requestedEpoch, logEndOffset));
        }
        if (requestedEpoch > last.epoch) {
            return Optional.empty();
        }
        Entry floor = null;
        for (Entry e : entries) {
            if (e.epoch > requestedEpoch) {
                return Optional.of(new EpochEndOffset(floor == null ? requestedEpoch : floor.epoch, e.startOffset));
            }
            floor = e;
        }
        throw new IllegalStateException("unreachable: epoch " + requestedEpoch + " is below the latest " + last.epoch);
    }

    /** Drops epochs starting at or after {@code endOffset}: after a truncation they own no data. */
    public EpochHistory truncateFromEnd(long endOffset) {
        if (entries.isEmpty() || entries.get(entries.size() - 1).startOffset < endOffset) {
            return this;
        }
        return new EpochHistory(entries.stream().filter(e -> e.startOffset < endOffset).toList());
    }

    /** Drops epochs that ended before {@code startOffset}; the one covering it now starts there. */
    public EpochHistory truncateFromStart(long startOffset) {
        int covering = -1;
        for (int i = 0; i < entries.size() && entries.get(i).startOffset <= startOffset; i++) {
            covering = i;
        }
        if (covering < 0 || (covering == 0 && entries.get(0).startOffset == startOffset)) {
            return this;
        }
        List<Entry> next = new ArrayList<>(entries.subList(covering, entries.size()));
        next.set(0, new Entry(next.get(0).epoch, startOffset));
        return new EpochHistory(next);
    }

    /** This history over a log with the given bounds, for {@link TruncationPoint#compute}. */
    public EpochView view(long logStartOffset, long logEndOffset) {
        EpochHistory h = this;
        return new EpochView() {
            @Override public long logStartOffset() { return logStartOffset; }
            @Override public long logEndOffset() { return logEndOffset; }
            @Override public OptionalInt latestEpoch() { return h.latestEpoch(); }
            @Override public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) { return h.endOffsetFor(epoch, logEndOffset); }
            @Override public String toString() { return h + " over [" + logStartOffset + ", " + logEndOffset + ")"; }
        };
    }
}

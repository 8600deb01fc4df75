package io.fjord.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The leader-epoch cache of one partition: for each leader epoch that wrote to the log, the offset of
 * its first batch. Followers use it (through {@link #endOffsetFor}) to find where their log diverges
 * from a new leader's, as in Kafka's LeaderEpochFileCache.
 *
 * <p>Threading: mutated only under the owning log's writer lock; read lock-free through one volatile
 * immutable list.
 *
 * <p>Format: {@code leader-epoch-checkpoint}, Kafka's text layout: {@code 0}, the entry count, then one
 * {@code <epoch> <startOffset>} line per epoch in ascending order. Rewritten atomically on every change
 * (changes are rare: a new leader epoch, a truncation, retention).
 */
final class LeaderEpochCache {
    /** One epoch and the first offset written in it. */
    record Entry(int epoch, long startOffset) {}

    private final CheckpointFile checkpoint;
    private volatile List<Entry> entries;

    LeaderEpochCache(Path file) {
        this.checkpoint = new CheckpointFile(file);
        List<Entry> loaded = new ArrayList<>();
        for (long[] fields : checkpoint.read()) {
            if (fields.length != 2 || fields[0] < 0 || fields[0] > Integer.MAX_VALUE || fields[1] < 0) {
                throw new StorageException("malformed checkpoint " + file + ": expected '<epoch> <startOffset>' lines");
            }
            Entry e = new Entry((int) fields[0], fields[1]);
            Entry last = loaded.isEmpty() ? null : loaded.get(loaded.size() - 1);
            if (last != null && (e.epoch <= last.epoch || e.startOffset < last.startOffset)) {
                throw new StorageException("malformed checkpoint " + file + ": epoch " + e.epoch + " at offset "
                        + e.startOffset + " does not follow epoch " + last.epoch + " at offset " + last.startOffset);
            }
            loaded.add(e);
        }
        this.entries = List.copyOf(loaded);
    }

    List<Entry> entries() { return entries; }

    OptionalInt latestEpoch() {
        List<Entry> cur = entries;
        return cur.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cur.get(cur.size() - 1).epoch);
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. A no-op when the epoch is already the latest
     * (appends call this for every batch). Entries that would break monotonicity (a higher or equal
     * epoch, or a start offset at or after this one) are dropped first, as Kafka does.
     */
    void assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return; // batches from producers that predate leader epochs carry -1
        }
        List<Entry> cur = entries;
        Entry last = cur.isEmpty() ? null : cur.get(cur.size() - 1);
        if (last != null && last.epoch == epoch && last.startOffset <= startOffset) {
            return;
        }
        List<Entry> next = new ArrayList<>(cur.size() + 1);
        for (Entry e : cur) {
            if (e.epoch < epoch && e.startOffset < startOffset) {
                next.add(e);
            }
        }
        next.add(new Entry(epoch, startOffset));
        publish(next);
    }

    /**
     * Kafka's OffsetsForLeaderEpoch answer: the latest epoch ends at the log end offset; an older epoch
     * ends where the next higher epoch starts, and is reported as the largest epoch not above the
     * requested one. Empty when the epoch is unknown (negative, above the latest, or the cache is empty).
     */
    Optional<EpochEndOffset> endOffsetFor(int requestedEpoch, long logEndOffset) {
        List<Entry> cur = entries;
        if (requestedEpoch < 0 || cur.isEmpty()) {
            return Optional.empty();
        }
        Entry last = cur.get(cur.size() - 1);
        if (requestedEpoch == last.epoch) {
            return Optional.of(new EpochEndOffset(requestedEpoch, logEndOffset));
        }
        if (requestedEpoch > last.epoch) {
            return Optional.empty();
        }
        Entry floor = null;
        for (Entry e : cur) {
            if (e.epoch > requestedEpoch) {
                // The first higher epoch: the requested one ended where it started. With no lower entry the
                // older epochs were removed by retention; answer with the requested epoch, as Kafka does.
                return Optional.of(new EpochEndOffset(floor == null ? requestedEpoch : floor.epoch, e.startOffset));
            }
            floor = e;
        }
        throw new IllegalStateException("unreachable: epoch " + requestedEpoch + " is below the latest " + last.epoch);
    }

    /** Drops epochs starting at or after {@code endOffset}: after a truncation they own no data. */
    void truncateFromEnd(long endOffset) {
        List<Entry> cur = entries;
        if (cur.isEmpty() || cur.get(cur.size() - 1).startOffset < endOffset) {
            return;
        }
        publish(cur.stream().filter(e -> e.startOffset < endOffset).toList());
    }

    /**
     * Drops epochs that ended before {@code startOffset} (retention moved the log start offset); the
     * epoch covering it is kept and now starts there.
     */
    void truncateFromStart(long startOffset) {
        List<Entry> cur = entries;
        int covering = -1;
        for (int i = 0; i < cur.size() && cur.get(i).startOffset <= startOffset; i++) {
            covering = i;
        }
        if (covering < 0 || (covering == 0 && cur.get(0).startOffset == startOffset)) {
            return;
        }
        List<Entry> next = new ArrayList<>(cur.subList(covering, cur.size()));
        next.set(0, new Entry(next.get(0).epoch, startOffset));
        publish(next);
    }

    void clear() {
        if (!entries.isEmpty()) {
            publish(List.of());
        }
    }

    private void publish(List<Entry> next) {
        List<long[]> lines = new ArrayList<>(next.size());
        for (Entry e : next) {
            lines.add(new long[] {e.epoch, e.startOffset});
        }
        // Durable first, visible second: a reader never sees an epoch a restart could forget.
        checkpoint.write(lines);
        entries = List.copyOf(next);
    }
}

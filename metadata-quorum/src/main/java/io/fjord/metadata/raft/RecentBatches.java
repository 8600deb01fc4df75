package io.fjord.metadata.raft;

import io.fjord.proto.metadata.MetadataBatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last committed batches, kept in memory so that brokers following from a recent offset are served
 * without reading the Raft log. Invariant: every batch with an offset greater than {@link #coveredAfter()}
 * that has been applied is held here. A follower wanting offsets at or below it gets the whole image.
 *
 * <p>Threading: thread-safe (one lock); appended by the Ratis apply thread, read by stream senders.
 */
public final class RecentBatches {
    /** A committed batch at its metadata offset. */
    public record Entry(long offset, MetadataBatch batch) {}

    private final int maxBatches;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long coveredAfter = -1;

    public RecentBatches(int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("maxBatches must be >= 1");
        }
        this.maxBatches = maxBatches;
    }

    public synchronized void add(long offset, MetadataBatch batch) {
        entries.addLast(new Entry(offset, batch));
        while (entries.size() > maxBatches) {
            coveredAfter = entries.removeFirst().offset();
        }
    }

    /** Forget everything: the state jumped to {@code offset} (a snapshot was loaded). */
    public synchronized void reset(long offset) {
        entries.clear();
        coveredAfter = offset;
    }

    public synchronized long coveredAfter() {
        return coveredAfter;
    }

    /**
     * Up to {@code max} batches with offset >= {@code fromOffset}, oldest first; null when some of them
     * are no longer held (the caller must send the image instead).
     */
    public synchronized List<Entry> from(long fromOffset, int max) {
        if (fromOffset <= coveredAfter) {
            return null;
        }
        List<Entry> out = new ArrayList<>(Math.min(max, entries.size()));
        for (Entry e : entries) {
            if (e.offset() >= fromOffset) {
                out.add(e);
                if (out.size() >= max) {
                    break;
                }
            }
        }
        return out;
    }
}

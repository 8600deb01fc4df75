package io.fjord.storage;

import io.fjord.wire.RecordBatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * What readers of a {@link PartitionLog} see: the segment list and the log bounds, immutable, replaced
 * as a whole (one volatile write) on every append, roll, truncation and retention. Every read starts
 * from one snapshot, so it never sees a segment list and bounds that do not belong together.
 *
 * @param segments oldest first; the last one is the active segment
 */
record LogSnapshot(List<LogSegment> segments, long logStartOffset, long logEndOffset) {
    LogSnapshot {
        segments = List.copyOf(segments);
    }

    LogSegment active() { return segments.get(segments.size() - 1); }

    LogSnapshot withLogEndOffset(long newEnd) { return new LogSnapshot(segments, logStartOffset, newEnd); }

    /** Offset where segment i ends: the next segment's base, or the log end for the active one. */
    long segmentEnd(int i) { return i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : logEndOffset; }

    long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments) {
            total += s.sizeInBytes();
        }
        return total;
    }

    /**
     * Whole batches from the one containing {@code offset}, within one segment, up to {@code maxBytes}
     * (one at least when {@code minOneBatch}), all with base offset below {@code limit}. The caller checked
     * the offset against the bounds.
     */
    ByteBuffer read(long offset, int maxBytes, long limit, boolean minOneBatch, IntFunction<ByteBuffer> buffers)
            throws IOException {
        if (offset >= limit) {
            return ByteBuffer.allocate(0);
        }
        for (int i = floorSegment(offset); i < segments.size(); i++) {
            BatchScanner.BatchInfo first = segments.get(i).translateOffset(offset);
            if (first == null) {
                continue; // the offset falls in a gap after this segment's data
            }
            if (first.baseOffset() >= limit) {
                break;
            }
            LogSegment seg = segments.get(i);
            int end = seg.sizeInBytes();
            if (limit < logEndOffset) {
                // Below the high watermark: find where it is, so the buffer is no larger than what is returned.
                BatchScanner.BatchInfo stop = seg.findBatch(seg.lookupPosition(limit), end,
                        (b, at) -> RecordBatchHeader.baseOffset(b, at) >= limit);
                end = stop == null ? end : stop.position();
            }
            return seg.read(first.position(), end, maxBytes, limit, minOneBatch, buffers);
        }
        return ByteBuffer.allocate(0);
    }

    /** The first batch at or after the log start whose max timestamp is at least {@code timestampMs}. */
    Optional<TimestampOffset> offsetForTimestamp(long timestampMs) throws IOException {
        for (LogSegment seg : segments) {
            TimestampOffset max = seg.maxTimestampSoFar();
            if (max == null || max.timestamp() < timestampMs) {
                continue;
            }
            BatchScanner.BatchInfo b = seg.findByTimestamp(timestampMs, logStartOffset);
            if (b == null || b.baseOffset() >= logEndOffset) {
                return Optional.empty();
            }
            return Optional.of(new TimestampOffset(b.maxTimestamp(), Math.max(b.baseOffset(), logStartOffset)));
        }
        return Optional.empty();
    }

    /** The largest max timestamp and the base offset of the first batch carrying it. */
    Optional<TimestampOffset> offsetOfMaxTimestamp() {
        TimestampOffset best = null;
        for (LogSegment seg : segments) {
            TimestampOffset m = seg.maxTimestampSoFar();
            if (m != null && (best == null || m.timestamp() > best.timestamp())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Shows {@code visitor} the header of every batch in every segment, oldest first, until it returns
     * true. Reads headers only (see {@link BatchScanner#findBatch}).
     */
    void scanHeaders(BatchScanner.HeaderPredicate visitor) throws IOException {
        for (LogSegment seg : segments) {
            if (seg.findBatch(0, seg.sizeInBytes(), visitor) != null) {
                return;
            }
        }
    }

    /** Index of the last segment whose base offset is at most {@code offset} (0 if none). */
    private int floorSegment(long offset) {
        int lo = 0;
        int hi = segments.size() - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segments.get(mid).baseOffset() <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}

package io.fjord.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Which segments retention deletes: Kafka's rules, as a function of the segment list, the log bounds,
 * the config and the time. Always a prefix of the list (the oldest segments), so the log stays
 * contiguous.
 */
final class Retention {
    private Retention() {}

    /**
     * The oldest segments, in order, that are all expired: entirely below the log start offset; or, with
     * cleanup.policy delete, whose newest timestamp is more than retention.ms old, or whose removal still
     * leaves the log at least retention.bytes large. A segment is only eligible when everything in it is
     * below {@code upperBoundOffset}. The active segment counts when it holds data (the caller rolls).
     */
    static List<LogSegment> expiredSegments(LogSnapshot log, long upperBoundOffset, LogConfig config, long nowMs) {
        List<LogSegment> segments = log.segments();
        boolean deletePolicy = config.deleteRetentionEnabled();
        long excessBytes = -1;
        if (deletePolicy && config.retentionBytes() >= 0) {
            excessBytes = log.sizeInBytes() - config.retentionBytes();
        }
        List<LogSegment> expired = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            LogSegment seg = segments.get(i);
            boolean active = i == segments.size() - 1;
            long endOffset = log.segmentEnd(i);
            if ((active && seg.sizeInBytes() == 0) || endOffset > upperBoundOffset) {
                break;
            }
            boolean belowStart = !active && endOffset <= log.logStartOffset();
            boolean tooOld = deletePolicy && config.retentionMs() >= 0
                    && nowMs - largestTimestamp(seg) > config.retentionMs();
            boolean tooBig = excessBytes >= 0 && excessBytes - seg.sizeInBytes() >= 0;
            if (!(belowStart || tooOld || tooBig)) {
                break;
            }
            if (excessBytes >= 0) {
                excessBytes -= seg.sizeInBytes();
            }
            expired.add(seg);
        }
        return expired;
    }

    /** Kafka's rule: the newest batch timestamp, or the file's modification time if batches carry none. */
    private static long largestTimestamp(LogSegment seg) {
        TimestampOffset max = seg.maxTimestampSoFar();
        if (max != null && max.timestamp() >= 0) {
            return max.timestamp();
        }
        try {
            return Files.getLastModifiedTime(seg.logFile()).toMillis();
        } catch (IOException e) {
            throw new StorageException("cannot read the modification time of " + seg + ": " + e.getMessage(), e);
        }
    }
}

package io.fjord.storage;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The flush policy and bookkeeping of one partition log: the recovery point (offsets below it are
 * fsynced), when the last full flush ran, and the fsyncs themselves.
 *
 * <p>Threading: flushes are serialised by their own lock and never take the log's writer lock, so an
 * fsync does not block appends. A truncation lowers the recovery point and bumps a generation, so a
 * flush that raced with it does not raise the recovery point over the truncated range.
 */
final class Flusher {
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Time time;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private long truncations;

    Flusher(Time time, long recoveryPoint) {
        this.time = time;
        this.recoveryPoint = recoveryPoint;
        this.lastFlushMs = time.milliseconds();
    }

    long recoveryPoint() { return recoveryPoint; }

    /** flush.messages: does an append that brought the log to {@code logEndOffset} need an fsync? */
    boolean dueByMessages(long logEndOffset, LogConfig c) {
        return logEndOffset - recoveryPoint >= c.flushMessages();
    }

    /** Applies flush.messages and flush.ms, else fsyncs segments that rolled since the last fsync. */
    void maybeFlush(LogSnapshot s, LogConfig c) {
        long unflushed = s.logEndOffset() - recoveryPoint;
        if (unflushed > 0 && (unflushed >= c.flushMessages() || time.milliseconds() - lastFlushMs >= c.flushMs())) {
            flushUpTo(s, Long.MAX_VALUE);
        } else if (recoveryPoint < s.active().baseOffset()) {
            flushUpTo(s, s.active().baseOffset());
        }
    }

    /** fsyncs every segment holding offsets in [recovery point, offsetExclusive) and advances the recovery point. */
    void flushUpTo(LogSnapshot s, long offsetExclusive) {
        flushLock.lock();
        try {
            long target = Math.min(offsetExclusive, s.logEndOffset());
            long from;
            long generation;
            synchronized (this) {
                from = recoveryPoint;
                generation = truncations;
            }
            if (target > from) {
                List<LogSegment> segments = s.segments();
                for (int i = 0; i < segments.size() && segments.get(i).baseOffset() < target; i++) {
                    if (s.segmentEnd(i) > from) {
                        flushSegment(segments.get(i));
                    }
                }
                synchronized (this) {
                    if (truncations == generation && target > recoveryPoint) {
                        recoveryPoint = target;
                    }
                }
            }
            if (offsetExclusive == Long.MAX_VALUE) {
                lastFlushMs = time.milliseconds();
            }
        } finally {
            flushLock.unlock();
        }
    }

    /** The log was truncated to {@code newEnd} (or started over there). */
    synchronized void onTruncate(long newEnd, boolean startedOver) {
        truncations++;
        recoveryPoint = startedOver ? newEnd : Math.min(recoveryPoint, newEnd);
    }

    /** fsync of one segment; a segment closed meanwhile (retention, truncation) has nothing left to flush. */
    static void flushSegment(LogSegment seg) {
        try {
            seg.flush();
        } catch (ClosedChannelException e) {
            if (!seg.isClosed()) {
                throw new StorageException("cannot flush " + seg + ": channel closed", e);
            }
        } catch (IOException e) {
            throw new StorageException("cannot flush " + seg + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code r} with no flush in progress (for close). */
    void exclusive(Runnable r) {
        flushLock.lock();
        try {
            r.run();
        } finally {
            flushLock.unlock();
        }
    }
}

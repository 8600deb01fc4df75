package io.fjord.cli;

import java.util.concurrent.locks.LockSupport;

/** Keeps a sender at or below a target rate by pausing whenever it is ahead of schedule. */
final class Throttler {
    private final double perSecond;
    private final long startNs;

    /** @param perSecond target rate; negative for no limit */
    Throttler(double perSecond, long startNs) {
        this.perSecond = perSecond;
        this.startNs = startNs;
    }

    /** Waits until {@code sentSoFar} items are within the target rate since the start. */
    void throttle(long sentSoFar) {
        if (perSecond < 0) {
            return;
        }
        long dueNs = startNs + (long) (sentSoFar * 1e9 / perSecond);
        long waitNs;
        while ((waitNs = dueNs - System.nanoTime()) > 0) {
            LockSupport.parkNanos(waitNs);
        }
    }
}

package io.fjord.metadata.common;

/**
 * The clock controller logic reads (session expiry, grace periods, backoff). Injected so that tests
 * move time by hand instead of sleeping.
 */
public interface Time {
    /** Wall-clock milliseconds since the epoch. */
    long milliseconds();

    /** Monotonic nanoseconds, for intervals only. */
    long nanoseconds();

    /** The system clocks. */
    Time SYSTEM = new Time() {
        @Override public long milliseconds() { return System.currentTimeMillis(); }
        @Override public long nanoseconds() { return System.nanoTime(); }
        @Override public String toString() { return "Time.SYSTEM"; }
    };
}

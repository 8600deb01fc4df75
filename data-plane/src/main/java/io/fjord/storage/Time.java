package io.fjord.storage;

/**
 * The clock the log reads: segment age for {@code segment.ms}, retention, LogAppendTime, flush.ms.
 * Injected so that tests move time by hand instead of sleeping.
 */
public interface Time {
    /** Wall-clock time in milliseconds since the epoch (used for timestamps and retention). */
    long milliseconds();

    /** Monotonic time in nanoseconds, for measuring intervals only. */
    long nanoseconds();

    /** The system clocks. */
    Time SYSTEM = new Time() {
        @Override public long milliseconds() { return System.currentTimeMillis(); }
        @Override public long nanoseconds() { return System.nanoTime(); }
        @Override public String toString() { return "Time.SYSTEM"; }
    };
}

package io.fjord.storage;

/** A clock that moves only when a test says so. */
final class MockTime implements Time {
    private long nowMs;
    private long nanos;

    MockTime() {
        this(1_700_000_000_000L);
    }

    MockTime(long startMs) {
        this.nowMs = startMs;
    }

    @Override
    public synchronized long milliseconds() { return nowMs; }

    @Override
    public synchronized long nanoseconds() { return nanos; }

    synchronized void advance(long ms) {
        nowMs += ms;
        nanos += ms * 1_000_000L;
    }
}

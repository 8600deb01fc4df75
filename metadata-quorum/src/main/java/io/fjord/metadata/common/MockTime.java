package io.fjord.metadata.common;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to. Lives in main (not test) so that modules depending on
 * metadata-quorum can drive controller and lifecycle logic with it in their own tests.
 *
 * <p>Threading: thread-safe.
 */
public final class MockTime implements Time {
    private final AtomicLong nowMs;

    public MockTime() {
        this(1_700_000_000_000L);
    }

    public MockTime(long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    @Override public long milliseconds() { return nowMs.get(); }

    @Override public long nanoseconds() { return nowMs.get() * 1_000_000L; }

    public void sleep(long ms) {
        nowMs.addAndGet(ms);
    }
}

package io.fjord.clients.testing;

import io.fjord.clients.internals.Time;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
public final class MockTime implements Time {
    private final AtomicLong nowMs;

    public MockTime(long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    public void sleep(long ms) {
        nowMs.addAndGet(ms);
    }

    @Override
    public long milliseconds() {
        return nowMs.get();
    }

    @Override
    public long nanoseconds() {
        return nowMs.get() * 1_000_000L;
    }
}

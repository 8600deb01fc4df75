package io.fjord.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram in microseconds with log-linear buckets: exact below 128 µs, above that 64
 * buckets per power of two (every recorded value is within 1.6% of its bucket's midpoint). Constant
 * memory whatever the record count, thread-safe (callbacks of either client may come from several
 * threads). Average and maximum are exact.
 */
final class Histogram {
    private static final int SUB = 64;
    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB);
    private final LongAdder count = new LongAdder();
    private final LongAdder sumMicros = new LongAdder();
    private final AtomicLong maxMicros = new AtomicLong();

    void recordNanos(long nanos) {
        recordMicros(Math.max(0, nanos) / 1_000);
    }

    void recordMicros(long micros) {
        long v = Math.max(0, micros);
        counts.incrementAndGet(index(v));
        count.increment();
        sumMicros.add(v);
        maxMicros.accumulateAndGet(v, Math::max);
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int e = msb - 6;                 // >= 1 since v >= 128
        long m = v >> e;                 // in [64, 128)
        return (int) (e * SUB + m);
    }

    /** The midpoint of bucket {@code i}, in microseconds. */
    static double value(int i) {
        if (i < 2 * SUB) {
            return i;
        }
        int e = i / SUB - 1;
        long m = i - (long) e * SUB;
        double lo = (double) (m << e);
        double hi = (double) (((m + 1) << e) - 1);
        return (lo + hi) / 2;
    }

    long count() {
        return count.sum();
    }

    double avgMs() {
        long n = count.sum();
        return n == 0 ? Double.NaN : sumMicros.sum() / 1000.0 / n;
    }

    double maxMs() {
        return count.sum() == 0 ? Double.NaN : maxMicros.get() / 1000.0;
    }

    /** The {@code q}-quantile (0 < q <= 1) in milliseconds; NaN when empty. */
    double percentileMs(double q) {
        long n = count.sum();
        if (n == 0) {
            return Double.NaN;
        }
        long target = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= target) {
                return Math.min(value(i), maxMicros.get()) / 1000.0;
            }
        }
        return maxMicros.get() / 1000.0;
    }
}

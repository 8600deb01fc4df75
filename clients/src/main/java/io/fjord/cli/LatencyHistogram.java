package io.fjord.cli;

/**
 * Exact latency percentiles at millisecond resolution in fixed memory: one counter per millisecond
 * up to {@code maxTrackedMs}, larger values clamped into the last counter (the maximum is kept
 * exactly apart). Percentiles follow Kafka's ProducerPerformance: the value at rank
 * floor(p * count) of the sorted latencies.
 *
 * <p>Threading: not thread-safe; the caller serialises.
 */
final class LatencyHistogram {
    private final long[] counts;
    private long total;
    private long maxMs;

    LatencyHistogram(int maxTrackedMs) {
        this.counts = new long[maxTrackedMs + 1];
    }

    void record(long latencyMs) {
        long v = Math.max(0, latencyMs);
        counts[(int) Math.min(v, counts.length - 1)]++;
        total++;
        maxMs = Math.max(maxMs, v);
    }

    long count() {
        return total;
    }

    /** @param p in [0, 1]; 0 when nothing was recorded */
    long percentile(double p) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.min(total - 1, (long) (p * total));
        long seen = 0;
        for (int ms = 0; ms < counts.length; ms++) {
            seen += counts[ms];
            if (seen > rank) {
                return ms == counts.length - 1 ? maxMs : ms;
            }
        }
        return maxMs;
    }
}

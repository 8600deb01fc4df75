package io.fjord.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Kafka ProducerPerformance's statistics and output lines: a window line every reporting interval
 * and a total line with percentiles at the end.
 *
 * <p>Threading: record() runs on the producer's sender thread (in callbacks), printTotal() after the
 * producer is closed; methods are synchronized.
 */
final class PerfStats {
    private static final double MB = 1024.0 * 1024.0;

    private final PrintStream out;
    private final long reportingIntervalMs;
    private final long startMs;
    private final LatencyHistogram histogram = new LatencyHistogram(300_000);
    private long count;
    private long bytes;
    private double totalLatencyMs;
    private double maxLatencyMs;
    private long windowStartMs;
    private long windowCount;
    private long windowBytes;
    private double windowTotalLatencyMs;
    private double windowMaxLatencyMs;

    PerfStats(PrintStream out, long reportingIntervalMs, long startMs) {
        this.out = out;
        this.reportingIntervalMs = reportingIntervalMs;
        this.startMs = startMs;
        this.windowStartMs = startMs;
    }

    synchronized void record(double latencyMs, int recordBytes, long nowMs) {
        count++;
        bytes += recordBytes;
        totalLatencyMs += latencyMs;
        maxLatencyMs = Math.max(maxLatencyMs, latencyMs);
        histogram.record((long) latencyMs);
        windowCount++;
        windowBytes += recordBytes;
        windowTotalLatencyMs += latencyMs;
        windowMaxLatencyMs = Math.max(windowMaxLatencyMs, latencyMs);
        if (nowMs - windowStartMs >= reportingIntervalMs) {
            printWindow(nowMs);
            windowStartMs = nowMs;
            windowCount = 0;
            windowBytes = 0;
            windowTotalLatencyMs = 0;
            windowMaxLatencyMs = 0;
        }
    }

    private void printWindow(long nowMs) {
        long elapsed = Math.max(1, nowMs - windowStartMs);
        out.printf(Locale.ROOT, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
                windowCount, 1000.0 * windowCount / elapsed, 1000.0 * windowBytes / elapsed / MB,
                windowTotalLatencyMs / windowCount, windowMaxLatencyMs);
        out.flush();
    }

    synchronized void printTotal(long nowMs) {
        long elapsed = Math.max(1, nowMs - startMs);
        out.printf(Locale.ROOT, "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,"
                        + " %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.%n",
                count, 1000.0 * count / elapsed, 1000.0 * bytes / elapsed / MB, count == 0 ? 0.0 : totalLatencyMs / count,
                maxLatencyMs, histogram.percentile(0.5), histogram.percentile(0.95), histogram.percentile(0.99),
                histogram.percentile(0.999));
        out.flush();
    }
}

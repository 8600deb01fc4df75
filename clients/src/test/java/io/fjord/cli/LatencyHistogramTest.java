package io.fjord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentilesMatchASortedArrayAsKafkaComputesThem() {
        Random random = new Random(9);
        long[] samples = new long[10_007];
        LatencyHistogram h = new LatencyHistogram(1000);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (long) Math.abs(random.nextGaussian() * 80);
            h.record(samples[i]);
        }
        Arrays.sort(samples);
        for (double p : new double[] {0.5, 0.95, 0.99, 0.999, 0.0, 1.0}) {
            assertEquals(samples[Math.min(samples.length - 1, (int) (p * samples.length))], h.percentile(p), "p=" + p);
        }
        assertEquals(samples.length, h.count());
    }

    @Test
    void valuesBeyondTheTrackedRangeReportTheExactMaximum() {
        LatencyHistogram h = new LatencyHistogram(100);
        h.record(5);
        h.record(6);
        h.record(70_000);
        assertEquals(6, h.percentile(0.5));
        assertEquals(70_000, h.percentile(0.99));
        assertEquals(0, new LatencyHistogram(10).percentile(0.5), "empty");
    }
}

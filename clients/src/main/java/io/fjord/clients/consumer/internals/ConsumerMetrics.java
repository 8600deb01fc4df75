package io.fjord.clients.consumer.internals;

import io.fjord.clients.internals.ClientMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's meters (listed in docs/CLIENTS.md, "Metrics"). Recorded per Fetch RPC, per
 * partition answer or per poll, never per record.
 *
 * <p>Threading: thread-safe. Fetch latency is recorded on gRPC threads, the rest on the consumer's
 * thread; the lag gauge reads a value the consumer's thread publishes on each poll.
 */
public final class ConsumerMetrics {
    public static final String FETCH_LATENCY = "fjord.consumer.fetch.latency";
    public static final String RECORDS_CONSUMED = "fjord.consumer.records.consumed";
    public static final String BYTES_CONSUMED = "fjord.consumer.bytes.consumed";
    public static final String FETCH_ERRORS = "fjord.consumer.fetch.errors";
    public static final String RECORDS_LAG_MAX = "fjord.consumer.records.lag.max";

    private static final String FETCH_ERRORS_DOC = "failed Fetch RPCs and partitions answered with an error, by exception class";

    private final ClientMetrics metrics;
    private final Timer fetchLatency;
    private final Counter recordsConsumed;
    private final Counter bytesConsumed;
    /** NaN until some assigned partition has both a position and a high watermark. */
    private volatile double recordsLagMax = Double.NaN;

    public ConsumerMetrics(ClientMetrics metrics) {
        this.metrics = metrics;
        this.fetchLatency = metrics.timer(FETCH_LATENCY, "Fetch RPC round trip, sent to answered (includes the"
                + " broker's wait of up to fetch.max.wait.ms)");
        this.recordsConsumed = metrics.counter(RECORDS_CONSUMED, "records returned by poll()");
        this.bytesConsumed = metrics.counter(BYTES_CONSUMED, "bytes of record batches fetched for assigned partitions");
        metrics.gauge(RECORDS_LAG_MAX, null, "max over assigned partitions of high watermark minus position",
                this, m -> m.recordsLagMax);
    }

    void fetchAnswered(long latencyNs) {
        fetchLatency.record(latencyNs, TimeUnit.NANOSECONDS);
    }

    void recordsReturned(int records) {
        recordsConsumed.increment(records);
    }

    void bytesFetched(int bytes) {
        bytesConsumed.increment(bytes);
    }

    void fetchFailed(Class<?> errorClass) {
        metrics.errorCounter(FETCH_ERRORS, FETCH_ERRORS_DOC, errorClass).increment();
    }

    /** @param lag the largest lag over assigned partitions, or a negative value when none is known */
    void updateRecordsLagMax(long lag) {
        recordsLagMax = lag < 0 ? Double.NaN : lag;
    }
}

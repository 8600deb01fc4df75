package io.fjord.clients.producer.internals;

import io.fjord.clients.internals.ClientMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The producer's meters (listed in docs/CLIENTS.md, "Metrics"). Recorded per request or per batch,
 * never per record: send() records nothing except when it fails a record itself.
 *
 * <p>Threading: thread-safe (Micrometer's meters are); most calls come from the sender thread.
 */
public final class ProducerMetrics {
    public static final String REQUEST_LATENCY = "fjord.producer.request.latency";
    public static final String BATCH_SIZE = "fjord.producer.batch.size";
    public static final String BATCH_RECORDS = "fjord.producer.batch.records";
    public static final String RECORDS_SENT = "fjord.producer.records.sent";
    public static final String BYTES_SENT = "fjord.producer.bytes.sent";
    public static final String RETRIES = "fjord.producer.retries";
    public static final String ERRORS = "fjord.producer.errors";
    public static final String BUFFER_AVAILABLE_BYTES = "fjord.producer.buffer.available.bytes";
    public static final String BUFFER_TOTAL_BYTES = "fjord.producer.buffer.total.bytes";
    public static final String REQUESTS_IN_FLIGHT = "fjord.producer.requests.in.flight";

    private static final String ERRORS_DOC = "records that failed for good (after any retries), by exception class";

    private final ClientMetrics metrics;
    private final Timer requestLatency;
    private final DistributionSummary batchSize;
    private final DistributionSummary batchRecords;
    private final Counter recordsSent;
    private final Counter bytesSent;
    private final Counter retries;

    public ProducerMetrics(ClientMetrics metrics) {
        this.metrics = metrics;
        this.requestLatency = metrics.timer(REQUEST_LATENCY, "Produce request round trip: sent to answered");
        this.batchSize = metrics.summary(BATCH_SIZE, "bytes", "bytes of a record batch, when first sent");
        this.batchRecords = metrics.summary(BATCH_RECORDS, "records", "records in a batch, when first sent");
        this.recordsSent = metrics.counter(RECORDS_SENT, "records acknowledged (acks=0: handed to the transport)");
        this.bytesSent = metrics.counter(BYTES_SENT, "bytes of the record batches acknowledged");
        this.retries = metrics.counter(RETRIES, "batches put back to be sent again after a retriable error");
    }

    /** Meters in a registry of their own, for tests of the parts. */
    static ProducerMetrics detached() {
        return new ProducerMetrics(new ClientMetrics(null, "detached"));
    }

    /** Gauges of the producer's memory pool and in-flight requests. */
    public void bindGauges(MemoryPool pool, Sender sender) {
        metrics.gauge(BUFFER_AVAILABLE_BYTES, "bytes", "buffer.memory not held by unsent batches", pool,
                MemoryPool::availableMemory);
        metrics.gauge(BUFFER_TOTAL_BYTES, "bytes", "buffer.memory", pool, MemoryPool::totalMemory);
        metrics.gauge(REQUESTS_IN_FLIGHT, null, "Produce requests sent and not answered yet, over all brokers",
                sender, Sender::inFlightRequests);
    }

    void requestAnswered(long latencyNs) {
        requestLatency.record(latencyNs, TimeUnit.NANOSECONDS);
    }

    void batchSent(ProducerBatch batch) {
        batchSize.record(batch.estimatedSizeInBytes());
        batchRecords.record(batch.recordCount());
    }

    void batchRetried() {
        retries.increment();
    }

    void batchCompleted(ProducerBatch batch, RuntimeException error) {
        if (error == null) {
            recordsSent.increment(batch.recordCount());
            bytesSent.increment(batch.estimatedSizeInBytes());
        } else {
            recordsFailed(error, batch.recordCount());
        }
    }

    /** Records that failed for good: in a batch, or in send() before they were queued. */
    public void recordsFailed(Throwable error, int records) {
        metrics.errorCounter(ERRORS, ERRORS_DOC, error.getClass()).increment(records);
    }
}

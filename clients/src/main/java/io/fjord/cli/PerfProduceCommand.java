package io.fjord.cli;

import io.fjord.clients.common.serialization.ByteArraySerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerConfig;
import io.fjord.clients.producer.ProducerRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code fjord perf produce}: Kafka ProducerPerformance's workload and output. Records of
 * --record-size random upper-case ASCII bytes (one payload reused, as Kafka does without a payload
 * file), null key; latency is from send() to the callback. Every 5 s:
 * <pre>X records sent, Y records/sec (Z MB/sec), A ms avg latency, M ms max latency.</pre>
 * and at the end:
 * <pre>N records sent, R records/sec (S MB/sec), A ms avg latency, M ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.</pre>
 * Failed sends are not counted there; if any, "error: F of N records failed: FIRST_ERROR" follows on
 * stderr and the exit code is 1.
 */
final class PerfProduceCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord perf produce --topic T --num-records N --record-size B [--throughput R] [--producer-props k=v ...]",
            "",
            "Options:",
            "");
    private static final long REPORTING_INTERVAL_MS = 5000;

    private final CliContext ctx;

    PerfProduceCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private static CliArgs options() {
        return CliContext.withCommonOptions(new CliArgs("fjord perf produce"))
                .value("--topic", "T", "topic to write to (required)")
                .value("--num-records", "N", "how many records to send (required)")
                .value("--record-size", "B", "bytes per record (required)")
                .value("--throughput", "R", "records/sec at most; -1 for no limit (default)")
                .list("--producer-props", "k=v", "producer configs, e.g. acks=1 batch.size=65536", "--producer-property");
    }

    int run(List<String> args) throws Exception {
        CliArgs spec = options();
        CliArgs.Parsed p = spec.parse(args);
        if (p.help) {
            ctx.out().print(USAGE + spec.optionsHelp());
            return 0;
        }
        p.noPositional();
        String topic = p.require("--topic");
        long numRecords = p.requireLong("--num-records", 0);
        int recordSize = (int) Math.min(Integer.MAX_VALUE, p.requireLong("--record-size", 0));
        long throughput = p.getLong("--throughput", -1, -1);
        if (throughput == 0) {
            throw new UsageException(p.command(), "invalid value '0' for --throughput: give a positive rate, or -1 for no limit");
        }
        String bootstrap = CliContext.bootstrap(p);
        TopicCheck.requireTopic(bootstrap, topic);

        Map<String, Object> configs = new HashMap<>();
        configs.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        configs.put(ProducerConfig.CLIENT_ID_CONFIG, "fjord-perf-producer");
        configs.putAll(p.keyValues("--producer-props"));

        byte[] payload = new byte[recordSize];
        Random random = new Random();
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (random.nextInt(26) + 65);
        }
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long startMs = System.currentTimeMillis();
        PerfStats stats = new PerfStats(ctx.out(), REPORTING_INTERVAL_MS, startMs);
        Throttler throttler = new Throttler(throughput, System.nanoTime());
        try (FjordProducer<byte[], byte[]> producer =
                     new FjordProducer<>(configs, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < numRecords; i++) {
                long sendStartNs = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, null, payload), (metadata, exception) -> {
                    if (exception != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, exception.getMessage());
                    } else {
                        stats.record((System.nanoTime() - sendStartNs) / 1e6, payload.length, System.currentTimeMillis());
                    }
                });
                throttler.throttle(i + 1);
            }
        }
        stats.printTotal(System.currentTimeMillis());
        if (failed.get() > 0) {
            ctx.err().println("error: " + failed.get() + " of " + numRecords + " records failed: " + firstError.get());
            return 1;
        }
        return 0;
    }
}

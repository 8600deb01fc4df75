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
 * file), or, with --payload-file, payloads picked at random from the file's delimited entries (as
 * Kafka's --payload-file: realistic data for compression figures); null key; latency is from send()
 * to the callback. Every 5 s:
 * <pre>X records sent, Y records/sec (Z MB/sec), A ms avg latency, M ms max latency.</pre>
 * and at the end:
 * <pre>N records sent, R records/sec (S MB/sec), A ms avg latency, M ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.</pre>
 * preceded by what compression did ("compression.type=lz4: X MB of record values went out as Y MB of record
 * batches (Z% saved)", from the producer's fjord.producer.bytes.sent meter). Failed sends are not
 * counted there; if any, "error: F of N records failed: FIRST_ERROR" follows on
 * stderr and the exit code is 1.
 */
final class PerfProduceCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord perf produce --topic T --num-records N (--record-size B | --payload-file F) [--throughput R]",
            "                          [--producer-props k=v ...]",
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
                .value("--record-size", "B", "bytes per record (this or --payload-file is required)")
                .value("--payload-file", "F", "UTF-8 file of payloads; each record takes one at random")
                .value("--payload-delimiter", "D", "what separates payloads in --payload-file (default: newline)")
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
        String payloadFile = p.get("--payload-file");
        if ((payloadFile == null) == (p.get("--record-size") == null)) {
            throw new UsageException(p.command(), "give exactly one of --record-size and --payload-file");
        }
        List<byte[]> payloads = payloadFile != null
                ? PayloadFile.read(java.nio.file.Path.of(payloadFile), p.get("--payload-delimiter", "\n"))
                : List.of(randomPayload((int) Math.min(Integer.MAX_VALUE, p.requireLong("--record-size", 0))));
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

        Random pick = new Random();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long startMs = System.currentTimeMillis();
        PerfStats stats = new PerfStats(ctx.out(), REPORTING_INTERVAL_MS, startMs);
        Throttler throttler = new Throttler(throughput, System.nanoTime());
        AtomicLong valueBytes = new AtomicLong();
        double batchBytes;
        try (FjordProducer<byte[], byte[]> producer =
                     new FjordProducer<>(configs, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < numRecords; i++) {
                long sendStartNs = System.nanoTime();
                byte[] payload = payloads.size() == 1 ? payloads.get(0) : payloads.get(pick.nextInt(payloads.size()));
                producer.send(new ProducerRecord<>(topic, null, payload), (metadata, exception) -> {
                    if (exception != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, exception.getMessage());
                    } else {
                        stats.record((System.nanoTime() - sendStartNs) / 1e6, payload.length, System.currentTimeMillis());
                        valueBytes.addAndGet(payload.length);
                    }
                });
                throttler.throttle(i + 1);
            }
            producer.flush();
            batchBytes = producer.metrics().find("fjord.producer.bytes.sent").counters().stream()
                    .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
        }
        long endMs = System.currentTimeMillis();
        // Before Kafka's total line, which scripts expect last.
        ctx.out().println(compressionLine(String.valueOf(configs.getOrDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none")),
                valueBytes.get(), batchBytes));
        stats.printTotal(endMs);
        if (failed.get() > 0) {
            ctx.err().println("error: " + failed.get() + " of " + numRecords + " records failed: " + firstError.get());
            return 1;
        }
        return 0;
    }

    /** What compression did: record values acknowledged versus the record batches that carried them. */
    static String compressionLine(String compressionType, long valueBytes, double batchBytes) {
        if (valueBytes <= 0) {
            return "compression.type=" + compressionType + ": no records acknowledged";
        }
        double saved = 100.0 * (1 - batchBytes / valueBytes);
        return String.format("compression.type=%s: %.1f MB of record values went out as %.1f MB of record batches (%s)",
                compressionType, valueBytes / 1e6, batchBytes / 1e6,
                saved >= 0 ? String.format("%.1f%% saved", saved) : String.format("%.1f%% framing overhead", -saved));
    }

    private static byte[] randomPayload(int size) {
        byte[] payload = new byte[size];
        Random random = new Random();
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (random.nextInt(26) + 65);
        }
        return payload;
    }
}

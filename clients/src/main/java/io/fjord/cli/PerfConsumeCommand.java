package io.fjord.cli;

import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.ByteArrayDeserializer;
import io.fjord.clients.consumer.ConsumerConfig;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.ConsumerRecords;
import io.fjord.clients.consumer.FjordConsumer;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code fjord perf consume}: reads --messages records from the beginning of every partition of the
 * topic and prints Kafka ConsumerPerformance's two lines:
 * <pre>
 * start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
 * 2026-01-01 10:00:00:000, 2026-01-01 10:00:03:482, 95.3674, 27.3887, 100000, 28719.1269, 0, 3482, 27.3887, 28719.1269
 * </pre>
 * (bytes are key plus value; rebalance.time.ms is 0 since partitions are assigned, not joined). Stops
 * early when no record arrived for --timeout-ms (default 10000), printing a warning to stderr.
 */
final class PerfConsumeCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord perf consume --topic T --messages N [--timeout-ms MS] [--consumer-props k=v ...]",
            "",
            "Options:",
            "");
    private static final double MB = 1024.0 * 1024.0;

    private final CliContext ctx;

    PerfConsumeCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private static CliArgs options() {
        return CliContext.withCommonOptions(new CliArgs("fjord perf consume"))
                .value("--topic", "T", "topic to read (required)")
                .value("--messages", "N", "how many records to read (required)", "--num-records")
                .value("--timeout-ms", "MS", "stop when no record arrived for this long (default 10000)", "--timeout")
                .list("--consumer-props", "k=v", "consumer configs, e.g. fetch.max.bytes=1048576", "--consumer-property");
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
        long messages = p.requireLong("--messages", 1);
        long timeoutMs = p.getLong("--timeout-ms", 10000, 1);

        Map<String, Object> configs = new HashMap<>();
        configs.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, CliContext.bootstrap(p));
        configs.put(ConsumerConfig.CLIENT_ID_CONFIG, "fjord-perf-consumer");
        configs.putAll(p.keyValues("--consumer-props"));
        long count = 0;
        long bytes = 0;
        long startMs;
        long endMs;
        try (FjordConsumer<byte[], byte[]> consumer =
                     new FjordConsumer<>(configs, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic);
            if (partitions.isEmpty()) {
                throw TopicCheck.missing(topic);
            }
            List<TopicPartition> tps = partitions.stream().map(PartitionInfo::topicPartition).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            startMs = System.currentTimeMillis();
            long lastConsumedMs = startMs;
            while (count < messages && System.currentTimeMillis() - lastConsumedMs <= timeoutMs) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    lastConsumedMs = System.currentTimeMillis();
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    count++;
                    bytes += Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
                }
            }
            endMs = System.currentTimeMillis();
        }
        if (count < messages) {
            ctx.err().printf(Locale.ROOT, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms)"
                    + " exceeded. You can use the --timeout-ms option to increase the timeout.%n", timeoutMs);
        }
        SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS", Locale.ROOT);
        double seconds = Math.max(1, endMs - startMs) / 1000.0;
        double mb = bytes / MB;
        ctx.out().println("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,"
                + " rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
        ctx.out().printf(Locale.ROOT, "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f%n",
                format.format(new Date(startMs)), format.format(new Date(endMs)), mb, mb / seconds, count,
                count / seconds, 0, endMs - startMs, mb / seconds, count / seconds);
        return 0;
    }
}

package io.fjord.cli;

import io.fjord.clients.common.PartitionInfo;
import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.serialization.StringDeserializer;
import io.fjord.clients.consumer.ConsumerConfig;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.ConsumerRecords;
import io.fjord.clients.consumer.FjordConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code fjord consume --topic T}: assigns every partition of T (or the one given) and prints one
 * line per record:
 * <pre>
 * [TIMESTAMP_TYPE:TIMESTAMP TAB][PARTITION:OFFSET TAB][KEY TAB]VALUE
 * </pre>
 * (timestamp with --property print.timestamp=true; partition:offset with --print-offset; key with
 * --print-key; the separator after the key is key.separator, tab by default; a null key or value
 * prints "null"). Starts at the end of each partition unless --from-beginning or --offset says
 * otherwise. Stops after --max-messages records, or when no record arrived for --timeout-ms; then
 * prints "Processed a total of N messages" to stderr and exits 0, as kafka-console-consumer.
 */
final class ConsumeCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord consume --topic T [--partition P] [--offset N|earliest|latest] [--from-beginning]",
            "                     [--max-messages N] [--timeout-ms MS] [--print-key] [--print-offset] [--property k=v ...]",
            "Output per record: [partition:offset<TAB>][key<TAB>]value",
            "",
            "Options:",
            "");
    private static final Set<String> FORMATTER_PROPERTIES =
            Set.of("print.key", "print.offset", "print.timestamp", "print.value", "key.separator", "null.literal");

    private final CliContext ctx;

    ConsumeCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private static CliArgs options() {
        return CliContext.withCommonOptions(new CliArgs("fjord consume"))
                .value("--topic", "T", "topic to read (required)")
                .value("--partition", "P", "read only this partition")
                .value("--offset", "N|earliest|latest", "where to start (a number needs --partition; default latest)")
                .flag("--from-beginning", "start at the earliest offset (same as --offset earliest)")
                .value("--max-messages", "N", "stop after N records")
                .value("--timeout-ms", "MS", "stop when no record arrived for MS milliseconds")
                .flag("--print-key", "print the key before the value")
                .flag("--print-offset", "print partition:offset before the record")
                .list("--property", "k=v", "print.key, print.offset, print.timestamp, print.value, key.separator,"
                        + " null.literal; any other key is passed to the consumer as a config")
                .list("--consumer-props", "k=v", "consumer configs", "--consumer-property");
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
        Integer partition = p.has("--partition") ? p.getInt("--partition", 0, 0) : null;
        long maxMessages = p.getLong("--max-messages", Long.MAX_VALUE, 1);
        long timeoutMs = p.getLong("--timeout-ms", Long.MAX_VALUE, 1);
        String offset = p.get("--offset");
        if (offset != null && p.has("--from-beginning")) {
            throw new UsageException(p.command(), "--from-beginning and --offset cannot be used together");
        }
        Long startOffset = null;
        if (offset != null && !offset.equals("earliest") && !offset.equals("latest")) {
            startOffset = p.getLong("--offset", 0, 0);
            if (partition == null) {
                throw new UsageException(p.command(), "--offset N needs --partition (an offset belongs to one partition)");
            }
        }
        boolean fromBeginning = p.has("--from-beginning") || "earliest".equals(offset);

        Map<String, String> format = new HashMap<>();
        Map<String, Object> configs = new HashMap<>();
        configs.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, CliContext.bootstrap(p));
        configs.put(ConsumerConfig.CLIENT_ID_CONFIG, "fjord-console-consumer");
        for (Map.Entry<String, String> e : p.keyValues("--property").entrySet()) {
            if (FORMATTER_PROPERTIES.contains(e.getKey())) {
                format.put(e.getKey(), e.getValue());
            } else {
                configs.put(e.getKey(), e.getValue());
            }
        }
        configs.putAll(p.keyValues("--consumer-props"));
        boolean printKey = p.has("--print-key") || Boolean.parseBoolean(format.getOrDefault("print.key", "false"));
        boolean printOffset = p.has("--print-offset") || Boolean.parseBoolean(format.getOrDefault("print.offset", "false"));
        boolean printTimestamp = Boolean.parseBoolean(format.getOrDefault("print.timestamp", "false"));
        boolean printValue = Boolean.parseBoolean(format.getOrDefault("print.value", "true"));
        String keySeparator = format.getOrDefault("key.separator", "\t");
        String nullLiteral = format.getOrDefault("null.literal", "null");

        long processed = 0;
        boolean started = false;
        try (FjordConsumer<String, String> consumer =
                     new FjordConsumer<>(configs, new StringDeserializer(), new StringDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic);
            if (partitions.isEmpty()) {
                throw TopicCheck.missing(topic);
            }
            List<TopicPartition> assigned = new ArrayList<>();
            for (PartitionInfo pi : partitions) {
                if (partition == null || pi.partition() == partition) {
                    assigned.add(pi.topicPartition());
                }
            }
            if (assigned.isEmpty()) {
                throw new IllegalArgumentException("partition " + partition + " does not exist: topic '" + topic
                        + "' has partitions 0 to " + (partitions.size() - 1) + ".");
            }
            consumer.assign(assigned);
            if (startOffset != null) {
                consumer.seek(assigned.get(0), startOffset);
            } else if (fromBeginning) {
                consumer.seekToBeginning(assigned);
            } else {
                consumer.seekToEnd(assigned);
            }
            started = true;
            long lastActivity = System.currentTimeMillis();
            StringBuilder line = new StringBuilder();
            outer:
            while (true) {
                long idleMs = System.currentTimeMillis() - lastActivity;
                if (idleMs >= timeoutMs) {
                    break;
                }
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(Math.min(1000, timeoutMs - idleMs)));
                if (!records.isEmpty()) {
                    lastActivity = System.currentTimeMillis();
                }
                for (ConsumerRecord<String, String> r : records) {
                    line.setLength(0);
                    if (printTimestamp) {
                        line.append(r.timestampType()).append(':').append(r.timestamp()).append('\t');
                    }
                    if (printOffset) {
                        line.append(r.partition()).append(':').append(r.offset()).append('\t');
                    }
                    if (printKey) {
                        line.append(r.key() == null ? nullLiteral : r.key()).append(keySeparator);
                    }
                    if (printValue) {
                        line.append(r.value() == null ? nullLiteral : r.value());
                    }
                    ctx.out().println(line);
                    if (++processed >= maxMessages) {
                        break outer;
                    }
                }
                ctx.out().flush();
            }
        } finally {
            ctx.out().flush();
            if (started) {
                ctx.err().println("Processed a total of " + processed + " messages");
            }
        }
        return 0;
    }
}

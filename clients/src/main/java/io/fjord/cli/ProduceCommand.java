package io.fjord.cli;

import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerConfig;
import io.fjord.clients.producer.ProducerRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code fjord produce --topic T}: one record per stdin line (UTF-8; the line without its line
 * terminator is the value). With --parse-key the line is split at the first key separator (tab by
 * default) into key and value; a line without separator counts as a failed record. Prints nothing
 * on success (as kafka-console-producer); when records fail, prints
 * "error: N of M records failed: FIRST_ERROR" to stderr after EOF and exits 1.
 */
final class ProduceCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord produce --topic T [--parse-key] [--key-separator SEP] [--producer-props k=v ...]",
            "Sends each line of standard input as one record; flushes at end of input.",
            "",
            "Options:",
            "");

    private final CliContext ctx;

    ProduceCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private static CliArgs options() {
        return CliContext.withCommonOptions(new CliArgs("fjord produce"))
                .value("--topic", "T", "topic to write to (required)")
                .flag("--parse-key", "split each line into key and value at the first key separator")
                .value("--key-separator", "SEP", "key separator for --parse-key (default: tab)")
                .list("--producer-props", "k=v", "producer configs, e.g. acks=1 linger.ms=10", "--producer-property")
                .list("--property", "k=v", "Kafka console-producer style: parse.key=true, key.separator=SEP");
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
        boolean parseKey = p.has("--parse-key");
        String separator = p.get("--key-separator", "\t");
        for (Map.Entry<String, String> e : p.keyValues("--property").entrySet()) {
            switch (e.getKey()) {
                case "parse.key":
                    parseKey = Boolean.parseBoolean(e.getValue().trim());
                    break;
                case "key.separator":
                    separator = e.getValue();
                    break;
                default:
                    throw new UsageException(p.command(), "unknown --property '" + e.getKey()
                            + "' (known: parse.key, key.separator; producer configs go in --producer-props)");
            }
        }
        if (separator.isEmpty()) {
            throw new UsageException(p.command(), "the key separator must not be empty");
        }
        String bootstrap = CliContext.bootstrap(p);
        TopicCheck.requireTopic(bootstrap, topic);

        Map<String, Object> configs = new HashMap<>();
        configs.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        configs.put(ProducerConfig.CLIENT_ID_CONFIG, "fjord-console-producer");
        configs.putAll(p.keyValues("--producer-props"));
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long sent = 0;
        try (FjordProducer<String, String> producer = new FjordProducer<>(configs, new StringSerializer(), new StringSerializer());
             BufferedReader reader = new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                sent++;
                String key = null;
                String value = line;
                if (parseKey) {
                    int at = line.indexOf(separator);
                    if (at < 0) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, "line " + sent + " has no key separator '"
                                + separator.replace("\t", "\\t") + "'");
                        continue;
                    }
                    key = line.substring(0, at);
                    value = line.substring(at + separator.length());
                }
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, exception) -> {
                    if (exception != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, exception.getMessage());
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            ctx.err().println("error: " + failed.get() + " of " + sent + " records failed: " + firstError.get());
            return 1;
        }
        return 0;
    }
}

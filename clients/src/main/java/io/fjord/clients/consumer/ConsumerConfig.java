package io.fjord.clients.consumer;

import static io.fjord.clients.common.config.ConfigDef.NO_DEFAULT;
import static io.fjord.clients.common.config.ConfigDef.Type.BOOLEAN;
import static io.fjord.clients.common.config.ConfigDef.Type.CLASS;
import static io.fjord.clients.common.config.ConfigDef.Type.INT;
import static io.fjord.clients.common.config.ConfigDef.Type.LIST;
import static io.fjord.clients.common.config.ConfigDef.Type.LONG;
import static io.fjord.clients.common.config.ConfigDef.Type.STRING;
import static io.fjord.clients.common.config.ConfigDef.atLeast;
import static io.fjord.clients.common.config.ConfigDef.between;
import static io.fjord.clients.common.config.ConfigDef.nonEmptyList;
import static io.fjord.clients.common.config.ConfigDef.oneOf;

import io.fjord.clients.common.config.ClientConfig;
import io.fjord.clients.common.config.ConfigDef;
import java.util.Map;

/**
 * The consumer's configs: Kafka's names, defaults and meanings; unknown names are rejected.
 * Group configs (group.id, enable.auto.commit, auto.commit.interval.ms, session.timeout.ms,
 * heartbeat.interval.ms, max.poll.interval.ms) are accepted and have no effect until consumer groups
 * exist: use assign() and seek().
 */
public final class ConsumerConfig extends ClientConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String CLIENT_ID_CONFIG = "client.id";
    public static final String GROUP_ID_CONFIG = "group.id";
    public static final String KEY_DESERIALIZER_CLASS_CONFIG = "key.deserializer";
    public static final String VALUE_DESERIALIZER_CLASS_CONFIG = "value.deserializer";
    public static final String AUTO_OFFSET_RESET_CONFIG = "auto.offset.reset";
    public static final String FETCH_MIN_BYTES_CONFIG = "fetch.min.bytes";
    public static final String FETCH_MAX_WAIT_MS_CONFIG = "fetch.max.wait.ms";
    public static final String FETCH_MAX_BYTES_CONFIG = "fetch.max.bytes";
    public static final String MAX_PARTITION_FETCH_BYTES_CONFIG = "max.partition.fetch.bytes";
    public static final String MAX_POLL_RECORDS_CONFIG = "max.poll.records";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms";
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";
    public static final String ENABLE_AUTO_COMMIT_CONFIG = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS_CONFIG = "auto.commit.interval.ms";
    public static final String SESSION_TIMEOUT_MS_CONFIG = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms";
    public static final String MAX_POLL_INTERVAL_MS_CONFIG = "max.poll.interval.ms";
    public static final String CHECK_CRCS_CONFIG = "check.crcs";
    public static final String ISOLATION_LEVEL_CONFIG = "isolation.level";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String METADATA_MAX_AGE_CONFIG = "metadata.max.age.ms";

    static final ConfigDef DEF = new ConfigDef("consumer")
            .define(BOOTSTRAP_SERVERS_CONFIG, LIST, NO_DEFAULT, nonEmptyList(), "host:port list of brokers to start from")
            .define(CLIENT_ID_CONFIG, STRING, "", "name sent along for logs")
            .define(GROUP_ID_CONFIG, STRING, null, "accepted; consumer groups come later")
            .define(KEY_DESERIALIZER_CLASS_CONFIG, CLASS, null, "Deserializer class for keys")
            .define(VALUE_DESERIALIZER_CLASS_CONFIG, CLASS, null, "Deserializer class for values")
            .define(AUTO_OFFSET_RESET_CONFIG, STRING, "latest", oneOf("latest", "earliest", "none"),
                    "where to start without a position, or when the position is out of range")
            .define(FETCH_MIN_BYTES_CONFIG, INT, 1, atLeast(0), "bytes a fetch waits for")
            .define(FETCH_MAX_WAIT_MS_CONFIG, INT, 500, atLeast(0), "how long a fetch waits for fetch.min.bytes")
            .define(FETCH_MAX_BYTES_CONFIG, INT, 52428800, atLeast(0), "bytes per fetch over all partitions")
            .define(MAX_PARTITION_FETCH_BYTES_CONFIG, INT, 1048576, atLeast(0), "bytes per partition per fetch")
            .define(MAX_POLL_RECORDS_CONFIG, INT, 500, between(1, Integer.MAX_VALUE), "records one poll returns at most")
            .define(REQUEST_TIMEOUT_MS_CONFIG, INT, 30000, atLeast(0), "how long one request may take")
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, INT, 60000, atLeast(0), "timeout of blocking calls without one")
            .define(ENABLE_AUTO_COMMIT_CONFIG, BOOLEAN, true, "accepted; consumer groups come later")
            .define(AUTO_COMMIT_INTERVAL_MS_CONFIG, INT, 5000, atLeast(0), "accepted; consumer groups come later")
            .define(SESSION_TIMEOUT_MS_CONFIG, INT, 45000, atLeast(0), "accepted; consumer groups come later")
            .define(HEARTBEAT_INTERVAL_MS_CONFIG, INT, 3000, atLeast(0), "accepted; consumer groups come later")
            .define(MAX_POLL_INTERVAL_MS_CONFIG, INT, 300000, atLeast(1), "accepted; consumer groups come later")
            .define(CHECK_CRCS_CONFIG, BOOLEAN, true, "verify each fetched batch's CRC-32C")
            .define(ISOLATION_LEVEL_CONFIG, STRING, "read_uncommitted", oneOf("read_uncommitted", "read_committed"),
                    "transactions come later; sent to the broker as is")
            .define(RETRY_BACKOFF_MS_CONFIG, LONG, 100L, atLeast(0), "pause before retrying a failed request")
            .define(METADATA_MAX_AGE_CONFIG, LONG, 300000L, atLeast(0), "refresh metadata at least this often");

    public ConsumerConfig(Map<?, ?> props) {
        super(DEF, props);
    }

    public static ConfigDef configDef() {
        return DEF;
    }
}

package io.fjord.clients.producer;

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
import io.fjord.clients.common.errors.ConfigException;
import java.util.Map;

/**
 * The producer's configs: Kafka's names, defaults and meanings. Unknown names are rejected.
 *
 * <ul>
 *   <li>{@code enable.idempotence} (default true): batches carry a producer id and sequences, so the
 *       leader drops a retried batch it already holds. As in Kafka it needs {@code acks=all},
 *       {@code retries > 0} and at most 5 requests in flight; when it was not set explicitly and
 *       those do not hold, it is turned off; when it was set to true, they are errors.</li>
 *   <li>{@code compression.type}: none, gzip, snappy, lz4 or zstd.</li>
 * </ul>
 */
public final class ProducerConfig extends ClientConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String CLIENT_ID_CONFIG = "client.id";
    public static final String KEY_SERIALIZER_CLASS_CONFIG = "key.serializer";
    public static final String VALUE_SERIALIZER_CLASS_CONFIG = "value.serializer";
    public static final String ACKS_CONFIG = "acks";
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    public static final String LINGER_MS_CONFIG = "linger.ms";
    public static final String BUFFER_MEMORY_CONFIG = "buffer.memory";
    public static final String MAX_BLOCK_MS_CONFIG = "max.block.ms";
    public static final String MAX_REQUEST_SIZE_CONFIG = "max.request.size";
    public static final String COMPRESSION_TYPE_CONFIG = "compression.type";
    public static final String RETRIES_CONFIG = "retries";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String DELIVERY_TIMEOUT_MS_CONFIG = "delivery.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms";
    public static final String MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = "max.in.flight.requests.per.connection";
    public static final String ENABLE_IDEMPOTENCE_CONFIG = "enable.idempotence";
    public static final String METADATA_MAX_AGE_CONFIG = "metadata.max.age.ms";

    static final ConfigDef DEF = new ConfigDef("producer")
            .define(BOOTSTRAP_SERVERS_CONFIG, LIST, NO_DEFAULT, nonEmptyList(), "host:port list of brokers to start from")
            .define(CLIENT_ID_CONFIG, STRING, "", "name sent along for logs")
            .define(KEY_SERIALIZER_CLASS_CONFIG, CLASS, null, "Serializer class for keys")
            .define(VALUE_SERIALIZER_CLASS_CONFIG, CLASS, null, "Serializer class for values")
            .define(ACKS_CONFIG, STRING, "all", oneOf("all", "-1", "0", "1"), "acknowledgements the leader waits for")
            .define(BATCH_SIZE_CONFIG, INT, 16384, atLeast(0), "upper bound of a batch, bytes")
            .define(LINGER_MS_CONFIG, LONG, 5L, atLeast(0), "how long a batch waits for more records")
            .define(BUFFER_MEMORY_CONFIG, LONG, 33554432L, atLeast(0), "bytes of unsent batches before send blocks")
            .define(MAX_BLOCK_MS_CONFIG, LONG, 60000L, atLeast(0), "how long send() may block for metadata or memory")
            .define(MAX_REQUEST_SIZE_CONFIG, INT, 1048576, atLeast(0), "upper bound of a record and of a request")
            .define(COMPRESSION_TYPE_CONFIG, STRING, "none", oneOf("none", "gzip", "snappy", "lz4", "zstd"), "batch compression")
            .define(RETRIES_CONFIG, INT, Integer.MAX_VALUE, atLeast(0), "resends of a failed batch")
            .define(RETRY_BACKOFF_MS_CONFIG, LONG, 100L, atLeast(0), "pause before a resend")
            .define(DELIVERY_TIMEOUT_MS_CONFIG, INT, 120000, atLeast(0), "upper bound from send() to completion")
            .define(REQUEST_TIMEOUT_MS_CONFIG, INT, 30000, atLeast(0), "how long one request may take")
            .define(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, INT, 5, between(1, Integer.MAX_VALUE),
                    "unanswered produce requests per broker")
            .define(ENABLE_IDEMPOTENCE_CONFIG, BOOLEAN, true,
                    "the leader drops retried batches it already holds (needs acks=all, retries > 0, in-flight <= 5)")
            .define(METADATA_MAX_AGE_CONFIG, LONG, 300000L, atLeast(0), "refresh metadata at least this often");

    public ProducerConfig(Map<?, ?> props) {
        super(DEF, props);
        long linger = getLong(LINGER_MS_CONFIG);
        long request = getInt(REQUEST_TIMEOUT_MS_CONFIG);
        if (isGiven(DELIVERY_TIMEOUT_MS_CONFIG) && getInt(DELIVERY_TIMEOUT_MS_CONFIG) < linger + request) {
            throw new ConfigException("delivery.timeout.ms (" + getInt(DELIVERY_TIMEOUT_MS_CONFIG) + ") should be equal"
                    + " to or larger than linger.ms + request.timeout.ms (" + (linger + request) + ").");
        }
        if (isGiven(ENABLE_IDEMPOTENCE_CONFIG) && getBoolean(ENABLE_IDEMPOTENCE_CONFIG)) {
            String conflict = idempotenceConflict();
            if (conflict != null) {
                throw new ConfigException("enable.idempotence=true needs " + conflict
                        + "; change that setting or set enable.idempotence=false.");
            }
        }
    }

    private String idempotenceConflict() {
        if (acks() != -1) {
            return "acks=all (got acks=" + getString(ACKS_CONFIG) + ")";
        }
        if (getInt(RETRIES_CONFIG) == 0) {
            return "retries > 0 (got 0)";
        }
        if (getInt(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION) > 5) {
            return "max.in.flight.requests.per.connection <= 5 (got " + getInt(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION) + ")";
        }
        return null;
    }

    /**
     * Whether the producer is idempotent: enable.idempotence (default true) unless, left at its
     * default, another setting rules it out (acks other than all, retries=0, more than 5 in flight),
     * as in Kafka.
     */
    public boolean idempotenceEnabled() {
        return getBoolean(ENABLE_IDEMPOTENCE_CONFIG) && idempotenceConflict() == null;
    }

    public static ConfigDef configDef() {
        return DEF;
    }

    /** delivery.timeout.ms, raised to linger.ms + request.timeout.ms when left at its default (as Kafka). */
    public long deliveryTimeoutMs() {
        return Math.max(getInt(DELIVERY_TIMEOUT_MS_CONFIG), getLong(LINGER_MS_CONFIG) + getInt(REQUEST_TIMEOUT_MS_CONFIG));
    }

    /** 0, 1 or -1. */
    public short acks() {
        String acks = getString(ACKS_CONFIG);
        return acks.equalsIgnoreCase("all") ? -1 : Short.parseShort(acks);
    }
}

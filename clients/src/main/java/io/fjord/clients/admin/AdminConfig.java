package io.fjord.clients.admin;

import static io.fjord.clients.common.config.ConfigDef.NO_DEFAULT;
import static io.fjord.clients.common.config.ConfigDef.Type.INT;
import static io.fjord.clients.common.config.ConfigDef.Type.LIST;
import static io.fjord.clients.common.config.ConfigDef.Type.LONG;
import static io.fjord.clients.common.config.ConfigDef.Type.STRING;
import static io.fjord.clients.common.config.ConfigDef.atLeast;
import static io.fjord.clients.common.config.ConfigDef.nonEmptyList;

import io.fjord.clients.common.config.ClientConfig;
import io.fjord.clients.common.config.ConfigDef;
import java.util.Map;

/** The admin client's configs: Kafka's names and defaults; unknown names are rejected. */
public final class AdminConfig extends ClientConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String CLIENT_ID_CONFIG = "client.id";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms";
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String METADATA_MAX_AGE_CONFIG = "metadata.max.age.ms";

    static final ConfigDef DEF = new ConfigDef("admin client")
            .define(BOOTSTRAP_SERVERS_CONFIG, LIST, NO_DEFAULT, nonEmptyList(), "host:port list of brokers to start from")
            .define(CLIENT_ID_CONFIG, STRING, "", "name sent along for logs")
            .define(REQUEST_TIMEOUT_MS_CONFIG, INT, 30000, atLeast(0), "how long one request may take")
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, INT, 60000, atLeast(0), "how long one admin call may take, retries included")
            .define(RETRY_BACKOFF_MS_CONFIG, LONG, 100L, atLeast(0), "pause before retrying a failed request")
            .define(METADATA_MAX_AGE_CONFIG, LONG, 300000L, atLeast(0), "refresh metadata at least this often");

    public AdminConfig(Map<?, ?> props) {
        super(DEF, props);
    }

    public static ConfigDef configDef() {
        return DEF;
    }
}

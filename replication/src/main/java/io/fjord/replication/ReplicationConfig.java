package io.fjord.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Broker-level replication settings, with Kafka's names and defaults.
 *
 * @param replicaLagTimeMaxMs {@value #REPLICA_LAG_TIME_MAX_MS} (default 30000): a follower that has
 *     not caught up with the leader's log end for this long is proposed out of the ISR. The leader
 *     should run {@code maybeShrinkIsr} at least every half of it, as Kafka does.
 * @param replicaFetchWaitMaxMs {@value #REPLICA_FETCH_WAIT_MAX_MS} (default 500): how long the leader
 *     may hold a follower's fetch when fewer than min bytes are ready (the long poll). Keep it below
 *     replica.lag.time.max.ms, or idle followers drop out of the ISR.
 * @param replicaFetchMinBytes {@value #REPLICA_FETCH_MIN_BYTES} (default 1): bytes the leader waits
 *     for before answering a follower's fetch.
 * @param replicaFetchMaxBytes {@value #REPLICA_FETCH_MAX_BYTES} (default 1048576): per-partition limit
 *     of a follower fetch; the first batch is returned even when larger.
 * @param replicaFetchResponseMaxBytes {@value #REPLICA_FETCH_RESPONSE_MAX_BYTES} (default 10485760):
 *     limit of a whole follower fetch response, over all partitions.
 * @param replicaFetchBackoffMs {@value #REPLICA_FETCH_BACKOFF_MS} (default 1000): how long a follower
 *     waits before fetching a partition again after an error. The leader also waits this long before
 *     proposing an ISR change again after the controller rejected one as ineligible.
 */
public record ReplicationConfig(long replicaLagTimeMaxMs, int replicaFetchWaitMaxMs, int replicaFetchMinBytes,
                                int replicaFetchMaxBytes, int replicaFetchResponseMaxBytes, long replicaFetchBackoffMs) {
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MIN_BYTES = "replica.fetch.min.bytes";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_FETCH_RESPONSE_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String REPLICA_FETCH_BACKOFF_MS = "replica.fetch.backoff.ms";
    public static final Set<String> NAMES = Set.of(REPLICA_LAG_TIME_MAX_MS, REPLICA_FETCH_WAIT_MAX_MS,
            REPLICA_FETCH_MIN_BYTES, REPLICA_FETCH_MAX_BYTES, REPLICA_FETCH_RESPONSE_MAX_BYTES, REPLICA_FETCH_BACKOFF_MS);

    public ReplicationConfig {
        positive(REPLICA_LAG_TIME_MAX_MS, replicaLagTimeMaxMs);
        atLeast(REPLICA_FETCH_WAIT_MAX_MS, replicaFetchWaitMaxMs, 0);
        atLeast(REPLICA_FETCH_MIN_BYTES, replicaFetchMinBytes, 0);
        positive(REPLICA_FETCH_MAX_BYTES, replicaFetchMaxBytes);
        positive(REPLICA_FETCH_RESPONSE_MAX_BYTES, replicaFetchResponseMaxBytes);
        atLeast(REPLICA_FETCH_BACKOFF_MS, replicaFetchBackoffMs, 0);
    }

    public static ReplicationConfig defaults() {
        return new ReplicationConfig(30_000L, 500, 1, 1_048_576, 10_485_760, 1_000L);
    }

    /**
     * Reads the keys of {@link #NAMES} from broker properties, keeping {@code base} for absent ones and
     * ignoring other keys (they belong to other parts of the broker).
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static ReplicationConfig fromMap(Map<String, String> props, ReplicationConfig base) {
        return new ReplicationConfig(
                longValue(props, REPLICA_LAG_TIME_MAX_MS, base.replicaLagTimeMaxMs),
                intValue(props, REPLICA_FETCH_WAIT_MAX_MS, base.replicaFetchWaitMaxMs),
                intValue(props, REPLICA_FETCH_MIN_BYTES, base.replicaFetchMinBytes),
                intValue(props, REPLICA_FETCH_MAX_BYTES, base.replicaFetchMaxBytes),
                intValue(props, REPLICA_FETCH_RESPONSE_MAX_BYTES, base.replicaFetchResponseMaxBytes),
                longValue(props, REPLICA_FETCH_BACKOFF_MS, base.replicaFetchBackoffMs));
    }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(REPLICA_LAG_TIME_MAX_MS, Long.toString(replicaLagTimeMaxMs));
        m.put(REPLICA_FETCH_WAIT_MAX_MS, Integer.toString(replicaFetchWaitMaxMs));
        m.put(REPLICA_FETCH_MIN_BYTES, Integer.toString(replicaFetchMinBytes));
        m.put(REPLICA_FETCH_MAX_BYTES, Integer.toString(replicaFetchMaxBytes));
        m.put(REPLICA_FETCH_RESPONSE_MAX_BYTES, Integer.toString(replicaFetchResponseMaxBytes));
        m.put(REPLICA_FETCH_BACKOFF_MS, Long.toString(replicaFetchBackoffMs));
        return m;
    }

    private static long longValue(Map<String, String> props, String key, long dflt) {
        String v = props.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + key + ": expected a whole number");
        }
    }

    private static int intValue(Map<String, String> props, String key, int dflt) {
        long v = longValue(props, key, dflt);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("invalid value '" + props.get(key) + "' for " + key
                    + ": expected at most " + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + key + ": must be > 0");
        }
    }

    private static void atLeast(String key, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + key + ": must be >= " + min);
        }
    }
}

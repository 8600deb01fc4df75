package io.fjord.metadata.image;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Registered brokers and controllers, by id. Immutable. */
public record ClusterImage(Map<Integer, BrokerRegistration> brokers, Map<Integer, ControllerRegistration> controllers) {
    public static final ClusterImage EMPTY = new ClusterImage(Map.of(), Map.of());

    public ClusterImage {
        brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        controllers = Collections.unmodifiableMap(new TreeMap<>(controllers));
    }

    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }

    public boolean isUnfenced(int brokerId) {
        BrokerRegistration b = brokers.get(brokerId);
        return b != null && !b.fenced();
    }

    /** May lead a partition: registered, unfenced, not in controlled shutdown. */
    public boolean isActive(int brokerId) {
        BrokerRegistration b = brokers.get(brokerId);
        return b != null && b.isActive();
    }

    /** Brokers that may receive new replicas, in id order. */
    public List<BrokerRegistration> activeBrokers() {
        return brokers.values().stream().filter(BrokerRegistration::isActive).toList();
    }
}

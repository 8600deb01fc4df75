package io.fjord.metadata.image;

import io.fjord.proto.metadata.BrokerRegistrationChangeRecord;
import io.fjord.proto.metadata.FenceBrokerRecord;
import io.fjord.proto.metadata.RegisterBrokerRecord;
import io.fjord.proto.metadata.RegisterControllerRecord;
import io.fjord.proto.metadata.UnfenceBrokerRecord;
import io.fjord.proto.metadata.UnregisterBrokerRecord;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Changes to the registered brokers and controllers. Records that name a broker epoch other than the
 * current registration's are stale and ignored, identically on every node.
 *
 * <p>Threading: confined to the thread replaying.
 */
public final class ClusterDelta {
    private final ClusterImage base;
    private boolean reset;
    /** Changed brokers; a null value means unregistered. */
    private final Map<Integer, BrokerRegistration> brokers = new HashMap<>();
    private final Map<Integer, ControllerRegistration> controllers = new HashMap<>();

    ClusterDelta(ClusterImage base) {
        this.base = base;
    }

    void reset() {
        reset = true;
        brokers.clear();
        controllers.clear();
        for (Integer id : base.brokers().keySet()) {
            brokers.put(id, null);
        }
    }

    /** The broker as of this delta, or null. */
    public BrokerRegistration broker(int id) {
        if (brokers.containsKey(id)) {
            return brokers.get(id);
        }
        return base.broker(id);
    }

    /** Broker ids whose registration changed (including unregistered ones). */
    public Set<Integer> changedBrokers() {
        return new TreeSet<>(brokers.keySet());
    }

    void replay(RegisterBrokerRecord r, long offset) {
        // The record's epoch is set when written from an image; a controller command leaves it 0 and the
        // epoch is the record's own offset, which only the log knows.
        long epoch = r.getBrokerEpoch() > 0 ? r.getBrokerEpoch() : offset;
        brokers.put(r.getBrokerId(), new BrokerRegistration(r.getBrokerId(), epoch, r.getIncarnationId(),
                r.getEndpointsList(), r.getRack(), true, false));
    }

    void replay(FenceBrokerRecord r) {
        BrokerRegistration b = current(r.getBrokerId(), r.getBrokerEpoch());
        if (b != null) {
            brokers.put(b.id(), b.withFenced(true));
        }
    }

    void replay(UnfenceBrokerRecord r) {
        BrokerRegistration b = current(r.getBrokerId(), r.getBrokerEpoch());
        if (b != null) {
            brokers.put(b.id(), b.withFenced(false));
        }
    }

    void replay(UnregisterBrokerRecord r) {
        if (current(r.getBrokerId(), r.getBrokerEpoch()) != null) {
            brokers.put(r.getBrokerId(), null);
        }
    }

    void replay(BrokerRegistrationChangeRecord r) {
        BrokerRegistration b = current(r.getBrokerId(), r.getBrokerEpoch());
        if (b != null) {
            brokers.put(b.id(), b.withControlledShutdown(r.getInControlledShutdown()));
        }
    }

    void replay(RegisterControllerRecord r) {
        controllers.put(r.getControllerId(), new ControllerRegistration(r.getControllerId(), r.getHost(), r.getPort()));
    }

    private BrokerRegistration current(int id, long epoch) {
        BrokerRegistration b = broker(id);
        return b != null && b.epoch() == epoch ? b : null;
    }

    ClusterImage apply() {
        if (!reset && brokers.isEmpty() && controllers.isEmpty()) {
            return base;
        }
        Map<Integer, BrokerRegistration> newBrokers = new HashMap<>(base.brokers());
        brokers.forEach((id, b) -> {
            if (b == null) {
                newBrokers.remove(id);
            } else {
                newBrokers.put(id, b);
            }
        });
        Map<Integer, ControllerRegistration> newControllers = new HashMap<>(reset ? Map.of() : base.controllers());
        newControllers.putAll(controllers);
        return new ClusterImage(newBrokers, newControllers);
    }
}

package io.fjord.clients.internals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one client, in the client's own {@link SimpleMeterRegistry} or in a registry the user
 * gave. Every meter carries the tag {@code client.id}. {@link #close()} closes the client's own
 * registry (its meters stay readable), or removes this client's meters from a user's registry, which
 * other clients and the application share.
 *
 * <p>Threading: thread-safe. Meters are made when the client is built, except the per-error-class
 * counters, which are made on the first error of their class.
 */
public final class ClientMetrics implements AutoCloseable {
    public static final String CLIENT_ID_TAG = "client.id";
    /** Tag of the error counters: the simple name of the exception class. */
    public static final String ERROR_TAG = "error";

    private final MeterRegistry registry;
    private final boolean ownsRegistry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Map<Class<?>, Counter>> errorCounters = new ConcurrentHashMap<>();
    private boolean closed;

    /** @param userRegistry where to register the meters; null for a registry of the client's own */
    public ClientMetrics(MeterRegistry userRegistry, String clientId) {
        this.ownsRegistry = userRegistry == null;
        this.registry = userRegistry != null ? userRegistry : new SimpleMeterRegistry();
        this.tags = Tags.of(CLIENT_ID_TAG, clientId);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Counters have no base unit: their names say what they count, and Prometheus would append the unit
     * to the name ({@code fjord_producer_records_sent_records_total}).
     */
    public synchronized Counter counter(String name, String description) {
        return track(Counter.builder(name).tags(tags).description(description).register(registry));
    }

    public synchronized Timer timer(String name, String description) {
        return track(Timer.builder(name).tags(tags).description(description).register(registry));
    }

    public synchronized DistributionSummary summary(String name, String baseUnit, String description) {
        return track(DistributionSummary.builder(name).tags(tags).baseUnit(baseUnit).description(description)
                .register(registry));
    }

    public synchronized <T> Gauge gauge(String name, String baseUnit, String description, T obj, ToDoubleFunction<T> f) {
        return track(Gauge.builder(name, obj, f).tags(tags).baseUnit(baseUnit).description(description)
                .register(registry));
    }

    /**
     * The counter {@code name} tagged {@code error=<simple name of errorClass>}, made on first use.
     * Error classes are few (the client's exception types), so the tag's cardinality stays small.
     */
    public Counter errorCounter(String name, String description, Class<?> errorClass) {
        Map<Class<?>, Counter> byClass = errorCounters.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        Counter c = byClass.get(errorClass);
        if (c != null) {
            return c;
        }
        return byClass.computeIfAbsent(errorClass, k -> registerErrorCounter(name, description, k));
    }

    private synchronized Counter registerErrorCounter(String name, String description, Class<?> errorClass) {
        String simple = errorClass.getSimpleName();
        Tags t = tags.and(ERROR_TAG, simple.isEmpty() ? errorClass.getName() : simple);
        if (closed) {
            // the client is closed: do not leave a meter behind in a registry that outlives it
            return new NoopCounter(new Meter.Id(name, t, null, description, Meter.Type.COUNTER));
        }
        return track(Counter.builder(name).tags(t).description(description).register(registry));
    }

    private <M extends Meter> M track(M meter) {
        if (!closed) {
            meters.add(meter);
        }
        return meter;
    }

    /** Closes the client's own registry, or removes this client's meters from the user's. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsRegistry) {
            registry.close();
        } else {
            meters.forEach(registry::remove);
        }
        meters.clear();
    }
}

package io.fjord.metadata.controller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Soft state of the active controller about broker sessions: when each broker last made contact, when
 * its connection was seen to drop, and which incarnations were replaced. Nothing here is in the
 * metadata log (heartbeats would flood it); a new active controller starts every registered broker
 * with a fresh session, as Kafka does.
 *
 * <p>Threading: not thread-safe; used only by the controller's command thread.
 */
public final class BrokerHeartbeatManager {
    private static final int RETIRED_INCARNATIONS_KEPT = 8;

    private final long sessionTimeoutMs;
    private final long connectionGraceMs;
    private final Map<Integer, Long> lastContactMs = new HashMap<>();
    private final Map<Integer, Long> connectionLostAtMs = new HashMap<>();
    private final Map<Integer, Deque<String>> retiredIncarnations = new HashMap<>();

    /**
     * @param connectionGraceMs how long after a broker's stream to the controller broke it may reconnect
     *        before {@link #graceExpired} reports it
     */
    public BrokerHeartbeatManager(long sessionTimeoutMs, long connectionGraceMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.connectionGraceMs = connectionGraceMs;
    }

    public long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** A heartbeat or registration from the broker: its session is renewed and a lost connection forgiven. */
    public void touch(int brokerId, long nowMs) {
        lastContactMs.put(brokerId, nowMs);
        connectionLostAtMs.remove(brokerId);
    }

    /** Start tracking a broker not seen yet (after becoming active) with a full session from now. */
    public void trackIfAbsent(int brokerId, long nowMs) {
        lastContactMs.putIfAbsent(brokerId, nowMs);
    }

    /** Forget everything (on losing or gaining leadership). */
    public void reset() {
        lastContactMs.clear();
        connectionLostAtMs.clear();
    }

    public boolean sessionExpired(int brokerId, long nowMs) {
        Long last = lastContactMs.get(brokerId);
        return last != null && nowMs - last > sessionTimeoutMs;
    }

    /** Milliseconds since the last contact, or -1 when unknown. */
    public long lastContactAgeMs(int brokerId, long nowMs) {
        Long last = lastContactMs.get(brokerId);
        return last == null ? -1 : nowMs - last;
    }

    /** The broker's long-lived connection broke; if it does not come back within the grace it may be fenced. */
    public void connectionLost(int brokerId, long nowMs) {
        connectionLostAtMs.putIfAbsent(brokerId, nowMs);
    }

    /** Brokers whose connection broke more than the grace period ago and that have not been heard from since. */
    public List<Integer> graceExpired(long nowMs) {
        List<Integer> out = new ArrayList<>();
        connectionLostAtMs.forEach((id, at) -> {
            if (nowMs - at > connectionGraceMs) {
                out.add(id);
            }
        });
        out.sort(null);
        return out;
    }

    /** Brokers whose session expired, among {@code candidates}, in id order. */
    public List<Integer> expired(Iterable<Integer> candidates, long nowMs) {
        List<Integer> out = new ArrayList<>();
        for (int id : candidates) {
            trackIfAbsent(id, nowMs);
            if (sessionExpired(id, nowMs)) {
                out.add(id);
            }
        }
        return out;
    }

    /** A broker id's incarnation was replaced by a newer one; a later registration from it is stale. */
    public void retireIncarnation(int brokerId, String incarnationId) {
        Deque<String> d = retiredIncarnations.computeIfAbsent(brokerId, k -> new ArrayDeque<>());
        if (!d.contains(incarnationId)) {
            d.addLast(incarnationId);
            if (d.size() > RETIRED_INCARNATIONS_KEPT) {
                d.removeFirst();
            }
        }
    }

    public boolean isRetired(int brokerId, String incarnationId) {
        Deque<String> d = retiredIncarnations.get(brokerId);
        return d != null && d.contains(incarnationId);
    }

    /** The broker was fenced: its lost connection no longer matters. */
    public void fenced(int brokerId) {
        connectionLostAtMs.remove(brokerId);
    }
}

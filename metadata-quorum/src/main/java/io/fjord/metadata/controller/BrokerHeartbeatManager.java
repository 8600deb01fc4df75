package io.fjord.metadata.controller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Soft state of the active controller about broker sessions: when each broker last made contact, how
 * many BrokerSession streams it holds open here, when its last one broke, and which incarnations were
 * replaced. Nothing here is in the metadata log (heartbeats would flood it); a new active controller
 * starts every registered broker with a fresh session and no session streams, as Kafka does.
 *
 * <p>Two ways to lose a broker:
 * <ul>
 *   <li>its session expires: no heartbeat for {@code sessionTimeoutMs} (a hung, paused or partitioned
 *       broker, whose connections stay open);</li>
 *   <li>its connection breaks: the last of its session streams to this controller ended (a dead
 *       process: the kernel closed its sockets) and it neither opened a new one nor heartbeated within
 *       {@code connectionGraceMs}. A broker that never opened a stream here (this controller just
 *       became active, or an older broker) is never fenced this way.</li>
 * </ul>
 *
 * <p>Threading: not thread-safe; used only by the controller's command thread.
 */
public final class BrokerHeartbeatManager {
    private static final int RETIRED_INCARNATIONS_KEPT = 8;

    /** A broker whose last session stream broke at {@code lostAtMs}, for registration {@code brokerEpoch}. */
    public record LostConnection(int brokerId, long brokerEpoch, long lostAtMs) {}

    private final long sessionTimeoutMs;
    private final long connectionGraceMs;
    private final Map<Integer, Long> lastContactMs = new HashMap<>();
    private final Map<Integer, Integer> openSessions = new HashMap<>();
    private final Map<Integer, LostConnection> lostConnections = new HashMap<>();
    private final Map<Integer, Deque<String>> retiredIncarnations = new HashMap<>();

    /**
     * @param connectionGraceMs how long after a broker's last session stream broke it may reconnect
     *        before {@link #graceExpired} reports it; negative disables fencing on a broken connection
     */
    public BrokerHeartbeatManager(long sessionTimeoutMs, long connectionGraceMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.connectionGraceMs = connectionGraceMs;
    }

    public long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    public long connectionGraceMs() {
        return connectionGraceMs;
    }

    /**
     * A heartbeat or registration from the broker, received at {@code nowMs}: its session is renewed,
     * and a connection seen to break strictly before {@code nowMs} is forgiven (the broker is alive). A
     * heartbeat received in the same millisecond as the break, or earlier but processed later, does
     * not count: it may have been sent just before the process died.
     */
    public void touch(int brokerId, long nowMs) {
        lastContactMs.merge(brokerId, nowMs, Math::max);
        LostConnection lost = lostConnections.get(brokerId);
        if (lost != null && nowMs > lost.lostAtMs()) {
            lostConnections.remove(brokerId);
        }
    }

    /** Start tracking a broker not seen yet (after becoming active) with a full session from now. */
    public void trackIfAbsent(int brokerId, long nowMs) {
        lastContactMs.putIfAbsent(brokerId, nowMs);
    }

    /** Forget everything (on losing or gaining leadership): sessions restart, no stream is open here. */
    public void reset() {
        lastContactMs.clear();
        openSessions.clear();
        lostConnections.clear();
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

    /** A session stream of the broker was accepted: any lost connection is restored. */
    public void sessionOpened(int brokerId) {
        openSessions.merge(brokerId, 1, Integer::sum);
        lostConnections.remove(brokerId);
    }

    /**
     * A session stream of the broker ended. When it broke ({@code broken}: cancelled by the peer or its
     * connection closed, rather than ended by this controller) and it was the broker's last open one,
     * the connection counts as lost from {@code nowMs}, and the broker may be fenced once the grace
     * passes.
     *
     * @return true when this recorded a lost connection
     */
    public boolean sessionClosed(int brokerId, long brokerEpoch, boolean broken, long nowMs) {
        Integer open = openSessions.get(brokerId);
        if (open == null) {
            return false;   // opened in an earlier term (reset since): not ours to judge
        }
        if (open > 1) {
            openSessions.put(brokerId, open - 1);
            return false;
        }
        openSessions.remove(brokerId);
        if (!broken || connectionGraceMs < 0) {
            return false;
        }
        lostConnections.put(brokerId, new LostConnection(brokerId, brokerEpoch, nowMs));
        return true;
    }

    /** Session streams the broker holds open here. */
    public int openSessions(int brokerId) {
        return openSessions.getOrDefault(brokerId, 0);
    }

    /** Whether the broker's connection is currently counted as lost (within or past the grace). */
    public boolean connectionLost(int brokerId) {
        return lostConnections.containsKey(brokerId);
    }

    /** Lost connections whose grace has passed (in broker id order); they stay until {@link #fenced}. */
    public List<LostConnection> graceExpired(long nowMs) {
        List<LostConnection> out = new ArrayList<>();
        for (LostConnection l : lostConnections.values()) {
            if (nowMs - l.lostAtMs() > connectionGraceMs) {
                out.add(l);
            }
        }
        out.sort(Comparator.comparingInt(LostConnection::brokerId));
        return out;
    }

    /** When the earliest pending lost connection's grace ends, or -1 when none is pending. */
    public long nextGraceDeadlineMs() {
        return lostConnections.values().stream().mapToLong(l -> l.lostAtMs() + connectionGraceMs + 1).min().orElse(-1);
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

    /** The broker was fenced (or registered anew): its lost connection no longer matters. */
    public void fenced(int brokerId) {
        lostConnections.remove(brokerId);
    }
}

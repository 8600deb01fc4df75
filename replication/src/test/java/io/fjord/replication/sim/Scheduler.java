package io.fjord.replication.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;

/** One clock and one event queue: events run in time order, ties in scheduling order. */
final class Scheduler {
    private record Event(long timeMs, long seq, String name, Runnable action) {}

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.timeMs != b.timeMs
            ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.seq, b.seq));
    private final Deque<String> recent = new ArrayDeque<>();
    private long nowMs;
    private long seq;
    private long executed;

    long now() { return nowMs; }

    long executed() { return executed; }

    void at(long timeMs, String name, Runnable action) {
        queue.add(new Event(Math.max(timeMs, nowMs), seq++, name, action));
    }

    void after(long delayMs, String name, Runnable action) {
        at(nowMs + delayMs, name, action);
    }

    /** Runs events up to {@code endMs}, calling {@code check} after each one. */
    void runUntil(long endMs, Runnable check) {
        while (!queue.isEmpty() && queue.peek().timeMs <= endMs) {
            Event e = queue.poll();
            nowMs = e.timeMs;
            remember(e.timeMs + " " + e.name);
            e.action.run();
            executed++;
            check.run();
        }
        nowMs = Math.max(nowMs, endMs);
    }

    void remember(String line) {
        recent.addLast(line);
        if (recent.size() > 60) {
            recent.removeFirst();
        }
    }

    /** The last events, for a failure message. */
    String recentEvents() { return String.join("\n", recent); }
}

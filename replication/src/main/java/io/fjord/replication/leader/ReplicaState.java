package io.fjord.replication.leader;

/**
 * What a leader knows of one follower, updated on each of its fetches (Kafka's {@code Replica}).
 *
 * @param logEndOffset the follower's log end offset as of its last consistent fetch; -1 until the
 *     first one in this leader epoch
 * @param lastCaughtUpTimeMs the last time the follower had everything the leader had when it fetched
 *     (see {@link #onFetch}); the ISR shrink rule compares it with replica.lag.time.max.ms
 * @param lastFetchTimeMs when the follower last fetched, -1 if never
 * @param lastFetchLeaderLogEndOffset the leader's log end offset at that fetch
 */
public record ReplicaState(int brokerId, long logEndOffset, long lastCaughtUpTimeMs, long lastFetchTimeMs,
                           long lastFetchLeaderLogEndOffset) {

    /** A follower at the start of a leader epoch: offset unknown, caught up "now" if it is in the ISR. */
    static ReplicaState initial(int brokerId, boolean inSync, long nowMs) {
        return new ReplicaState(brokerId, -1L, inSync ? nowMs : -1L, -1L, -1L);
    }

    /**
     * Kafka's {@code Replica.updateFetchStateOrThrow}: a follower that reached the leader's log end is
     * caught up now; one that reached what the leader had at its previous fetch was caught up then.
     * So a follower that keeps fetching as fast as data arrives is never "behind", while one that
     * stops, or always trails, ages out.
     */
    ReplicaState onFetch(long fetchOffset, long leaderLogEndOffset, long nowMs) {
        long caughtUp = lastCaughtUpTimeMs;
        if (fetchOffset >= leaderLogEndOffset) {
            caughtUp = Math.max(caughtUp, nowMs);
        } else if (fetchOffset >= lastFetchLeaderLogEndOffset) {
            caughtUp = Math.max(caughtUp, lastFetchTimeMs);
        }
        return new ReplicaState(brokerId, fetchOffset, caughtUp, nowMs, leaderLogEndOffset);
    }

    /** Kafka's {@code Replica.isCaughtUp}. */
    boolean isCaughtUp(long leaderLogEndOffset, long nowMs, long replicaLagTimeMaxMs) {
        return logEndOffset == leaderLogEndOffset || nowMs - lastCaughtUpTimeMs <= replicaLagTimeMaxMs;
    }
}

package io.fjord.metadata.controller;

/**
 * The settings controller commands depend on.
 *
 * @param clusterId brokers registering with another cluster id are refused
 * @param defaultNumPartitions num.partitions, for creates that leave the count at -1
 * @param defaultReplicationFactor default.replication.factor, for creates that leave it at -1
 * @param uncleanLeaderElectionDefault unclean.leader.election.enable for topics without an override
 * @param sessionTimeoutMs broker.session.timeout.ms
 * @param connectionGraceMs broker.connection.grace.ms: how long a broker whose session stream broke has to
 *        reconnect (or heartbeat) before it is fenced; -1 = only the session timeout fences
 */
public record ControllerSettings(String clusterId, int defaultNumPartitions, int defaultReplicationFactor,
                                 boolean uncleanLeaderElectionDefault, long sessionTimeoutMs, long connectionGraceMs) {
    public static ControllerSettings defaults() {
        return new ControllerSettings("fjord-local", 1, 1, false, 6000, 300);
    }
}

package io.fjord.bench;

import java.time.Duration;
import java.util.List;

/**
 * A cluster of separate processes on this machine (controllers and brokers, each its own JVM), as the
 * workloads and the failover probe see it. Nodes are named {@code controller-N} and {@code broker-N}
 * for both systems; {@code broker-N} has broker id N.
 */
interface BenchCluster extends AutoCloseable {
    /** "Kafka 4.3.1" or "Fjord 0.1.0-SNAPSHOT". */
    String system();

    /** Formats/creates and starts every node, waits until healthy. */
    void start() throws Exception;

    String bootstrap();

    List<String> brokers();

    long pid(String node);

    /** The node name of the active (leading) controller. */
    String activeController();

    /** SIGKILL, returns once the process is gone. */
    void kill(String node);

    /** Starts a killed node again without waiting for it. */
    void restart(String node);

    /** Waits until a controller leads, every controller is back and every broker is registered and unfenced. */
    void awaitHealthy(Duration timeout);

    Driver driver();

    /** The JVM options each kind of node runs with, for the report. */
    String jvmDescription();

    /** Stops every process it started (SIGTERM, then SIGKILL) and deletes the data; logs stay. */
    @Override
    void close();
}

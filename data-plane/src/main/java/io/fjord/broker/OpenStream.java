package io.fjord.broker;

/**
 * A client's long-lived call on this broker (ProduceStream, FetchStream). Clients keep them open, so
 * the broker ends them itself when it stops; otherwise the server's shutdown waits shutdown.timeout.ms
 * for them.
 */
interface OpenStream {
    /** Ends the call because the broker is stopping; the client carries on with another broker. */
    void shutdown();

    boolean isFinished();
}

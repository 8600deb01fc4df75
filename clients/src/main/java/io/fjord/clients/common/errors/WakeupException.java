package io.fjord.clients.common.errors;

/**
 * A blocking consumer call was ended by {@code FjordConsumer.wakeup()} from another thread, as
 * Kafka's WakeupException. Not retriable: it is how a caller asks its poll loop to stop.
 */
public class WakeupException extends FjordException {
    public WakeupException() {
        super("The consumer was woken up by wakeup() while in poll.");
    }
}

package io.fjord.clients.common.errors;

/**
 * The calling thread was interrupted during a blocking client call. As in Kafka, the thread's
 * interrupt flag is set again so that the caller still sees the interruption.
 */
public class InterruptException extends FjordException {
    public InterruptException(String message, InterruptedException cause) {
        super(message, cause);
        Thread.currentThread().interrupt();
    }

    public InterruptException(InterruptedException cause) {
        this("interrupted while waiting", cause);
    }
}

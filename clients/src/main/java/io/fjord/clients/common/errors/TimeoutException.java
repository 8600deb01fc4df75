package io.fjord.clients.common.errors;

/** An operation did not finish within its configured time (request.timeout.ms, max.block.ms, delivery.timeout.ms, default.api.timeout.ms). */
public class TimeoutException extends RetriableException {
    public TimeoutException(String message) {
        super(message);
    }

    public TimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.fjord.clients.common.errors;

/** A record or batch is larger than a client or broker size limit. */
public class RecordTooLargeException extends FjordException {
    public RecordTooLargeException(String message) {
        super(message);
    }

    public RecordTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}

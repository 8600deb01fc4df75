package io.fjord.clients.common.errors;

/** A record batch failed its CRC check or could not be decoded. */
public class CorruptRecordException extends RetriableException {
    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}

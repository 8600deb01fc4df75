package io.fjord.clients.common.errors;

/** The partition count asked for is not valid. */
public class InvalidPartitionsException extends FjordException {
    public InvalidPartitionsException(String message) {
        super(message);
    }

    public InvalidPartitionsException(String message, Throwable cause) {
        super(message, cause);
    }
}

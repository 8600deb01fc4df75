package io.fjord.wire;

/**
 * Bytes that claim to be a record batch but cannot be one: bad CRC, impossible length or count,
 * malformed varint, undecodable compressed data. Decoders throw this rather than letting an
 * index, underflow or allocation error escape, so callers can treat all corruption alike.
 */
public class CorruptRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptRecordException(String msg) {
        super(msg);
    }

    public CorruptRecordException(String msg, Throwable cause) {
        super(msg, cause);
    }
}

package io.fjord.storage;

/**
 * A failed read or write of partition data on disk. The message says what was being done and to which
 * file; the cause is the underlying IOException. Never logged and ignored: a write that fails may have
 * left the file in an unknown state, so callers stop serving the partition (or halt).
 */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}

package io.fjord.broker;

import io.fjord.proto.ErrorCode;
import io.fjord.storage.ConfigException;
import io.fjord.storage.InvalidProducerEpochException;
import io.fjord.storage.OffsetOutOfRangeException;
import io.fjord.storage.OutOfOrderSequenceException;
import io.fjord.storage.StorageException;

/** The one place where exceptions raised while serving a partition become error codes. */
final class Errors {
    private Errors() {}

    static ErrorCode codeFor(Throwable t) {
        if (t instanceof OutOfOrderSequenceException) {
            return ErrorCode.OUT_OF_ORDER_SEQUENCE;
        }
        if (t instanceof InvalidProducerEpochException) {
            return ErrorCode.INVALID_PRODUCER_EPOCH;
        }
        if (t instanceof OffsetOutOfRangeException) {
            return ErrorCode.OFFSET_OUT_OF_RANGE;
        }
        if (t instanceof StorageException) {
            return ErrorCode.KAFKA_STORAGE_ERROR;
        }
        if (t instanceof ConfigException) {
            return ErrorCode.INVALID_CONFIG;
        }
        if (t instanceof IllegalArgumentException) {
            return ErrorCode.INVALID_REQUEST;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    static String messageFor(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}

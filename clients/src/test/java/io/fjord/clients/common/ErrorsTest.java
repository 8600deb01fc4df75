package io.fjord.clients.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fjord.clients.common.errors.CorruptRecordException;
import io.fjord.clients.common.errors.Errors;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.InvalidConfigurationException;
import io.fjord.clients.common.errors.InvalidMetadataException;
import io.fjord.clients.common.errors.InvalidPartitionsException;
import io.fjord.clients.common.errors.InvalidRecordException;
import io.fjord.clients.common.errors.InvalidReplicationFactorException;
import io.fjord.clients.common.errors.InvalidTopicException;
import io.fjord.clients.common.errors.LeaderNotAvailableException;
import io.fjord.clients.common.errors.NetworkException;
import io.fjord.clients.common.errors.NotEnoughReplicasException;
import io.fjord.clients.common.errors.NotLeaderOrFollowerException;
import io.fjord.clients.common.errors.OffsetOutOfRangeException;
import io.fjord.clients.common.errors.RecordTooLargeException;
import io.fjord.clients.common.errors.RetriableException;
import io.fjord.clients.common.errors.TimeoutException;
import io.fjord.clients.common.errors.TopicExistsException;
import io.fjord.clients.common.errors.UnknownTopicOrPartitionException;
import io.fjord.proto.ErrorCode;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void codesMapToTypedExceptions() {
        Map<ErrorCode, Class<? extends FjordException>> expected = Map.ofEntries(
                Map.entry(ErrorCode.NOT_LEADER_OR_FOLLOWER, NotLeaderOrFollowerException.class),
                Map.entry(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UnknownTopicOrPartitionException.class),
                Map.entry(ErrorCode.LEADER_NOT_AVAILABLE, LeaderNotAvailableException.class),
                Map.entry(ErrorCode.FENCED_LEADER_EPOCH, InvalidMetadataException.class),
                Map.entry(ErrorCode.REQUEST_TIMED_OUT, TimeoutException.class),
                Map.entry(ErrorCode.NOT_ENOUGH_REPLICAS, NotEnoughReplicasException.class),
                Map.entry(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, NotEnoughReplicasException.class),
                Map.entry(ErrorCode.CORRUPT_MESSAGE, CorruptRecordException.class),
                Map.entry(ErrorCode.NETWORK_EXCEPTION, NetworkException.class),
                Map.entry(ErrorCode.OFFSET_OUT_OF_RANGE, OffsetOutOfRangeException.class),
                Map.entry(ErrorCode.RECORD_TOO_LARGE, RecordTooLargeException.class),
                Map.entry(ErrorCode.TOPIC_ALREADY_EXISTS, TopicExistsException.class),
                Map.entry(ErrorCode.INVALID_TOPIC, InvalidTopicException.class),
                Map.entry(ErrorCode.INVALID_PARTITIONS, InvalidPartitionsException.class),
                Map.entry(ErrorCode.INVALID_REPLICATION_FACTOR, InvalidReplicationFactorException.class),
                Map.entry(ErrorCode.INVALID_CONFIG, InvalidConfigurationException.class),
                Map.entry(ErrorCode.INVALID_RECORD, InvalidRecordException.class));
        expected.forEach((code, type) -> assertEquals(type, Errors.exception(code, "Produce to t-0", null).getClass(),
                code.name()));
    }

    @Test
    void retriabilityAndMetadataRefreshFollowKafka() {
        for (ErrorCode c : new ErrorCode[] {ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                ErrorCode.LEADER_NOT_AVAILABLE}) {
            assertTrue(Errors.isRetriable(c), c.name());
            assertTrue(Errors.needsMetadataRefresh(c), c.name());
            assertInstanceOf(InvalidMetadataException.class, Errors.exception(c, "x", null));
        }
        for (ErrorCode c : new ErrorCode[] {ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.REQUEST_TIMED_OUT,
                ErrorCode.CORRUPT_MESSAGE, ErrorCode.NOT_CONTROLLER}) {
            assertTrue(Errors.isRetriable(c), c.name());
            assertFalse(Errors.needsMetadataRefresh(c), c.name());
        }
        for (ErrorCode c : new ErrorCode[] {ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.RECORD_TOO_LARGE,
                ErrorCode.INVALID_RECORD, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.UNKNOWN_SERVER_ERROR}) {
            assertFalse(Errors.isRetriable(c), c.name());
        }
    }

    @Test
    void everyCodeHasAMessageThatNamesContextCodeAndBrokerMessage() {
        for (ErrorCode c : ErrorCode.values()) {
            if (c == ErrorCode.NONE || c == ErrorCode.UNRECOGNIZED) {
                continue;
            }
            FjordException e = Errors.exception(c, "Produce to orders-2", "leader is broker 3");
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().startsWith("Produce to orders-2 failed with " + c.name()), e.getMessage());
            assertTrue(e.getMessage().contains("(broker says: leader is broker 3)"), e.getMessage());
            assertEquals(Errors.isRetriable(c), e instanceof RetriableException, c.name());
        }
        String msg = Errors.exception(ErrorCode.NOT_ENOUGH_REPLICAS, "Produce to orders-2", "").getMessage();
        assertTrue(msg.contains("min.insync.replicas"), "says what to do: " + msg);
        assertFalse(msg.contains("broker says"), "no empty broker message: " + msg);
        assertThrows(IllegalArgumentException.class, () -> Errors.exception(ErrorCode.NONE, "x", null));
    }

    @Test
    void transportFailuresMapToRetriableNetworkAndTimeoutErrors() {
        FjordException refused = Errors.fromTransport(Status.UNAVAILABLE.withDescription("Connection refused").asRuntimeException(),
                "Produce", "broker 1 (127.0.0.1:9092)", 30000);
        assertInstanceOf(NetworkException.class, refused);
        assertTrue(refused.getMessage().contains("127.0.0.1:9092") && refused.getMessage().contains("Connection refused"),
                refused.getMessage());
        FjordException slow = Errors.fromTransport(Status.DEADLINE_EXCEEDED.asRuntimeException(), "Fetch",
                "broker 2 (h:1)", 1234);
        assertInstanceOf(TimeoutException.class, slow);
        assertTrue(slow.getMessage().contains("1234 ms (request.timeout.ms)"), slow.getMessage());
        assertFalse(Errors.fromTransport(Status.UNIMPLEMENTED.asRuntimeException(), "Fetch", "b", 1)
                instanceof RetriableException);
        // A broker killed mid-call: grpc-java reports UNKNOWN "channel closed"; that is retriable.
        assertInstanceOf(NetworkException.class, Errors.fromTransport(Status.UNKNOWN.withDescription("channel closed")
                .asRuntimeException(), "Produce", "b", 1));
        assertFalse(Errors.fromTransport(Status.UNKNOWN.withDescription("application error").asRuntimeException(), "Produce", "b", 1)
                instanceof RetriableException);
    }
}

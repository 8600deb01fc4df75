package io.fjord.clients.common.errors;

import io.fjord.proto.ErrorCode;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The one place where broker error codes and transport failures become client exceptions. Every
 * message says what happened, to what (the caller's context names the topic-partition or topic),
 * what the broker said, and what to do about it.
 */
public final class Errors {
    private record Spec(boolean retriable, boolean refreshMetadata, String what, String todo,
                        BiFunction<String, Throwable, FjordException> ctor) {}

    private static final Map<ErrorCode, Spec> SPECS = new EnumMap<>(ErrorCode.class);

    static {
        String retrying = "The client retries within its timeouts.";
        String refreshing = "The client refreshes its metadata and retries; if this persists, check with"
                + " 'fjord topics describe' that the partition has a live leader.";
        fatal(ErrorCode.UNKNOWN_SERVER_ERROR, "the broker hit an unexpected error", "Check the broker's log.",
                FjordException::new);
        fatal(ErrorCode.OFFSET_OUT_OF_RANGE, "the offset is outside the partition's log",
                "Seek to an offset between the beginning and end offsets, or set auto.offset.reset to earliest or latest.",
                (m, c) -> new OffsetOutOfRangeException(m));
        retry(ErrorCode.CORRUPT_MESSAGE, false, "a record batch failed its CRC check", retrying, CorruptRecordException::new);
        retry(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true, "the topic or partition does not exist on this broker",
                "Create the topic first ('fjord topics create'); if it was just created, the client retries until"
                        + " the brokers know it.", UnknownTopicOrPartitionException::new);
        fatal(ErrorCode.INVALID_FETCH_SIZE, "the fetch size is not valid",
                "Check fetch.max.bytes and max.partition.fetch.bytes.", FjordException::new);
        retry(ErrorCode.LEADER_NOT_AVAILABLE, true, "the partition has no leader at the moment (an election is in progress)",
                refreshing, LeaderNotAvailableException::new);
        retry(ErrorCode.NOT_LEADER_OR_FOLLOWER, true, "the broker is not the leader of this partition (leadership moved)",
                refreshing, NotLeaderOrFollowerException::new);
        retry(ErrorCode.REQUEST_TIMED_OUT, false, "the broker timed the request out (for acks=all: the replicas did not"
                + " confirm in time)", retrying, TimeoutException::new);
        retry(ErrorCode.BROKER_NOT_AVAILABLE, true, "the broker is not available", refreshing, RetriableException::new);
        retry(ErrorCode.REPLICA_NOT_AVAILABLE, true, "a replica is not available", refreshing, InvalidMetadataException::new);
        fatal(ErrorCode.RECORD_TOO_LARGE, "the batch is larger than the broker accepts for this topic",
                "Send smaller records, lower batch.size/max.request.size, or raise the topic's max.message.bytes.",
                RecordTooLargeException::new);
        retry(ErrorCode.NETWORK_EXCEPTION, true, "the broker lost a connection while handling the request", retrying,
                NetworkException::new);
        retry(ErrorCode.COORDINATOR_NOT_AVAILABLE, false, "the group coordinator is not available", retrying,
                RetriableException::new);
        retry(ErrorCode.NOT_COORDINATOR, false, "the broker is not the group coordinator", retrying, RetriableException::new);
        fatal(ErrorCode.INVALID_TOPIC, "the topic name is not valid or the operation is not allowed on it",
                "Use at most 249 characters from ASCII letters, digits, '.', '_' and '-'.", InvalidTopicException::new);
        fatal(ErrorCode.RECORD_LIST_TOO_LARGE, "the request's record data is larger than the broker accepts",
                "Lower max.request.size or batch.size.", RecordTooLargeException::new);
        String isr = "Wait for the replicas to catch up or bring the stopped brokers back, or lower the topic's"
                + " min.insync.replicas. " + retrying;
        retry(ErrorCode.NOT_ENOUGH_REPLICAS, false, "fewer replicas are in sync than min.insync.replicas", isr,
                NotEnoughReplicasException::new);
        retry(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, false, "the write was appended on the leader, but fewer"
                + " replicas than min.insync.replicas were in sync to confirm it", isr, NotEnoughReplicasException::new);
        fatal(ErrorCode.INVALID_REQUIRED_ACKS, "the acks value is not valid", "Use acks=all, -1, 0 or 1.", FjordException::new);
        fatal(ErrorCode.ILLEGAL_GENERATION, "the consumer group generation is stale", "Rejoin the group.", FjordException::new);
        fatal(ErrorCode.REBALANCE_IN_PROGRESS, "the consumer group is rebalancing", "Rejoin the group.", FjordException::new);
        fatal(ErrorCode.INVALID_TIMESTAMP, "a record timestamp is outside what the topic accepts",
                "Check the record timestamps against the topic's message.timestamp.* configs.", FjordException::new);
        fatal(ErrorCode.TOPIC_ALREADY_EXISTS, "the topic already exists",
                "Use another name, or delete the topic first.", TopicExistsException::new);
        fatal(ErrorCode.INVALID_PARTITIONS, "the partition count is not valid",
                "Give a count of at least 1 (and, to add partitions, more than the topic has).", InvalidPartitionsException::new);
        fatal(ErrorCode.INVALID_REPLICATION_FACTOR, "the replication factor is not valid",
                "Give a factor between 1 and the number of live brokers.", InvalidReplicationFactorException::new);
        fatal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "the replica assignment is not valid",
                "Check the broker ids in the assignment.", FjordException::new);
        fatal(ErrorCode.INVALID_CONFIG, "a topic config name or value is not valid",
                "Check the config against the topic configs the broker supports.", InvalidConfigurationException::new);
        retry(ErrorCode.NOT_CONTROLLER, false, "the request reached a node that is not the active controller", retrying,
                RetriableException::new);
        fatal(ErrorCode.INVALID_REQUEST, "the broker could not accept the request as sent",
                "Check that client and broker versions match.", FjordException::new);
        fatal(ErrorCode.POLICY_VIOLATION, "the request violates a broker policy", "Change the request to satisfy the policy.",
                FjordException::new);
        fatal(ErrorCode.OUT_OF_ORDER_SEQUENCE, "the broker received a producer sequence number out of order",
                "Records may be lost or reordered; restart the producer.", FjordException::new);
        fatal(ErrorCode.DUPLICATE_SEQUENCE, "the broker already has a batch with this producer sequence",
                "Nothing to do: the batch was written before.", FjordException::new);
        fatal(ErrorCode.INVALID_PRODUCER_EPOCH, "the producer epoch is stale (another producer took over)",
                "Close this producer.", FjordException::new);
        retry(ErrorCode.KAFKA_STORAGE_ERROR, true, "the broker's disk failed for this partition", refreshing,
                InvalidMetadataException::new);
        fatal(ErrorCode.UNKNOWN_PRODUCER_ID, "the broker does not know this producer id", "Restart the producer.",
                FjordException::new);
        retry(ErrorCode.FENCED_LEADER_EPOCH, true, "the request carried an older leader epoch than the broker's",
                refreshing, InvalidMetadataException::new);
        retry(ErrorCode.UNKNOWN_LEADER_EPOCH, true, "the request carried a newer leader epoch than the broker knows",
                refreshing, InvalidMetadataException::new);
        fatal(ErrorCode.STALE_BROKER_EPOCH, "the broker epoch is stale", "Restart the broker.", FjordException::new);
        retry(ErrorCode.UNKNOWN_TOPIC_ID, true, "the topic id is not known to this broker", refreshing,
                InvalidMetadataException::new);
        fatal(ErrorCode.DUPLICATE_BROKER_REGISTRATION, "another broker registered with the same id",
                "Give every broker its own node id.", FjordException::new);
        fatal(ErrorCode.INVALID_RECORD, "the broker rejected the batch as malformed and wrote nothing of it",
                "This is a client bug or data corruption in transit; report it with the broker's log.",
                InvalidRecordException::new);
        fatal(ErrorCode.INELIGIBLE_REPLICA, "the replica is not eligible to become leader", "Check the partition's ISR.",
                FjordException::new);
    }

    private Errors() {}

    private static void retry(ErrorCode code, boolean refresh, String what, String todo,
                              BiFunction<String, Throwable, FjordException> ctor) {
        SPECS.put(code, new Spec(true, refresh, what, todo, ctor));
    }

    private static void fatal(ErrorCode code, String what, String todo, BiFunction<String, Throwable, FjordException> ctor) {
        SPECS.put(code, new Spec(false, false, what, todo, ctor));
    }

    /** Whether sending the same request again may succeed. */
    public static boolean isRetriable(ErrorCode code) {
        Spec spec = SPECS.get(code);
        return spec != null && spec.retriable;
    }

    /** Whether the error means the client's metadata (partition leaders) is stale. */
    public static boolean needsMetadataRefresh(ErrorCode code) {
        Spec spec = SPECS.get(code);
        return spec != null && spec.refreshMetadata;
    }

    /**
     * @param context what was being done to what, e.g. "Produce to orders-2" or "Create topic 'orders'"
     * @param serverMessage the broker's error_message; may be null or empty
     */
    public static FjordException exception(ErrorCode code, String context, String serverMessage) {
        if (code == null || code == ErrorCode.NONE) {
            throw new IllegalArgumentException("no exception for " + code);
        }
        Spec spec = SPECS.get(code);
        String said = serverMessage == null || serverMessage.isBlank() ? "" : " (broker says: " + serverMessage + ")";
        if (spec == null) {
            String name = code == ErrorCode.UNRECOGNIZED ? "an error code this client does not know" : code.name();
            return new FjordException(context + " failed with " + name + said
                    + ". Check that client and broker versions match, and the broker's log.");
        }
        return spec.ctor.apply(context + " failed with " + code.name() + ": " + spec.what + said + ". " + spec.todo, null);
    }

    /**
     * Maps a gRPC failure (connection refused, deadline exceeded, ...) of a call to a broker.
     *
     * @param target who was called, e.g. "broker 1 (127.0.0.1:9092)"
     * @param timeoutMs the deadline the call had, to name in a timeout message
     */
    private static boolean connectionDropped(Status status) {
        String d = status.getDescription();
        return (d != null && d.toLowerCase(java.util.Locale.ROOT).contains("channel closed"))
                || status.getCause() instanceof java.io.IOException;
    }

    public static FjordException fromTransport(Throwable t, String context, String target, long timeoutMs) {
        if (t instanceof FjordException fe) {
            return fe;
        }
        Status status = t instanceof StatusRuntimeException sre ? sre.getStatus()
                : t instanceof StatusException se ? se.getStatus() : null;
        if (status == null) {
            return new FjordException(context + " to " + target + " failed: " + t, t);
        }
        String desc = status.getDescription() == null ? status.getCode().name()
                : status.getCode().name() + ": " + status.getDescription();
        switch (status.getCode()) {
            case DEADLINE_EXCEEDED:
                return new TimeoutException(context + ": " + target + " did not answer within " + timeoutMs
                        + " ms (request.timeout.ms). The broker may be overloaded, hung or cut off; the client retries"
                        + " where its timeouts allow.", t);
            case UNAVAILABLE:
            case CANCELLED:
            case ABORTED:
                return new NetworkException(context + ": could not reach " + target + " (" + desc + "). Check that"
                        + " the broker is running and that its address (bootstrap.servers, advertised listener) is right.", t);
            case UNKNOWN:
                if (connectionDropped(status)) {
                    // grpc-java reports a connection that closed mid-call (the broker died) as
                    // UNKNOWN "channel closed": that is a network failure, retriable like UNAVAILABLE.
                    return new NetworkException(context + ": the connection to " + target + " closed during the call ("
                            + desc + "); the broker may have stopped. The client retries where its timeouts allow.", t);
                }
                return new FjordException(context + " to " + target + " failed (" + desc + ").", t);
            case UNIMPLEMENTED:
                return new FjordException(context + ": " + target + " does not implement this call (" + desc
                        + "). Is it a Fjord broker of a matching version?", t);
            case RESOURCE_EXHAUSTED:
                return new RecordTooLargeException(context + ": " + target + " refused the request (" + desc
                        + "), most likely a message size limit. Lower max.request.size, batch.size or fetch.max.bytes.", t);
            default:
                return new FjordException(context + " to " + target + " failed (" + desc + ").", t);
        }
    }
}

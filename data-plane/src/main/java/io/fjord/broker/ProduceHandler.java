package io.fjord.broker;

import com.google.protobuf.ByteString;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.proto.TopicProduceResponse;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.storage.AppendResult;
import io.fjord.storage.InvalidProducerEpochException;
import io.fjord.storage.OutOfOrderSequenceException;
import io.fjord.wire.BatchValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Serves Produce: validates each partition's batches by their headers and CRC, appends them
 * verbatim with offsets assigned, and answers at once for acks=0/1 or, for acks=all, once the high
 * watermark passed every appended batch (or timeout_ms ran out: REQUEST_TIMED_OUT). A partition whose
 * batches fail validation, or whose ISR is below min.insync.replicas for acks=all, gets an error and
 * nothing of it is written; other partitions of the same request are unaffected.
 */
final class ProduceHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final Leadership leadership;
    private final ReplicationManager replication;
    private final FetchPurgatory purgatory;

    ProduceHandler(Leadership leadership, ReplicationManager replication, FetchPurgatory purgatory) {
        this.leadership = leadership;
        this.replication = replication;
        this.purgatory = purgatory;
    }

    void handle(ProduceRequest req, Consumer<ProduceResponse> respond) {
        int acks = req.getAcks();
        Map<TopicPartition, PartitionProduceResponse.Builder> results = new LinkedHashMap<>();
        Map<TopicPartition, Long> waitFor = new LinkedHashMap<>();
        for (TopicProduceData t : req.getTopicsList()) {
            for (PartitionProduceData pd : t.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(t.getTopic(), pd.getPartition());
                PartitionProduceResponse.Builder r = PartitionProduceResponse.newBuilder().setPartition(pd.getPartition())
                        .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                long lastOffset = appendOne(t.getTopic(), pd, acks, r);
                results.put(tp, r);
                if (acks == -1 && lastOffset >= 0) {
                    waitFor.put(tp, lastOffset + 1);
                }
            }
        }
        if (waitFor.isEmpty()) {
            respond.accept(build(results));
            return;
        }
        replication.awaitHighWatermarks(errors -> {
            errors.forEach((tp, code) -> {
                if (code != ErrorCode.NONE) {
                    results.get(tp).setErrorCode(code).setErrorMessage(code == ErrorCode.REQUEST_TIMED_OUT
                            ? "acks=all: " + tp + " was appended but not replicated to every in-sync replica within timeout_ms; it may still become visible"
                            : "acks=all: " + tp + " lost its leadership before the write was replicated; retry against the new leader");
                }
            });
            respond.accept(build(results));
        }, waitFor, Math.max(0, req.getTimeoutMs()));
    }

    private static ProduceResponse build(Map<TopicPartition, PartitionProduceResponse.Builder> results) {
        Map<String, TopicProduceResponse.Builder> topics = new LinkedHashMap<>();
        results.forEach((tp, r) -> topics.computeIfAbsent(tp.topic(), n -> TopicProduceResponse.newBuilder().setTopic(n)).addPartitions(r));
        ProduceResponse.Builder resp = ProduceResponse.newBuilder();
        topics.values().forEach(resp::addTopics);
        return resp.build();
    }

    /** Appends one partition's batches; returns the last offset written, or -1 with an error set in {@code r}. */
    private long appendOne(String topic, PartitionProduceData pd, int acks, PartitionProduceResponse.Builder r) {
        if (acks != 0 && acks != 1 && acks != -1) {
            error(r, ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), got " + acks);
            return -1;
        }
        TopicPartitionKey key = new TopicPartitionKey(topic, pd.getPartition());
        Leadership.Check check = leadership.leaderFor(key);
        if (!check.ok()) {
            if (check.hint() != null) {
                r.setCurrentLeader(check.hint());
            }
            error(r, check.error(), check.message());
            return -1;
        }
        Partition p = check.leader();
        ByteString data = pd.getRecords();
        ByteBuffer buf = ByteBuffer.allocate(data.size());
        data.copyTo(buf);
        buf.flip();
        BatchValidator.Result v = BatchValidator.validate(buf, p.config().maxMessageBytes(), true);
        if (!v.ok()) {
            ErrorCode code = v.failure() == BatchValidator.Failure.TOO_LARGE ? ErrorCode.RECORD_TOO_LARGE : ErrorCode.INVALID_RECORD;
            error(r, code, "rejected batch for " + key + ": " + v.message());
            return -1;
        }
        AppendResult ar;
        OptionalLong hw;
        try {
            synchronized (p) {
                PartitionLeaderState leader = p.leaderState();
                if (leader == null) {
                    error(r, ErrorCode.NOT_LEADER_OR_FOLLOWER, "this broker no longer leads " + key);
                    return -1;
                }
                ErrorCode admit = leader.checkProduce(acks);
                if (admit != ErrorCode.NONE) {
                    error(r, admit, "partition " + key + " has " + leader.isrState().committedIsr().size()
                            + " in-sync replica(s), fewer than min.insync.replicas=" + leader.minInsyncReplicas()
                            + "; nothing was written");
                    return -1;
                }
                ar = p.log().appendAsLeader(buf, leader.leaderEpoch());
                hw = replication.afterLeaderAppendLocked(p);
            }
        } catch (OutOfOrderSequenceException | InvalidProducerEpochException e) {
            error(r, Errors.codeFor(e), e.getMessage()); // the producer's problem, not the broker's: no stack trace
            return -1;
        } catch (RuntimeException e) {
            log.error("Append to {} failed", key, e);
            error(r, Errors.codeFor(e), "append to " + key + " failed: " + Errors.messageFor(e));
            return -1;
        }
        if (ar.duplicate()) {
            // A retry of a batch this log already holds: answer with where it was written. For acks=all
            // the caller still waits for the high watermark to pass it, as for the first attempt.
            r.setErrorCode(ErrorCode.NONE).setBaseOffset(ar.firstOffset()).setLogAppendTimeMs(ar.logAppendTimeMs())
                    .setLogStartOffset(p.log().logStartOffset());
            return ar.lastOffset();
        }
        if (hw.isPresent()) {
            // Wakes every fetch parked on this partition, followers and consumers alike.
            replication.onHighWatermark(key, hw.getAsLong());
        } else {
            purgatory.onAppend(key); // followers have new data to copy; consumers wait for the HW
        }
        r.setErrorCode(ErrorCode.NONE).setBaseOffset(ar.firstOffset()).setLogAppendTimeMs(ar.logAppendTimeMs())
                .setLogStartOffset(p.log().logStartOffset());
        return ar.lastOffset();
    }

    private static void error(PartitionProduceResponse.Builder r, ErrorCode code, String msg) {
        r.setErrorCode(code).setErrorMessage(msg);
    }
}

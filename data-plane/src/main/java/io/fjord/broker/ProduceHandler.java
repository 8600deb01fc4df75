package io.fjord.broker;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.proto.TopicProduceResponse;
import io.fjord.storage.AppendResult;
import io.fjord.wire.BatchValidator;
import com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * Serves Produce: validates each partition's batches by their headers and CRC, and appends them
 * verbatim with offsets assigned. A partition whose batches fail validation gets an error and
 * nothing of it is written; other partitions in the same request are unaffected.
 */
final class ProduceHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final Leadership leadership;
    private final FetchPurgatory purgatory;

    ProduceHandler(Leadership leadership, FetchPurgatory purgatory) {
        this.leadership = leadership;
        this.purgatory = purgatory;
    }

    ProduceResponse handle(ProduceRequest req) {
        ProduceResponse.Builder resp = ProduceResponse.newBuilder();
        int acks = req.getAcks();
        for (TopicProduceData t : req.getTopicsList()) {
            TopicProduceResponse.Builder tr = TopicProduceResponse.newBuilder().setTopic(t.getTopic());
            for (PartitionProduceData pd : t.getPartitionsList()) {
                tr.addPartitions(appendOne(t.getTopic(), pd, acks));
            }
            resp.addTopics(tr);
        }
        return resp.build();
    }

    private PartitionProduceResponse appendOne(String topic, PartitionProduceData pd, int acks) {
        PartitionProduceResponse.Builder r = PartitionProduceResponse.newBuilder()
                .setPartition(pd.getPartition()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
        if (acks != 0 && acks != 1 && acks != -1) {
            return error(r, ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), got " + acks);
        }
        TopicPartitionKey tp = new TopicPartitionKey(topic, pd.getPartition());
        Leadership.Check check = leadership.leaderFor(tp);
        if (!check.ok()) {
            if (check.hint() != null) {
                r.setCurrentLeader(check.hint());
            }
            return error(r, check.error(), check.message());
        }
        Partition p = check.leader();
        int isrSize = p.state().isr().size();
        if (acks == -1 && isrSize < p.config().minInsyncReplicas()) {
            // Kafka refuses acks=all before appending when the ISR is below min.insync.replicas.
            return error(r, ErrorCode.NOT_ENOUGH_REPLICAS, "partition " + tp + " has " + isrSize
                    + " in-sync replica(s), fewer than min.insync.replicas=" + p.config().minInsyncReplicas());
        }
        ByteString data = pd.getRecords();
        ByteBuffer buf = ByteBuffer.allocate(data.size());
        data.copyTo(buf);
        buf.flip();
        BatchValidator.Result v = BatchValidator.validate(buf, p.config().maxMessageBytes(), true);
        if (!v.ok()) {
            ErrorCode code = v.failure() == BatchValidator.Failure.TOO_LARGE ? ErrorCode.RECORD_TOO_LARGE : ErrorCode.INVALID_RECORD;
            return error(r, code, "rejected batch for " + tp + ": " + v.message());
        }
        try {
            AppendResult ar = p.appendAsLeader(buf);
            purgatory.onAppend(tp);
            return r.setErrorCode(ErrorCode.NONE).setBaseOffset(ar.firstOffset()).setLogAppendTimeMs(ar.logAppendTimeMs())
                    .setLogStartOffset(p.log().logStartOffset()).build();
        } catch (RuntimeException e) {
            log.error("Append to {} failed", tp, e);
            return error(r, Errors.codeFor(e), "append to " + tp + " failed: " + Errors.messageFor(e));
        }
    }

    private static PartitionProduceResponse error(PartitionProduceResponse.Builder r, ErrorCode code, String msg) {
        return r.setErrorCode(code).setErrorMessage(msg).build();
    }
}

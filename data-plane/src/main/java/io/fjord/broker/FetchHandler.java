package io.fjord.broker;

import com.google.protobuf.UnsafeByteOperations;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchTopic;
import io.fjord.proto.FetchableTopicResponse;
import io.fjord.storage.ReadBufferPool;
import io.fjord.storage.ReadResult;

/**
 * Reads what a Fetch asks for and says whether it is ready to answer. Long-polling is the
 * purgatory's job: it calls {@link #read} again whenever a watched partition grows.
 *
 * <p>Consumers (replica_id -1) read only below the high watermark. Whole batches only; the first
 * batch is returned even when it is larger than max_bytes, so a large batch never blocks a reader.
 */
final class FetchHandler {
    private final Leadership leadership;
    private final ReplicaManager replicas;
    private final ReplicationManager replication;
    private final ReadBufferPool readBuffers;

    FetchHandler(Leadership leadership, ReplicaManager replicas, ReplicationManager replication,
                 ReadBufferPool readBuffers) {
        this.leadership = leadership;
        this.replicas = replicas;
        this.replication = replication;
        this.readBuffers = readBuffers;
    }

    /**
     * A response and whether it should be sent now (an error, a diverging epoch, a new HW for a
     * follower). Its record data may live in pooled buffers: whoever gets an attempt calls
     * {@link #release()} exactly when the response is no longer read, that is once it has been sent
     * (gRPC serializes a message into its own buffers inside onNext) or dropped.
     */
    record Attempt(FetchResponse response, int bytes, boolean hasError, ReadBufferPool.Lease buffers) {
        void release() {
            buffers.close();
        }
    }

    Attempt read(FetchRequest req) {
        ReadBufferPool.Lease lease = readBuffers.lease();
        try {
            return read(req, lease);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    private Attempt read(FetchRequest req, ReadBufferPool.Lease lease) {
        FetchResponse.Builder resp = FetchResponse.newBuilder().setErrorCode(ErrorCode.NONE);
        int maxBytes = req.getMaxBytes() > 0 ? req.getMaxBytes() : Integer.MAX_VALUE;
        int remaining = maxBytes;
        int total = 0;
        boolean hasError = false;
        for (FetchTopic t : req.getTopicsList()) {
            FetchableTopicResponse.Builder tr = FetchableTopicResponse.newBuilder().setTopic(t.getTopic());
            for (FetchPartition fp : t.getPartitionsList()) {
                FetchPartitionData.Builder d = FetchPartitionData.newBuilder().setPartition(fp.getPartition())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setLogEndOffset(-1);
                TopicPartitionKey tp = new TopicPartitionKey(t.getTopic(), fp.getPartition());
                if (req.getReplicaId() >= 0) {
                    FetchPartitionData fd = followerFetch(tp, req.getReplicaId(), fp, remaining, lease);
                    int n = fd.getRecords().size();
                    total += n;
                    remaining = Math.max(0, remaining - n);
                    hasError |= fd.getErrorCode() != ErrorCode.NONE || fd.hasDivergingEpoch();
                    tr.addPartitions(fd);
                    continue;
                }
                Leadership.Check check = leadership.leaderFor(tp);
                Partition p = check.leader();
                if (!check.ok()) {
                    d.setErrorCode(check.error()).setErrorMessage(check.message());
                    if (check.hint() != null) {
                        d.setCurrentLeader(check.hint());
                    }
                    hasError = true;
                } else if (fp.getCurrentLeaderEpoch() >= 0 && fp.getCurrentLeaderEpoch() != p.leaderEpoch()) {
                    boolean stale = fp.getCurrentLeaderEpoch() < p.leaderEpoch();
                    d.setErrorCode(stale ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH)
                            .setErrorMessage("fetch for " + tp + " carries leader epoch " + fp.getCurrentLeaderEpoch()
                                    + " but the replica's is " + p.leaderEpoch());
                    hasError = true;
                } else {
                    long hw = p.highWatermark();
                    long upTo = req.getReplicaId() >= 0 ? Long.MAX_VALUE : hw;
                    int partMax = fp.getPartitionMaxBytes() > 0 ? Math.min(fp.getPartitionMaxBytes(), remaining) : remaining;
                    try {
                        ReadResult rr = p.log().read(fp.getFetchOffset(), Math.max(partMax, 0), upTo, total == 0, lease);
                        int n = rr.records().remaining();
                        total += n;
                        remaining = Math.max(0, remaining - n);
                        d.setErrorCode(ErrorCode.NONE).setHighWatermark(hw).setLastStableOffset(hw)
                                .setLogStartOffset(rr.logStartOffset()).setLogEndOffset(rr.logEndOffset())
                                .setRecords(UnsafeByteOperations.unsafeWrap(rr.records()));
                    } catch (RuntimeException e) {
                        d.setErrorCode(Errors.codeFor(e)).setErrorMessage(Errors.messageFor(e))
                                .setHighWatermark(hw).setLogStartOffset(p.log().logStartOffset()).setLogEndOffset(p.log().logEndOffset());
                        hasError = true;
                    }
                }
                tr.addPartitions(d);
            }
            resp.addTopics(tr);
        }
        return new Attempt(resp.build(), total, hasError, lease);
    }

    /** A follower's fetch of one partition: the replication protocol records its progress and answers. */
    private FetchPartitionData followerFetch(TopicPartitionKey tp, int replicaId, FetchPartition fp, int bytesLeft,
                                             ReadBufferPool.Lease lease) {
        Partition p = replicas.get(tp);
        if (p == null) {
            Leadership.Check check = leadership.leaderFor(tp);
            FetchPartitionData.Builder d = FetchPartitionData.newBuilder().setPartition(fp.getPartition())
                    .setErrorCode(check.ok() ? ErrorCode.NOT_LEADER_OR_FOLLOWER : check.error()).setErrorMessage(check.message())
                    .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setLogEndOffset(-1);
            if (check.hint() != null) {
                d.setCurrentLeader(check.hint());
            }
            return d.build();
        }
        return replication.onFollowerFetch(p, replicaId, fp, bytesLeft, lease).data();
    }
}

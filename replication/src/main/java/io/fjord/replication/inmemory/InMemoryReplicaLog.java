package io.fjord.replication.inmemory;

import io.fjord.replication.EpochEndOffset;
import io.fjord.replication.EpochHistory;
import io.fjord.replication.ReplicaLog;
import io.fjord.wire.RecordBatchHeader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The in-memory twin of a partition log (STYLE 9): batches kept as byte arrays, a leader-epoch
 * history, a high watermark. Follows the same rules data-plane's {@code PartitionLog} is held to
 * through {@link ReplicaLog}, so that tests and simulations exercise the protocol, not a mock.
 *
 * <p>Format: each batch is a Kafka v2 record batch stored verbatim with its base offset, last offset
 * and partition leader epoch read from the header ({@link RecordBatchHeader}).
 *
 * <p>Threading: not thread-safe; one caller at a time.
 */
public final class InMemoryReplicaLog implements ReplicaLog {

    /** One stored batch; {@code bytes} is never changed after it is stored. */
    public record Batch(long baseOffset, long lastOffset, int epoch, byte[] bytes) {
        public ByteBuffer buffer() { return ByteBuffer.wrap(bytes).asReadOnlyBuffer(); }

        @Override
        public boolean equals(Object o) {
            return o instanceof Batch b && b.baseOffset == baseOffset && b.lastOffset == lastOffset
                    && b.epoch == epoch && Arrays.equals(b.bytes, bytes);
        }

        @Override
        public int hashCode() { return Long.hashCode(baseOffset) * 31 + Arrays.hashCode(bytes); }

        @Override
        public String toString() { return "Batch[" + baseOffset + ".." + lastOffset + " epoch " + epoch + "]"; }
    }

    /** Offsets a leader append assigned. */
    public record AppendInfo(long firstOffset, long lastOffset) {}

    private final List<Batch> batches = new ArrayList<>();
    private EpochHistory epochs = EpochHistory.EMPTY;
    private long logStartOffset;
    private long logEndOffset;
    private long highWatermark;
    /** Counts truncations that removed data, so observers can tell a log only grew since they looked. */
    private long truncations;

    @Override public long logStartOffset() { return logStartOffset; }

    @Override public long logEndOffset() { return logEndOffset; }

    @Override public long highWatermark() { return highWatermark; }

    @Override
    public void updateHighWatermark(long hw) {
        highWatermark = Math.max(logStartOffset, Math.min(hw, logEndOffset));
    }

    @Override public OptionalInt latestEpoch() { return epochs.latestEpoch(); }

    @Override public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) { return epochs.endOffsetFor(epoch, logEndOffset); }

    @Override
    public void assignEpochStartOffset(int leaderEpoch, long startOffset) {
        epochs = epochs.assign(leaderEpoch, startOffset);
    }

    /**
     * The leader's append: assigns offsets from the log end and stamps {@code leaderEpoch} into each
     * batch of a copy of {@code records}, as data-plane's {@code appendAsLeader} does.
     */
    public AppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch) {
        if (epochs.latestEpoch().orElse(-1) > leaderEpoch) {
            throw new IllegalArgumentException("epoch " + leaderEpoch + " is below the latest " + epochs.latestEpoch());
        }
        ByteBuffer copy = copy(records);
        long first = logEndOffset;
        for (int pos = 0; pos < copy.limit(); pos += RecordBatchHeader.sizeInBytes(copy, pos)) {
            RecordBatchHeader.setBaseOffset(copy, pos, logEndOffset);
            RecordBatchHeader.setPartitionLeaderEpoch(copy, pos, leaderEpoch);
            store(copy, pos);
        }
        return new AppendInfo(first, logEndOffset - 1);
    }

    @Override
    public long appendAsFollower(ByteBuffer records) {
        ByteBuffer copy = copy(records);
        for (int pos = 0; pos < copy.limit(); pos += RecordBatchHeader.sizeInBytes(copy, pos)) {
            if (copy.limit() - pos < RecordBatchHeader.HEADER_SIZE
                    || RecordBatchHeader.sizeInBytes(copy, pos) < RecordBatchHeader.HEADER_SIZE
                    || RecordBatchHeader.sizeInBytes(copy, pos) > copy.limit() - pos) {
                throw new IllegalArgumentException("malformed or truncated batch at byte " + pos);
            }
            if (RecordBatchHeader.magic(copy, pos) != RecordBatchHeader.MAGIC_V2 || !RecordBatchHeader.isCrcValid(copy, pos)) {
                throw new IllegalArgumentException("corrupt batch at offset " + RecordBatchHeader.baseOffset(copy, pos));
            }
            long base = RecordBatchHeader.baseOffset(copy, pos);
            if (base < logEndOffset) {
                throw new IllegalStateException("unexpected append offset " + base + ", log end offset is " + logEndOffset);
            }
            store(copy, pos);
        }
        return logEndOffset - 1;
    }

    private void store(ByteBuffer buf, int pos) {
        int size = RecordBatchHeader.sizeInBytes(buf, pos);
        byte[] bytes = new byte[size];
        buf.get(pos, bytes);
        long base = RecordBatchHeader.baseOffset(buf, pos);
        long last = RecordBatchHeader.lastOffset(buf, pos);
        int epoch = RecordBatchHeader.partitionLeaderEpoch(buf, pos);
        batches.add(new Batch(base, last, epoch, bytes));
        epochs = epochs.assign(epoch, base);
        logEndOffset = last + 1;
    }

    @Override
    public void truncateTo(long offset) {
        if (offset < logStartOffset) {
            truncateFullyAndStartAt(offset);
            return;
        }
        long newEnd = Math.min(offset, logEndOffset);
        int keep = batches.size();
        while (keep > 0 && batches.get(keep - 1).lastOffset >= offset) {
            keep--;
            newEnd = Math.min(newEnd, batches.get(keep).baseOffset);
        }
        if (keep < batches.size()) {
            batches.subList(keep, batches.size()).clear();
            truncations++;
        }
        logEndOffset = Math.max(newEnd, logStartOffset);
        // Also when nothing was removed: see ReplicaLog#truncateTo.
        epochs = epochs.truncateFromEnd(logEndOffset);
        highWatermark = Math.min(highWatermark, logEndOffset);
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        if (!batches.isEmpty()) {
            truncations++;
        }
        batches.clear();
        epochs = EpochHistory.EMPTY;
        logStartOffset = offset;
        logEndOffset = offset;
        highWatermark = offset;
    }

    @Override
    public void maybeIncrementLogStartOffset(long offset) {
        long target = Math.min(offset, highWatermark);
        if (target <= logStartOffset) {
            return;
        }
        batches.removeIf(b -> b.lastOffset < target);
        logStartOffset = target;
        epochs = epochs.truncateFromStart(target);
    }

    @Override
    public ByteBuffer read(long offset, int maxBytes) {
        List<Batch> picked = new ArrayList<>();
        int total = 0;
        for (Batch b : batches) {
            if (b.lastOffset < offset) {
                continue;
            }
            if (!picked.isEmpty() && total + b.bytes.length > maxBytes) {
                break;
            }
            picked.add(b);
            total += b.bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        picked.forEach(b -> out.put(b.bytes));
        return out.flip().asReadOnlyBuffer();
    }

    /** A snapshot of the stored batches, oldest first. */
    public List<Batch> batches() { return List.copyOf(batches); }

    public int batchCount() { return batches.size(); }

    /** The {@code index}-th stored batch, oldest first. */
    public Batch batch(int index) { return batches.get(index); }

    /** The batch starting at {@code baseOffset}, if stored. */
    public Optional<Batch> batchAt(long baseOffset) {
        int lo = 0;
        int hi = batches.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Batch b = batches.get(mid);
            if (b.baseOffset == baseOffset) {
                return Optional.of(b);
            }
            if (b.baseOffset < baseOffset) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return Optional.empty();
    }

    public EpochHistory epochHistory() { return epochs; }

    public long truncations() { return truncations; }

    private static ByteBuffer copy(ByteBuffer src) {
        ByteBuffer c = ByteBuffer.allocate(src.remaining());
        c.put(src.duplicate());
        return c.flip();
    }

    @Override
    public String toString() {
        return "InMemoryReplicaLog([" + logStartOffset + ", " + logEndOffset + "), hw " + highWatermark + ", " + epochs + ")";
    }
}

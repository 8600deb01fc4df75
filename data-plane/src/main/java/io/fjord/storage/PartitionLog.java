package io.fjord.storage;

import io.fjord.wire.BatchValidator;
import io.fjord.wire.RecordBatchHeader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The durable log of one partition: a directory of segments holding Kafka v2 record batches, verbatim.
 * The log assigns offsets and leader epochs in batch headers (outside the CRC) and otherwise never looks
 * inside a batch.
 *
 * <p>Format: in the partition directory,
 * <ul>
 * <li>{@code <20-digit base offset>.log}: batches back to back; {@code .index}: sparse offset index
 *     (relative offset int32, file position int32 per {@code index.interval.bytes}); {@code .timeindex}:
 *     time index (timestamp int64, relative offset int32). Kafka's layouts (see SegmentIndex).</li>
 * <li>{@code leader-epoch-checkpoint}: {@code 0}, count, then {@code <epoch> <startOffset>} lines.</li>
 * <li>{@code log-start-offset-checkpoint}: {@code 0}, {@code 1}, then the log start offset, rewritten
 *     when retention or a full truncation moves it. Both checkpoints are replaced atomically (temp file,
 *     fsync, rename, fsync of the directory).</li>
 * <li>{@code clean-shutdown}: written by {@link #close()} after everything is fsynced; deleted on open.
 *     Without it, {@link #open} validates the last segment batch by batch and truncates a torn tail
 *     (see LogLoader).</li>
 * </ul>
 *
 * <p>Durability: {@code flush.messages} and {@code flush.ms} default to Long.MAX_VALUE, as in Kafka: the
 * log never fsyncs on its own and relies on the page cache and on replication. An acknowledged append
 * is in the page cache, so it survives a crash of the process ({@code kill -9}); after a power loss or
 * kernel crash only data covered by an fsync survives: what {@link #flush()} covered, segments that
 * {@link #maybeFlush()} fsynced after they rolled, and everything at a clean {@link #close()}. With
 * {@code flush.messages=N} an append that brings N or more unflushed messages fsyncs before returning.
 *
 * <p>Threading: one writer at a time: append, truncation, roll, retention, config updates and close
 * hold one lock. Reads ({@link #read}, offset lookups, epoch queries, log bounds) take no lock and are
 * safe from any thread: they start from one volatile snapshot (segment list, log start and end offset),
 * read files with positional reads bounded by each segment's volatile committed size, and retry on a
 * fresh snapshot if retention closed a segment under them. A read racing with a truncation of the same
 * range may return batches being removed; truncation only happens above the high watermark, where
 * consumers do not read. Flushes hold a separate lock so that an fsync does not block appends.
 *
 * <p>Idempotent producers: a {@link ProducerStateManager}, guarded by the writer lock, refuses
 * out-of-order and fenced batches and answers a retried batch with its original offsets. It is kept in
 * memory only and rebuilt from the batch headers of the whole log on open and after a truncation.
 */
public final class PartitionLog implements Closeable {
    private static final int READ_ATTEMPTS = 3;

    private final Path dir;
    private final Time time;
    private final LeaderEpochCache epochs;
    private final CheckpointFile logStartCheckpoint;
    private final Flusher flusher;
    private final ProducerStateManager producers;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile LogConfig config;
    private volatile LogSnapshot state;
    private volatile boolean closed;

    private PartitionLog(Path dir, LogConfig config, Time time, LogLoader.Loaded loaded) {
        this.dir = dir;
        this.config = config;
        this.time = time;
        this.epochs = loaded.epochs();
        this.logStartCheckpoint = loaded.logStartCheckpoint();
        this.state = new LogSnapshot(loaded.segments(), loaded.logStartOffset(), loaded.logEndOffset());
        this.flusher = new Flusher(time, loaded.logEndOffset()); // loading validated what is there
        this.producers = new ProducerStateManager(dir.toString(), ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS);
        rebuildProducerState();
    }

    /** Opens the log in {@code dir}, creating it if needed, and recovers after an unclean shutdown. */
    public static PartitionLog open(Path dir, LogConfig config, Time time) {
        return new PartitionLog(dir, config, time, LogLoader.load(dir, config, time));
    }

    // ---------------------------------------------------------------- appends

    /**
     * Appends batches the broker has validated: assigns offsets from the log end offset and stamps
     * {@code leaderEpoch} into each header in place (neither is covered by the CRC); with LogAppendTime
     * also sets the timestamp type and max timestamp and recomputes the CRC. Writes the bytes verbatim.
     *
     * <p>A batch with a producer id (which must be alone in the buffer) is checked against the producer
     * state first: a retry of one of the producer's last 5 batches writes nothing and returns the original
     * offsets with {@link AppendResult#duplicate()} set.
     *
     * @throws IllegalArgumentException for a malformed buffer, a leader epoch older than the log's latest,
     *     or several batches of which one carries a producer id
     * @throws InvalidProducerEpochException if the producer epoch is older than the producer's current one
     * @throws OutOfOrderSequenceException if the batch does not continue the producer's sequence
     */
    public AppendResult appendAsLeader(ByteBuffer validatedBatches, int leaderEpoch) {
        LogConfig c = config;
        BatchValidator.Result v = BatchValidator.validate(validatedBatches, c.maxMessageBytes(), false);
        if (!v.ok()) {
            throw new IllegalArgumentException("invalid record batches for " + dir + ": " + v.message());
        }
        int at = validatedBatches.position();
        boolean idempotent = ProducerStateManager.carriesProducerState(validatedBatches, at);
        ProducerStateManager.requireOneBatchIfIdempotent(validatedBatches, dir);
        AppendResult result;
        lock.lock();
        try {
            ensureOpen();
            int latest = epochs.latestEpoch().orElse(-1);
            if (leaderEpoch < latest) {
                throw new IllegalArgumentException("leader epoch " + leaderEpoch + " is older than the latest epoch "
                        + latest + " in " + dir);
            }
            ProducerStateManager.CheckResult check = idempotent
                    ? producers.checkBatch(validatedBatches, at) : ProducerStateManager.CheckResult.OK;
            if (check.duplicate()) {
                ProducerStateManager.BatchMetadata o = check.original();
                result = new AppendResult(o.firstOffset(), o.lastOffset(), RecordBatchHeader.NO_TIMESTAMP, o.maxTimestamp(),
                        0, true);
            } else {
                long now = time.milliseconds();
                long first = state.logEndOffset();
                long maxTs = BatchStamper.stampAsLeader(validatedBatches, first, leaderEpoch,
                        c.logAppendTime() ? now : RecordBatchHeader.NO_TIMESTAMP);
                long last = BatchStamper.lastOffset(validatedBatches);
                epochs.assign(leaderEpoch, first);
                append(validatedBatches, first, last, c, now);
                if (idempotent) {
                    producers.updateFromBatch(validatedBatches, at); // offsets and timestamp as stamped
                }
                result = new AppendResult(first, last, c.logAppendTime() ? now : RecordBatchHeader.NO_TIMESTAMP, maxTs,
                        v.validBytes());
            }
        } finally {
            lock.unlock();
        }
        // Also for a duplicate: the original's append may not have finished its fsync yet.
        flushIfDue(result.lastOffset() + 1);
        return result;
    }

    /**
     * Appends batches replicated from the leader, keeping their offsets and leader epochs (which feed the
     * leader-epoch cache). Validates headers and CRCs first. A gap after the log end offset is allowed
     * (the leader's log may have one).
     *
     * @throws UnexpectedAppendOffsetException if the first offset is below the log end offset
     * @throws IllegalArgumentException for malformed batches or offsets that do not increase
     */
    public AppendResult appendAsFollower(ByteBuffer batches) {
        // The leader already applied its size limit; a follower must take what the leader has.
        BatchValidator.Result v = BatchValidator.validate(batches, Integer.MAX_VALUE, true);
        if (!v.ok()) {
            throw new IllegalArgumentException("invalid record batches replicated to " + dir + ": " + v.message());
        }
        BatchStamper.checkIncreasingOffsets(batches, dir);
        long first = RecordBatchHeader.baseOffset(batches, batches.position());
        long last = BatchStamper.lastOffset(batches);
        lock.lock();
        try {
            ensureOpen();
            if (first < state.logEndOffset()) {
                throw new UnexpectedAppendOffsetException(dir.toString(), first, state.logEndOffset());
            }
            for (int at = batches.position(); at < batches.limit(); at += RecordBatchHeader.sizeInBytes(batches, at)) {
                epochs.assign(RecordBatchHeader.partitionLeaderEpoch(batches, at), RecordBatchHeader.baseOffset(batches, at));
            }
            append(batches, first, last, config, time.milliseconds());
            producers.loadFrom(batches); // no checks: the leader decided, the state only has to follow
        } finally {
            lock.unlock();
        }
        flushIfDue(last + 1);
        return new AppendResult(first, last, RecordBatchHeader.NO_TIMESTAMP, v.maxTimestamp(), v.validBytes());
    }

    /**
     * Replays the batch headers of the whole log into empty producer state, then applies expiry. Open and
     * truncation only: it reads every segment (headers only, in 8 KiB chunks). Writer lock held, or the
     * constructor.
     */
    private void rebuildProducerState() {
        producers.clear();
        try {
            state.scanHeaders((b, at) -> {
                producers.updateFromBatch(b, at);
                return false;
            });
        } catch (IOException e) {
            throw new StorageException("cannot rebuild producer state of " + dir + ": " + e.getMessage(), e);
        }
        producers.removeExpiredProducers(time.milliseconds());
    }

    /** Rolls if needed, writes, publishes the new log end offset. Writer lock held. */
    private void append(ByteBuffer batches, long first, long last, LogConfig c, long now) {
        LogSegment active = state.active();
        if (active.shouldRoll(c, batches.remaining(), last, now)) {
            roll(Math.max(first, state.logEndOffset()));
            active = state.active();
        }
        try {
            active.append(batches, c, now);
        } catch (IOException e) {
            throw new StorageException("cannot append to " + active + ": " + e.getMessage(), e);
        }
        state = state.withLogEndOffset(last + 1);
    }

    /** flush.messages: fsync before acknowledging, outside the writer lock so flushes never wait for it. */
    private void flushIfDue(long logEndOffset) {
        if (flusher.dueByMessages(logEndOffset, config)) {
            flusher.flushUpTo(state, logEndOffset);
        }
    }

    /** Starts a new active segment at {@code newBaseOffset}. Writer lock held. */
    private void roll(long newBaseOffset) {
        LogSnapshot s = state;
        s.active().onBecomeInactive();
        LogSegment created = LogSegment.create(dir, newBaseOffset, config);
        try {
            created.makeActive(config, time.milliseconds());
        } catch (IOException e) {
            throw new StorageException("cannot activate new segment " + created + ": " + e.getMessage(), e);
        }
        List<LogSegment> segments = new ArrayList<>(s.segments());
        segments.add(created);
        state = new LogSnapshot(segments, s.logStartOffset(), s.logEndOffset());
    }

    // ---------------------------------------------------------------- reads (lock-free)

    /**
     * Whole batches starting with the one that contains {@code offset}: as many as fit in {@code maxBytes}
     * (the first one regardless when {@code minOneBatch}), only batches with base offset below
     * {@code maxOffsetExclusive} (the high watermark, for consumers), from one segment. Empty at the log
     * end offset. The buffer is a fresh heap buffer (position 0, limit = bytes).
     *
     * @throws OffsetOutOfRangeException if offset is below the log start or above the log end offset
     */
    public ReadResult read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
        return read(offset, maxBytes, maxOffsetExclusive, minOneBatch, ByteBuffer::allocate);
    }

    /**
     * As {@link #read(long, int, long, boolean)}, into buffers from {@code buffers} (called with the
     * size needed; returns a buffer with position 0 and that limit), such as a {@link ReadBufferPool.Lease}.
     */
    public ReadResult read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch,
                           IntFunction<ByteBuffer> buffers) {
        return onSnapshot("read " + dir + " at offset " + offset, s -> {
            if (offset < s.logStartOffset() || offset > s.logEndOffset()) {
                throw new OffsetOutOfRangeException(dir.toString(), offset, s.logStartOffset(), s.logEndOffset());
            }
            long limit = Math.min(maxOffsetExclusive, s.logEndOffset());
            return new ReadResult(s.read(offset, maxBytes, limit, minOneBatch, buffers), s.logStartOffset(), s.logEndOffset());
        });
    }

    /** A lock-free read against one snapshot. */
    private interface SnapshotRead<T> {
        T apply(LogSnapshot s) throws IOException;
    }

    /** Runs {@code r} on the current snapshot, again on a fresh one if a segment was closed under it. */
    private <T> T onSnapshot(String what, SnapshotRead<T> r) {
        for (int attempt = 1; ; attempt++) {
            LogSnapshot s = state;
            ensureOpen();
            try {
                return r.apply(s);
            } catch (ClosedChannelException e) {
                // Retention or a truncation closed a segment of this snapshot; a fresh one knows.
                if (attempt >= READ_ATTEMPTS || closed || Thread.currentThread().isInterrupted()) {
                    throw new StorageException("cannot " + what + ": segment closed", e);
                }
            } catch (IOException e) {
                throw new StorageException("cannot " + what + ": " + e.getMessage(), e);
            }
        }
    }

    public long logStartOffset() { return state.logStartOffset(); }

    public long logEndOffset() { return state.logEndOffset(); }

    /** Bytes in all segment files. */
    public long sizeInBytes() { return state.sizeInBytes(); }

    public int segmentCount() { return state.segments().size(); }

    /** Base offsets of the segments, oldest first. */
    List<Long> segmentBaseOffsets() { return state.segments().stream().map(LogSegment::baseOffset).toList(); }

    /** Offsets below this are known to be fsynced. */
    long recoveryPoint() { return flusher.recoveryPoint(); }

    /**
     * The first batch (at or after the log start offset) whose max timestamp is at least
     * {@code timestampMs}: its max timestamp and base offset. Batch granularity, since the log does not
     * decode records; a consumer seeking there may see a few earlier records of that batch.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long timestampMs) {
        return onSnapshot("search " + dir + " by timestamp " + timestampMs, s -> s.offsetForTimestamp(timestampMs));
    }

    /** The largest batch max timestamp in the log and the base offset of the first batch carrying it. */
    public Optional<TimestampOffset> offsetOfMaxTimestamp() { return state.offsetOfMaxTimestamp(); }

    public OptionalInt latestEpoch() { return epochs.latestEpoch(); }

    /** Kafka's OffsetsForLeaderEpoch: see {@link EpochEndOffset}. Empty for an unknown epoch. */
    public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
        return epochs.endOffsetFor(epoch, state.logEndOffset());
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, for a new leader that has not appended
     * yet (Kafka does this on becoming leader). Appends record their epochs themselves.
     */
    public void maybeAssignEpochStartOffset(int epoch, long startOffset) {
        lock.lock();
        try {
            ensureOpen();
            epochs.assign(epoch, startOffset);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- truncation

    /**
     * Removes everything at and after {@code offset} (a follower diverged from its leader). A batch that
     * straddles the offset is removed whole, so the log end offset becomes that batch's base offset. At or
     * past the log end only leader-epoch entries starting at the log end are dropped. Below the first
     * segment it empties the log.
     */
    public void truncateTo(long offset) {
        lock.lock();
        try {
            ensureOpen();
            LogSnapshot s = state;
            if (offset >= s.logEndOffset()) {
                // Nothing to remove, but an epoch that starts at the log end has no data: a replica
                // that became leader and wrote nothing must stop announcing it (Kafka does the same).
                epochs.truncateFromEnd(s.logEndOffset());
                return;
            }
            if (offset < s.segments().get(0).baseOffset()) {
                truncateFullyAndStartAt(offset);
                return;
            }
            List<LogSegment> kept = new ArrayList<>();
            List<LogSegment> removed = new ArrayList<>();
            for (LogSegment seg : s.segments()) {
                (seg.baseOffset() > offset ? removed : kept).add(seg);
            }
            LogSegment active = kept.get(kept.size() - 1);
            BatchScanner.BatchInfo cut = active.translateOffset(offset);
            long newEnd = cut == null ? offset : Math.min(cut.baseOffset(), offset);
            long newStart = Math.min(s.logStartOffset(), newEnd);
            if (newStart != s.logStartOffset()) {
                logStartCheckpoint.write(List.of(new long[] {newStart}));
            }
            flusher.onTruncate(newEnd, false);
            // Publish first: readers then never look past the new end while files shrink.
            state = new LogSnapshot(kept, newStart, newEnd);
            for (int i = removed.size() - 1; i >= 0; i--) {
                removed.get(i).deleteFiles(); // newest first: a crash midway leaves no hole
            }
            active.truncateTo(offset);
            active.makeActive(config, time.milliseconds());
            epochs.truncateFromEnd(newEnd);
            // Truncation is rare and the state has no undo: a retry of a removed batch must be appended.
            rebuildProducerState();
        } catch (IOException e) {
            throw new StorageException("cannot truncate " + dir + " to offset " + offset + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every segment and starts an empty log at {@code offset} (log start = log end = offset). */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        lock.lock();
        try {
            ensureOpen();
            LogSnapshot s = state;
            // The checkpoint goes first: a crash before the new segment exists is finished on open.
            logStartCheckpoint.write(List.of(new long[] {offset}));
            flusher.onTruncate(offset, true);
            for (int i = s.segments().size() - 1; i >= 0; i--) {
                s.segments().get(i).deleteFiles();
            }
            LogSegment fresh = LogSegment.create(dir, offset, config);
            fresh.makeActive(config, time.milliseconds());
            state = new LogSnapshot(List.of(fresh), offset, offset);
            epochs.clear();
            producers.clear();
        } catch (IOException e) {
            throw new StorageException("cannot start " + dir + " over at offset " + offset + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- retention

    /** {@link #deleteExpiredSegments(long)} with no upper bound. */
    public int deleteExpiredSegments() {
        return deleteExpiredSegments(Long.MAX_VALUE);
    }

    /**
     * Deletes whole segments from the oldest while they are expired (see {@link Retention}): below the log
     * start offset, or, with cleanup.policy delete, past retention.ms or beyond retention.bytes. Only
     * segments entirely below {@code upperBoundOffset} go (pass the high watermark to keep unreplicated
     * data). As in Kafka, an expired active segment is rolled first so it can go too. Advances and
     * checkpoints the log start offset. Being the periodic task, it also expires idle producers
     * ({@link #removeExpiredProducers()}); deleted segments do not take their producers' state with them.
     *
     * @return the number of segments deleted
     */
    public int deleteExpiredSegments(long upperBoundOffset) {
        lock.lock();
        try {
            ensureOpen();
            producers.removeExpiredProducers(time.milliseconds());
            LogSnapshot s = state;
            List<LogSegment> expired = Retention.expiredSegments(s, upperBoundOffset, config, time.milliseconds());
            if (expired.isEmpty()) {
                return 0;
            }
            if (expired.size() == s.segments().size()) {
                roll(s.logEndOffset());
            }
            List<LogSegment> kept = state.segments().subList(expired.size(), state.segments().size());
            long newStart = Math.max(s.logStartOffset(), kept.get(0).baseOffset());
            logStartCheckpoint.write(List.of(new long[] {newStart}));
            state = new LogSnapshot(kept, newStart, s.logEndOffset());
            epochs.truncateFromStart(newStart);
            for (LogSegment seg : expired) {
                seg.deleteFiles();
            }
            return expired.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets producers whose last batch is producer.id.expiration.ms old (by its timestamp); their next
     * batch is accepted with any sequence. Returns how many were removed.
     */
    public int removeExpiredProducers() {
        lock.lock();
        try {
            ensureOpen();
            return producers.removeExpiredProducers(time.milliseconds());
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the idempotent-producer state, by producer id, for tests and diagnostics. */
    public Map<Long, ProducerStateManager.ProducerEntry> producerStateSnapshot() {
        lock.lock();
        try {
            return producers.snapshot();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- flushing

    /**
     * Applies flush.messages and flush.ms (fsync when either is reached), and otherwise fsyncs segments
     * that rolled since the last fsync, as Kafka does after a roll. Call periodically.
     */
    public void maybeFlush() {
        if (!closed) {
            flusher.maybeFlush(state, config);
        }
    }

    /** fsyncs the log and index files of every segment holding unflushed data. */
    public void flush() {
        flusher.flushUpTo(state, Long.MAX_VALUE);
    }

    // ---------------------------------------------------------------- config and lifecycle

    /** Takes effect for the next append; index sizes from the next segment. */
    public void updateConfig(LogConfig c) {
        lock.lock();
        try {
            config = c;
        } finally {
            lock.unlock();
        }
    }

    public LogConfig config() { return config; }

    public Path dir() { return dir; }

    /**
     * Clean shutdown: trims the active indexes, fsyncs every segment, then writes the clean-shutdown
     * marker so the next open skips recovery. Idempotent.
     */
    @Override
    public void close() {
        flusher.exclusive(() -> {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                LogSnapshot s = state;
                s.active().onBecomeInactive(); // the final time entry and trimmed indexes, as after a roll
                flusher.flushUpTo(s, Long.MAX_VALUE);
                Flusher.flushSegment(s.active()); // its indexes changed even if no data is unflushed
                Path marker = dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE);
                try {
                    Files.write(marker, new byte[0]);
                    CheckpointFile.fsyncDirectory(dir);
                } catch (IOException e) {
                    throw new StorageException("cannot write " + marker + ": " + e.getMessage(), e);
                }
                closed = true;
                closeSegments(s);
            } finally {
                lock.unlock();
            }
        });
    }

    /** Closes the log without a clean-shutdown marker and deletes its directory (the replica was removed). */
    public void delete() {
        lock.lock();
        try {
            closed = true;
            closeSegments(state);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot delete partition log " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static void closeSegments(LogSnapshot s) {
        StorageException failure = null;
        for (LogSegment seg : s.segments()) {
            try {
                seg.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = new StorageException("cannot close " + seg + ": " + e.getMessage(), e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("partition log " + dir + " is closed");
        }
    }

    @Override
    public String toString() { return "PartitionLog(" + dir + ")"; }
}

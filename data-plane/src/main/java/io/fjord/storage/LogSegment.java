package io.fjord.storage;

import io.fjord.storage.BatchScanner.BatchInfo;
import io.fjord.storage.BatchScanner.ScanResult;
import io.fjord.wire.RecordBatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.IntFunction;

/**
 * One segment of a partition log: a {@code .log} file of whole record batches plus its offset index and
 * time index ({@link SegmentIndex}). Only batch headers are ever read; records stay opaque bytes.
 *
 * <p>Format: {@code <20-digit base offset>.log} holds v2 record batches back to back, exactly as
 * appended (Kafka's layout); {@code .index} and {@code .timeindex} hold one entry per
 * {@code index.interval.bytes} of appended batches (see {@link SegmentIndex}).
 *
 * <p>Threading: the owning {@link PartitionLog}'s writer lock serialises append, truncate, recovery,
 * roll and close. Readers take no lock: they bound every read by the volatile {@link #sizeInBytes()},
 * which is raised only after the bytes below it are written, and use positional reads, which do not
 * touch the channel's position. A channel closed under a reader (an interrupted thread closes a
 * FileChannel for everybody) is reopened on the next use unless the segment itself was closed.
 */
final class LogSegment {
    static final String LOG_SUFFIX = ".log";

    private final long baseOffset;
    private final Path logFile;
    private volatile FileChannel channel;
    private volatile int size;
    private volatile SegmentIndex offsetIndex;
    private volatile SegmentIndex timeIndex;
    /** Largest batch max timestamp and the base offset of that batch; null while the segment is empty. */
    private volatile TimestampOffset maxTimestampSoFar;
    private volatile boolean closed;
    private int bytesSinceLastIndexEntry;
    /** Broker time of the first append, for segment.ms; -1 while empty. */
    private long firstAppendTimeMs = -1;

    private LogSegment(long baseOffset, Path logFile, FileChannel channel, int size) {
        this.baseOffset = baseOffset;
        this.logFile = logFile;
        this.channel = channel;
        this.size = size;
    }

    static String fileStem(long baseOffset) { return String.format("%020d", baseOffset); }

    /** Creates a new, empty segment; fails if its log file exists. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config) {
        Path file = dir.resolve(fileStem(baseOffset) + LOG_SUFFIX);
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            LogSegment s = new LogSegment(baseOffset, file, ch, 0);
            s.offsetIndex = SegmentIndex.create(s.indexFile(SegmentIndex.Kind.OFFSET), SegmentIndex.Kind.OFFSET,
                    baseOffset, config.segmentIndexBytes());
            s.timeIndex = SegmentIndex.create(s.indexFile(SegmentIndex.Kind.TIME), SegmentIndex.Kind.TIME,
                    baseOffset, config.segmentIndexBytes());
            return s;
        } catch (IOException e) {
            throw new StorageException("cannot create segment " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing segment; its indexes are loaded by {@link #loadIndexesAndCheckTail} or {@link #recover}. */
    static LogSegment open(Path dir, long baseOffset) {
        Path file = dir.resolve(fileStem(baseOffset) + LOG_SUFFIX);
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long len = ch.size();
            if (len > Integer.MAX_VALUE) {
                ch.close();
                throw new StorageException("segment " + file + " is " + len + " bytes, more than the 2 GiB a segment may hold");
            }
            return new LogSegment(baseOffset, file, ch, (int) len);
        } catch (IOException e) {
            throw new StorageException("cannot open segment " + file + ": " + e.getMessage(), e);
        }
    }

    long baseOffset() { return baseOffset; }
    int sizeInBytes() { return size; }
    Path logFile() { return logFile; }
    boolean isClosed() { return closed; }
    TimestampOffset maxTimestampSoFar() { return maxTimestampSoFar; }

    private Path indexFile(SegmentIndex.Kind kind) {
        return logFile.resolveSibling(fileStem(baseOffset) + kind.suffix);
    }

    // ---------------------------------------------------------------- loading and recovery

    /**
     * Loads trimmed indexes and validates the batches after the last offset-index entry (header, CRC,
     * offsets) up to the end of the file. Returns the segment's next offset, or -1 when an index is
     * missing or inconsistent or the tail is not clean, so the caller recovers the segment.
     */
    long loadIndexesAndCheckTail(long nextSegmentBase) throws IOException {
        offsetIndex = SegmentIndex.loadTrimmed(indexFile(SegmentIndex.Kind.OFFSET), SegmentIndex.Kind.OFFSET, baseOffset);
        timeIndex = SegmentIndex.loadTrimmed(indexFile(SegmentIndex.Kind.TIME), SegmentIndex.Kind.TIME, baseOffset);
        if (offsetIndex == null || timeIndex == null || !offsetIndex.looksSorted() || !timeIndex.looksSorted()) {
            return -1;
        }
        long[] entry = offsetIndex.lastEntry();
        if (entry != null && (entry[0] < baseOffset || entry[0] >= nextSegmentBase || entry[1] >= size)) {
            return -1;
        }
        TimestampOffset[] max = {null};
        boolean[] first = {true};
        ScanResult r = BatchScanner.validate(this::readFully, entry == null ? 0 : (int) entry[1], channel().size(), baseOffset,
                nextSegmentBase, (b, at, pos) -> {
            if (first[0] && entry != null && RecordBatchHeader.lastOffset(b, at) != entry[0]) {
                return "the last index entry does not point at a batch ending at offset " + entry[0];
            }
            first[0] = false;
            long ts = RecordBatchHeader.maxTimestamp(b, at);
            if (max[0] == null || ts > max[0].timestamp()) {
                max[0] = new TimestampOffset(ts, RecordBatchHeader.baseOffset(b, at));
            }
            return null;
        });
        if (r.failure() != null || r.validEnd() != size) {
            return -1;
        }
        long[] t = timeIndex.lastEntry();
        if (size > 0 && (t == null || t[1] < baseOffset || t[1] > r.lastOffset())) {
            return -1; // a rolled, non-empty segment always has its final time entry
        }
        TimestampOffset fromIndex = t == null ? null : new TimestampOffset(t[0], t[1]);
        maxTimestampSoFar = max[0] != null && (fromIndex == null || max[0].timestamp() > fromIndex.timestamp())
                ? max[0] : fromIndex;
        return size == 0 ? baseOffset : r.lastOffset() + 1;
    }

    /**
     * Validates every batch from the start, truncates the file at the first torn or corrupt batch, and
     * rebuilds both indexes from what remains. Leader epochs newer than the cache's latest are recorded.
     */
    ScanResult recover(LogConfig config, LeaderEpochCache epochs, long nextSegmentBase) throws IOException {
        offsetIndex = SegmentIndex.create(indexFile(SegmentIndex.Kind.OFFSET), SegmentIndex.Kind.OFFSET, baseOffset,
                config.segmentIndexBytes());
        timeIndex = SegmentIndex.create(indexFile(SegmentIndex.Kind.TIME), SegmentIndex.Kind.TIME, baseOffset,
                config.segmentIndexBytes());
        maxTimestampSoFar = null;
        bytesSinceLastIndexEntry = 0;
        int interval = config.indexIntervalBytes();
        ScanResult r = BatchScanner.validate(this::readFully, 0, channel().size(), baseOffset, nextSegmentBase, (b, at, pos) -> {
            int epoch = RecordBatchHeader.partitionLeaderEpoch(b, at);
            if (epoch >= 0 && epochs.latestEpoch().orElse(-1) < epoch) {
                epochs.assign(epoch, RecordBatchHeader.baseOffset(b, at));
            }
            indexBatch(b, at, pos, interval);
            return null;
        });
        FileChannel ch = channel();
        if (ch.size() > r.validEnd()) {
            ch.truncate(r.validEnd());
        }
        size = r.validEnd();
        return r;
    }

    // ---------------------------------------------------------------- appends (writer lock held)

    /** True when an append of these bytes and offsets belongs in a new segment. */
    boolean shouldRoll(LogConfig config, int appendBytes, long lastOffset, long nowMs) {
        if (lastOffset - baseOffset > Integer.MAX_VALUE) {
            return true; // relative offsets in the indexes are int32
        }
        if (size == 0) {
            return false;
        }
        return (long) size + appendBytes > config.segmentBytes()
                || nowMs - firstAppendTimeMs > config.segmentMs()
                || offsetIndex.isFull() || timeIndex.isFullForTimeEntries();
    }

    /** Writes {@code batches} (whole, validated, offsets assigned) at the end of the file and indexes them. */
    void append(ByteBuffer batches, LogConfig config, long nowMs) throws IOException {
        int start = size;
        ByteBuffer src = batches.duplicate();
        FileChannel ch = channel();
        long pos = start;
        try {
            while (src.hasRemaining()) {
                pos += ch.write(src, pos);
            }
        } catch (IOException e) {
            try {
                ch.truncate(start); // leave no partial batch behind the committed size
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        int interval = config.indexIntervalBytes();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatchHeader.sizeInBytes(batches, at)) {
            indexBatch(batches, at, start + at - batches.position(), interval);
        }
        if (firstAppendTimeMs < 0) {
            firstAppendTimeMs = nowMs;
        }
        size = (int) pos; // publish: readers may now read up to here
    }

    /** Kafka's indexing rule: an offset entry (and maybe a time entry) once more than an interval of bytes went by. */
    private void indexBatch(ByteBuffer b, int at, int position, int indexIntervalBytes) {
        long maxTs = RecordBatchHeader.maxTimestamp(b, at);
        TimestampOffset cur = maxTimestampSoFar;
        if (cur == null || maxTs > cur.timestamp()) {
            maxTimestampSoFar = new TimestampOffset(maxTs, RecordBatchHeader.baseOffset(b, at));
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            if (!offsetIndex.isFull()) {
                offsetIndex.append(RecordBatchHeader.lastOffset(b, at), position);
            }
            maybeAppendTimeEntry(false);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += RecordBatchHeader.sizeInBytes(b, at);
    }

    private void maybeAppendTimeEntry(boolean finalEntry) {
        TimestampOffset max = maxTimestampSoFar;
        long[] last = timeIndex.lastEntry();
        if (max == null || (last != null && max.timestamp() <= last[0])) {
            return;
        }
        if (finalEntry ? !timeIndex.isFull() : !timeIndex.isFullForTimeEntries()) {
            timeIndex.append(max.timestamp(), max.offset());
        }
    }

    /** The segment stops taking appends: record the final time entry and trim the index files. */
    void onBecomeInactive() {
        maybeAppendTimeEntry(true);
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** The segment becomes the active one (after loading, or a truncation back into it). */
    void makeActive(LogConfig config, long nowMs) throws IOException {
        offsetIndex.makeWritable(config.segmentIndexBytes());
        timeIndex.makeWritable(config.segmentIndexBytes());
        long[] last = offsetIndex.lastEntry();
        bytesSinceLastIndexEntry = size - (last == null ? 0 : (int) last[1]);
        if (size > 0 && firstAppendTimeMs < 0) {
            // Loaded from disk, the first append time is unknown; like Kafka, use the first batch's timestamp.
            BatchInfo first = findBatch(0, size, (b, at) -> true);
            firstAppendTimeMs = first != null && first.maxTimestamp() >= 0 ? first.maxTimestamp() : nowMs;
        }
    }

    /**
     * Removes every batch whose last offset is at least {@code offset} (a batch straddling it goes too).
     * Returns the base offset of the first removed batch, or -1 when nothing was removed.
     */
    long truncateTo(long offset) throws IOException {
        BatchInfo b = findBatch(lookupPosition(offset), size, (buf, at) -> RecordBatchHeader.lastOffset(buf, at) >= offset);
        if (b == null) {
            return -1;
        }
        size = b.position();
        offsetIndex.truncateToOffset(b.baseOffset());
        timeIndex.truncateToOffset(b.baseOffset());
        channel().truncate(b.position());
        // Every batch up to the last time entry's offset is covered by its timestamp; rescan what follows.
        long[] t = timeIndex.lastEntry();
        TimestampOffset[] max = {t == null ? null : new TimestampOffset(t[0], t[1])};
        findBatch(t == null ? 0 : lookupPosition(t[1]), size, (buf, at) -> {
            long ts = RecordBatchHeader.maxTimestamp(buf, at);
            if (max[0] == null || ts > max[0].timestamp()) {
                max[0] = new TimestampOffset(ts, RecordBatchHeader.baseOffset(buf, at));
            }
            return false;
        });
        maxTimestampSoFar = max[0];
        long[] last = offsetIndex.lastEntry();
        bytesSinceLastIndexEntry = size - (last == null ? 0 : (int) last[1]);
        if (size == 0) {
            firstAppendTimeMs = -1;
        }
        return b.baseOffset();
    }

    // ---------------------------------------------------------------- lock-free reads

    /** File position from which a forward scan finds {@code offset}: a batch ending at or before it, or 0. */
    int lookupPosition(long offset) {
        long[] e = offsetIndex.floor(offset, false);
        return e == null || e[1] >= size ? 0 : (int) e[1];
    }

    /** The first batch whose last offset is at least {@code offset}, or null if this segment holds none. */
    BatchInfo translateOffset(long offset) throws IOException {
        return findBatch(lookupPosition(offset), size, (b, at) -> RecordBatchHeader.lastOffset(b, at) >= offset);
    }

    /** The first batch at or after {@code startingOffset} whose max timestamp is at least {@code timestamp}. */
    BatchInfo findByTimestamp(long timestamp, long startingOffset) throws IOException {
        long[] t = timeIndex.floor(timestamp, true); // batches up to t's offset are all older than timestamp
        long from = Math.max(t == null ? baseOffset : t[1], startingOffset);
        return findBatch(lookupPosition(from), size, (b, at) -> RecordBatchHeader.maxTimestamp(b, at) >= timestamp
                && RecordBatchHeader.lastOffset(b, at) >= startingOffset);
    }

    /** The first batch from {@code from} (a batch boundary) to {@code end} matching {@code p}, or null. */
    BatchInfo findBatch(int from, int end, BatchScanner.HeaderPredicate p) throws IOException {
        return BatchScanner.findBatch(this::readFully, from, end, p);
    }

    /**
     * Whole batches from {@code position} (a batch boundary): as many as fit in {@code maxBytes} (at least
     * one when {@code minOneBatch}), stopping before the first with base offset at or above
     * {@code maxOffsetExclusive}, not reading past {@code endPosition} (at most the committed size). One
     * read into a buffer from {@code buffers} (a second for an oversized first batch).
     */
    ByteBuffer read(int position, int endPosition, int maxBytes, long maxOffsetExclusive, boolean minOneBatch,
                    IntFunction<ByteBuffer> buffers) throws IOException {
        int end = Math.min(endPosition, size);
        if (position >= end) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer buf = buffers.apply(Math.min(Math.max(maxBytes, RecordBatchHeader.HEADER_SIZE), end - position));
        readFully(buf, position);
        int got = buf.position();
        int take = 0;
        while (take + RecordBatchHeader.HEADER_SIZE <= got) {
            int batchSize = RecordBatchHeader.sizeInBytes(buf, take);
            if (batchSize < RecordBatchHeader.HEADER_SIZE || RecordBatchHeader.baseOffset(buf, take) >= maxOffsetExclusive) {
                break;
            }
            boolean first = take == 0;
            if ((long) take + batchSize > maxBytes && !(first && minOneBatch)) {
                break;
            }
            if ((long) take + batchSize > got) {
                if (first && (long) position + batchSize <= end) {
                    buf = buffers.apply(batchSize); // a first batch larger than maxBytes
                    readFully(buf, position);
                    take = buf.position() == batchSize ? batchSize : 0;
                }
                break;
            }
            take += batchSize;
        }
        return buf.position(0).limit(take);
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        FileChannel ch = channel();
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** The open channel; reopened if an interrupted thread closed it, unless the segment was closed. */
    private FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch.isOpen()) {
            return ch;
        }
        synchronized (this) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (!channel.isOpen()) {
                channel = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            return channel;
        }
    }

    /** fsync of the log data (fdatasync) and the indexes. */
    void flush() throws IOException {
        channel().force(false);
        try {
            offsetIndex.flush();
            timeIndex.flush();
        } catch (StorageException e) {
            if (closed) {
                throw new ClosedChannelException(); // deleted meanwhile: what the caller expects of a closed segment
            }
            throw e;
        }
    }

    synchronized void close() throws IOException {
        closed = true;
        channel.close();
    }

    /** Closes the segment and deletes its three files. */
    void deleteFiles() {
        try {
            close();
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            throw new StorageException("cannot delete segment " + logFile + ": " + e.getMessage(), e);
        }
        if (offsetIndex != null) {
            offsetIndex.deleteFile();
            timeIndex.deleteFile();
        } else {
            deleteIfExists(indexFile(SegmentIndex.Kind.OFFSET));
            deleteIfExists(indexFile(SegmentIndex.Kind.TIME));
        }
    }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() { return logFile.toString(); }
}

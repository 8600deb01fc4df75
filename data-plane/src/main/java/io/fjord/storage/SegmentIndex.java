package io.fjord.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One sparse index file of a segment, memory-mapped like Kafka's AbstractIndex: entries sorted by key,
 * appended every {@code index.interval.bytes} of log data, looked up by binary search.
 *
 * <p>Format (big-endian, Kafka's layout, no header):
 * <ul>
 * <li>{@link Kind#OFFSET} ({@code .index}): relative offset int32 + file position int32 = 8 bytes. The
 *     key is the last offset of the batch that starts at the position.</li>
 * <li>{@link Kind#TIME} ({@code .timeindex}): timestamp int64 + relative offset int32 = 12 bytes: every
 *     batch at or before the offset has a max timestamp at most the timestamp. Timestamps strictly
 *     increase.</li>
 * </ul>
 * The index of the active segment is preallocated to {@code segment.index.bytes} (zeros past the
 * entries); when the segment rolls or the log closes cleanly it is trimmed to its entries, so for those
 * files the entry count is the file length over the entry size. A crash leaves the active index
 * untrimmed; recovery rebuilds it from the log.
 *
 * <p>Threading: one writer (under the log's writer lock) appends, truncates and remaps. Readers take no
 * lock: they read the volatile entry count, then only entries below it, through absolute gets on the
 * volatile mapping. Mappings are never unmapped explicitly (a reader may still be using one); the
 * garbage collector releases them.
 */
final class SegmentIndex {
    enum Kind {
        OFFSET(8, ".index"), TIME(12, ".timeindex");

        final int entrySize;
        final String suffix;

        Kind(int entrySize, String suffix) {
            this.entrySize = entrySize;
            this.suffix = suffix;
        }
    }

    /** Even a tiny segment.index.bytes leaves room for one entry plus the final time entry at roll. */
    private static final int MIN_ENTRIES = 2;

    private final Path file;
    private final Kind kind;
    private final long baseOffset;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;
    private boolean writable;

    private SegmentIndex(Path file, Kind kind, long baseOffset, MappedByteBuffer mmap, int entries, int maxEntries,
                         boolean writable) {
        this.file = file;
        this.kind = kind;
        this.baseOffset = baseOffset;
        this.mmap = mmap;
        this.entries = entries;
        this.maxEntries = maxEntries;
        this.writable = writable;
    }

    /** A new empty index, replacing any file there, preallocated for appends. */
    static SegmentIndex create(Path file, Kind kind, long baseOffset, int maxIndexBytes) {
        int max = Math.max(MIN_ENTRIES, maxIndexBytes / kind.entrySize);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) max * kind.entrySize);
            return new SegmentIndex(file, kind, baseOffset, m, 0, max, true);
        } catch (IOException e) {
            throw new StorageException("cannot create index " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Maps an existing, trimmed index read-only. Returns null when the file is missing or its length is
     * not a whole number of entries, so the caller rebuilds it.
     */
    static SegmentIndex loadTrimmed(Path file, Kind kind, long baseOffset) {
        if (!Files.exists(file)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size % kind.entrySize != 0 || size / kind.entrySize > Integer.MAX_VALUE) {
                return null;
            }
            int n = (int) (size / kind.entrySize);
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new SegmentIndex(file, kind, baseOffset, m, n, n, false);
        } catch (IOException e) {
            throw new StorageException("cannot open index " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() { return file; }

    int entries() { return entries; }

    boolean isFull() { return entries >= maxEntries; }

    /** The time index keeps its last slot for the final entry written when the segment rolls. */
    boolean isFullForTimeEntries() { return entries >= maxEntries - 1; }

    /** Key of entry i: the absolute (last) offset for OFFSET, the timestamp for TIME. */
    long key(int i) { return key(mmap, i); }

    /** Value of entry i: the file position for OFFSET, the absolute offset for TIME. */
    long value(int i) { return value(mmap, i); }

    private long key(ByteBuffer m, int i) {
        int at = i * kind.entrySize;
        return kind == Kind.OFFSET ? baseOffset + m.getInt(at) : m.getLong(at);
    }

    private long value(ByteBuffer m, int i) {
        int at = i * kind.entrySize;
        return kind == Kind.OFFSET ? m.getInt(at + 4) : baseOffset + m.getInt(at + 8);
    }

    /**
     * The entry with the largest key at most {@code target} (strictly below it when {@code strict}), as
     * {key, value}, or null when every key is larger. Lock-free.
     */
    long[] floor(long target, boolean strict) {
        int n = entries;          // read the count first: entries below it are fully written in any mapping
        MappedByteBuffer m = mmap;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = key(m, mid);
            if (k < target || (!strict && k == target)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? null : new long[] {key(m, found), value(m, found)};
    }

    /** The last entry as {key, value}, or null. */
    long[] lastEntry() {
        int n = entries;
        MappedByteBuffer m = mmap;
        return n == 0 ? null : new long[] {key(m, n - 1), value(m, n - 1)};
    }

    /**
     * A cheap sanity check of a loaded file (Kafka checks only the last entry): keys, and for the offset
     * index also positions, grow from the first entry to the last. A zero-filled file fails it.
     */
    boolean looksSorted() {
        int n = entries;
        return n < 2 || (key(0) < key(n - 1) && (kind == Kind.TIME || value(0) < value(n - 1)));
    }

    /** Appends an entry; the caller checked {@link #isFull()}. OFFSET: (lastOffset, position); TIME: (timestamp, offset). */
    void append(long key, long value) {
        if (!writable || entries >= maxEntries) {
            throw new IllegalStateException("index " + file + " is " + (writable ? "full" : "read-only"));
        }
        int at = entries * kind.entrySize;
        MappedByteBuffer m = mmap;
        if (kind == Kind.OFFSET) {
            m.putInt(at, Math.toIntExact(key - baseOffset));
            m.putInt(at + 4, Math.toIntExact(value));
        } else {
            m.putLong(at, key);
            m.putInt(at + 8, Math.toIntExact(value - baseOffset));
        }
        entries = entries + 1; // volatile write publishes the entry to readers
    }

    /** Removes the entries that refer to offsets at or after {@code offset}. */
    void truncateToOffset(long offset) {
        int n = entries;
        while (n > 0 && (kind == Kind.OFFSET ? key(n - 1) : value(n - 1)) >= offset) {
            n--;
        }
        entries = n;
    }

    /** Shrinks the file to its entries; the index stays readable but takes no more appends. */
    void trimToValidSize() {
        if (!writable) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate((long) entries * kind.entrySize);
        } catch (IOException e) {
            throw new StorageException("cannot trim index " + file + ": " + e.getMessage(), e);
        }
        writable = false;
        maxEntries = entries;
    }

    /** Grows the file back to {@code maxIndexBytes} and maps it for appends (the segment became active). */
    void makeWritable(int maxIndexBytes) {
        if (writable) {
            return;
        }
        int max = Math.max(Math.max(MIN_ENTRIES, maxIndexBytes / kind.entrySize), entries);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mmap = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) max * kind.entrySize);
        } catch (IOException e) {
            throw new StorageException("cannot reopen index " + file + " for appends: " + e.getMessage(), e);
        }
        maxEntries = max;
        writable = true;
    }

    /** Writes dirty pages to disk: msync of the mapping, or fsync of a trimmed file (Linux fsync covers mmap writes). */
    void flush() {
        if (writable) {
            mmap.force();
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot flush index " + file + ": " + e.getMessage(), e);
        }
    }

    void deleteFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete index " + file + ": " + e.getMessage(), e);
        }
    }
}

package io.fjord.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory: loads segments, recovers after a crash, and works out the log start
 * and end offsets. Kafka's LogLoader, reduced to what this log needs.
 *
 * <p>After a clean shutdown (the marker file exists) every segment's trimmed indexes are trusted once a
 * cheap check passes: the last offset-index entry points at a real batch, and the batches after it
 * validate (header and CRC) up to the end of the file. After a crash the last segment is validated
 * batch by batch and its indexes rebuilt; older segments get the cheap check. A segment that fails the
 * check is recovered like the last one; if that truncates data, every later segment is deleted, so the
 * log never has a hole (as in Kafka, where data after the first torn write is not trusted).
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);
    private static final Pattern SEGMENT_NAME = Pattern.compile("(\\d{20})\\.log");

    static final String CLEAN_SHUTDOWN_FILE = "clean-shutdown";
    static final String LEADER_EPOCH_FILE = "leader-epoch-checkpoint";
    static final String LOG_START_OFFSET_FILE = "log-start-offset-checkpoint";

    /** What {@link #load} found; the last segment is active (writable indexes). */
    record Loaded(List<LogSegment> segments, long logStartOffset, long logEndOffset, LeaderEpochCache epochs,
                  CheckpointFile logStartCheckpoint) {}

    private LogLoader() {}

    static Loaded load(Path dir, LogConfig config, Time time) {
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
            boolean clean = Files.exists(marker);
            List<Long> bases = scanDirectory(dir);
            LeaderEpochCache epochs = new LeaderEpochCache(dir.resolve(LEADER_EPOCH_FILE));
            CheckpointFile startCheckpoint = new CheckpointFile(dir.resolve(LOG_START_OFFSET_FILE));
            List<long[]> start = startCheckpoint.read();
            long checkpointedStart = start.isEmpty() ? 0 : start.get(0)[0];

            List<Slot> segments = loadSegments(dir, bases, clean, config, epochs);
            if (segments.isEmpty()) {
                segments.add(new Slot(LogSegment.create(dir, checkpointedStart, config), checkpointedStart));
            }
            long logEndOffset = segments.get(segments.size() - 1).nextOffset();
            long logStartOffset = Math.max(checkpointedStart, segments.get(0).segment().baseOffset());
            if (logStartOffset > logEndOffset) {
                // The checkpoint is ahead of the data: a truncateFullyAndStartAt was cut short by a crash.
                log.warn("{}: log start offset {} is past the recovered log end offset {}; starting an empty log there",
                        dir, logStartOffset, logEndOffset);
                for (int i = segments.size() - 1; i >= 0; i--) {
                    segments.get(i).segment().deleteFiles();
                }
                segments.clear();
                segments.add(new Slot(LogSegment.create(dir, logStartOffset, config), logStartOffset));
                logEndOffset = logStartOffset;
                epochs.clear();
            }
            List<LogSegment> result = new ArrayList<>(segments.size());
            for (int i = 0; i < segments.size(); i++) {
                LogSegment s = segments.get(i).segment();
                if (i == segments.size() - 1) {
                    s.makeActive(config, time.milliseconds());
                } else {
                    s.onBecomeInactive(); // no-op for trimmed, loaded indexes; trims rebuilt ones
                }
                result.add(s);
            }
            epochs.truncateFromEnd(logEndOffset);
            epochs.truncateFromStart(logStartOffset);
            if (clean) {
                // Appends may follow: from now on a crash must be seen as one. Make the delete durable.
                Files.delete(marker);
                CheckpointFile.fsyncDirectory(dir);
            }
            return new Loaded(result, logStartOffset, logEndOffset, epochs, startCheckpoint);
        } catch (IOException e) {
            throw new StorageException("cannot load partition log " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A loaded segment and the offset after its last batch. */
    private record Slot(LogSegment segment, long nextOffset) {}

    private static List<Slot> loadSegments(Path dir, List<Long> bases, boolean clean, LogConfig config,
                                               LeaderEpochCache epochs) throws IOException {
        List<Slot> loaded = new ArrayList<>(bases.size());
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
            LogSegment seg = LogSegment.open(dir, bases.get(i));
            long next = clean || !last ? seg.loadIndexesAndCheckTail(nextBase) : -1;
            if (next < 0) {
                long sizeBefore = seg.sizeInBytes();
                BatchScanner.ScanResult r = seg.recover(config, epochs, nextBase);
                next = r.lastOffset() < 0 ? seg.baseOffset() : r.lastOffset() + 1;
                long truncated = sizeBefore - seg.sizeInBytes();
                if (truncated > 0) {
                    log.warn("{}: recovery truncated {} bytes {}; log end offset of the segment is {}",
                            seg, truncated, r.failure(), next);
                    if (!last) {
                        deleteLaterSegments(dir, bases.subList(i + 1, bases.size()));
                        loaded.add(new Slot(seg, next));
                        return loaded;
                    }
                } else if (clean || !last) {
                    log.info("{}: rebuilt missing or inconsistent index files", seg);
                }
            }
            loaded.add(new Slot(seg, next));
        }
        return loaded;
    }

    private static void deleteLaterSegments(Path dir, List<Long> later) {
        log.warn("{}: deleting {} segment(s) after the truncated one, from base offset {}", dir, later.size(), later.get(0));
        for (int j = later.size() - 1; j >= 0; j--) {
            LogSegment.open(dir, later.get(j)).deleteFiles();
        }
    }

    /** Segment base offsets in order; removes leftover temp files and index files without a log. */
    private static List<Long> scanDirectory(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        List<Path> indexes = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                Matcher m = SEGMENT_NAME.matcher(name);
                if (m.matches()) {
                    bases.add(Long.parseLong(m.group(1)));
                } else if (name.endsWith(".tmp")) {
                    Files.delete(f); // an interrupted checkpoint write; the previous checkpoint stands
                } else if (name.endsWith(SegmentIndex.Kind.OFFSET.suffix) || name.endsWith(SegmentIndex.Kind.TIME.suffix)) {
                    indexes.add(f);
                }
            }
        }
        for (Path idx : indexes) {
            String name = idx.getFileName().toString();
            if (!Files.exists(idx.resolveSibling(name.substring(0, name.indexOf('.')) + LogSegment.LOG_SUFFIX))) {
                Files.delete(idx);
            }
        }
        bases.sort(null);
        return bases;
    }
}

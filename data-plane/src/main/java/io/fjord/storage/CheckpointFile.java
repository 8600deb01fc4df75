package io.fjord.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A small text checkpoint in Kafka's layout: a version line ({@code 0}), a count line, then one entry
 * per line with space-separated fields.
 *
 * <p>Written atomically: the new content goes to {@code <name>.tmp}, is fsynced, renamed over the old
 * file, and the directory is fsynced, so a reader (or a restart after a crash or power loss) sees
 * either the old or the new checkpoint, never a mix.
 */
public final class CheckpointFile {
    private static final int VERSION = 0;

    private final Path file;

    public CheckpointFile(Path file) {
        this.file = file;
    }

    public Path path() { return file; }

    /** Entries as their fields; empty when the file does not exist. */
    public List<long[]> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new StorageException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        if (lines.size() < 2 || !lines.get(0).trim().equals(Integer.toString(VERSION))) {
            throw malformed("expected version " + VERSION + " and a count on the first two lines");
        }
        int count;
        try {
            count = Integer.parseInt(lines.get(1).trim());
        } catch (NumberFormatException e) {
            throw malformed("line 2 is not a count: '" + lines.get(1) + "'");
        }
        if (count < 0 || lines.size() < 2 + count) {
            throw malformed("declares " + count + " entries but holds " + (lines.size() - 2));
        }
        List<long[]> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String line = lines.get(2 + i).trim();
            String[] parts = line.split("\\s+");
            long[] fields = new long[parts.length];
            try {
                for (int j = 0; j < parts.length; j++) {
                    fields[j] = Long.parseLong(parts[j]);
                }
            } catch (NumberFormatException e) {
                throw malformed("line " + (3 + i) + " is not numeric: '" + line + "'");
            }
            entries.add(fields);
        }
        return entries;
    }

    /** Replaces the checkpoint with {@code entries} atomically and durably. */
    public void write(List<long[]> entries) {
        StringBuilder sb = new StringBuilder().append(VERSION).append('\n').append(entries.size()).append('\n');
        for (long[] fields : entries) {
            for (int j = 0; j < fields.length; j++) {
                sb.append(j == 0 ? "" : " ").append(fields[j]);
            }
            sb.append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(file.getParent());
        } catch (IOException e) {
            throw new StorageException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** Makes a rename or delete in {@code dir} durable (Linux allows fsync on a directory). */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private StorageException malformed(String why) {
        return new StorageException("malformed checkpoint " + file + ": " + why);
    }
}

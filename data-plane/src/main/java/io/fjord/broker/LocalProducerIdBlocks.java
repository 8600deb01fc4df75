package io.fjord.broker;

import io.fjord.storage.StorageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Producer id blocks for a standalone broker (no controllers): the end of the last block handed out
 * is kept in {@code <log.dirs>/producer-id-block}, written and fsynced before the block is used, so a
 * restarted broker never hands out an id twice (at worst it skips the rest of a block).
 */
final class LocalProducerIdBlocks implements ProducerIdManager.BlockSource {
    static final int BLOCK_SIZE = 1000;

    private final Path file;

    LocalProducerIdBlocks(Path logDir) {
        this.file = logDir.resolve("producer-id-block");
    }

    @Override
    public synchronized ProducerIdManager.Block next() {
        long start = readNext();
        long end = start + BLOCK_SIZE;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((end + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot write " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new StorageException("cannot replace " + file + ": " + e.getMessage(), e);
        }
        return new ProducerIdManager.Block(start, BLOCK_SIZE);
    }

    private long readNext() {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            long v = Long.parseLong(text);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (NumberFormatException e) {
            throw new StorageException(file + " does not hold a producer id (" + e.getMessage()
                    + "); restore it or delete it only if no idempotent producer wrote to this broker", e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

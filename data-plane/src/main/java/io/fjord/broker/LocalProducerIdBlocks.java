package io.fjord.broker;

import io.fjord.storage.CheckpointFile;
import io.fjord.storage.StorageException;

import java.nio.file.Path;
import java.util.List;

/**
 * Producer id blocks for a standalone broker (no controllers): the end of the last block handed out
 * is kept in {@code <log.dirs>/producer-id-block} (a checkpoint file: written atomically and fsynced)
 * before the block is used, so a restarted broker never hands out an id twice (at worst it skips
 * the rest of a block).
 */
final class LocalProducerIdBlocks implements ProducerIdManager.BlockSource {
    static final int BLOCK_SIZE = 1000;

    private final CheckpointFile file;

    LocalProducerIdBlocks(Path logDir) {
        this.file = new CheckpointFile(logDir.resolve("producer-id-block"));
    }

    @Override
    public synchronized ProducerIdManager.Block next() {
        List<long[]> entries = file.read();
        long start = entries.isEmpty() ? 0 : entries.get(0)[0];
        if (start < 0 || (!entries.isEmpty() && entries.get(0).length != 1)) {
            throw new StorageException(file.path() + " does not hold one producer id; restore it, or delete it only if no"
                    + " idempotent producer wrote to this broker");
        }
        file.write(List.<long[]>of(new long[] {start + BLOCK_SIZE}));
        return new ProducerIdManager.Block(start, BLOCK_SIZE);
    }
}

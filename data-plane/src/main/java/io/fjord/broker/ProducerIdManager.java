package io.fjord.broker;

/**
 * Hands out producer ids for InitProducerId from blocks obtained from a {@link BlockSource} (the
 * active controller, which writes each block to the metadata log, or a file for a standalone broker),
 * so ids are unique across brokers and restarts while a block lasts {@code blockSize} requests.
 *
 * <p>Threading: thread-safe; a caller that finds the block used up fetches the next one while holding
 * the monitor, so concurrent callers wait for it rather than each fetching a block.
 */
final class ProducerIdManager {

    /** A range of ids [{@code start}, {@code start + length}). */
    record Block(long start, int length) {
        Block {
            if (start < 0 || length <= 0) {
                throw new IllegalArgumentException("invalid producer id block [" + start + ", +" + length + ")");
            }
        }
    }

    /** Where blocks come from; throws {@link ProducerIdsUnavailableException} when none can be had now. */
    interface BlockSource {
        Block next();
    }

    /** No block could be obtained (controller unreachable, broker not registered yet): retriable. */
    static final class ProducerIdsUnavailableException extends RuntimeException {
        ProducerIdsUnavailableException(String message) {
            super(message);
        }
    }

    private final BlockSource source;
    private long next;
    private long end;

    ProducerIdManager(BlockSource source) {
        this.source = source;
    }

    synchronized long nextProducerId() {
        if (next >= end) {
            Block b = source.next();
            next = b.start();
            end = b.start() + b.length();
        }
        return next++;
    }
}

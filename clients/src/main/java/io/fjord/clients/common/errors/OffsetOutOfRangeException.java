package io.fjord.clients.common.errors;

import io.fjord.clients.common.TopicPartition;
import java.util.Map;

/**
 * A fetch position is outside the partition's log (before its start or after its end) and
 * auto.offset.reset=none, so the consumer will not choose a new position by itself.
 */
public class OffsetOutOfRangeException extends FjordException {
    private final Map<TopicPartition, Long> offsetOutOfRangePartitions;

    public OffsetOutOfRangeException(String message) {
        this(message, Map.of());
    }

    public OffsetOutOfRangeException(String message, Map<TopicPartition, Long> offsetOutOfRangePartitions) {
        super(message);
        this.offsetOutOfRangePartitions = Map.copyOf(offsetOutOfRangePartitions);
    }

    /** The partitions and the positions that were out of range (empty when not known). */
    public Map<TopicPartition, Long> offsetOutOfRangePartitions() {
        return offsetOutOfRangePartitions;
    }
}

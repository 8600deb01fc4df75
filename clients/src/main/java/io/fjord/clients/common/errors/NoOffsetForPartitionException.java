package io.fjord.clients.common.errors;

import io.fjord.clients.common.TopicPartition;
import java.util.Set;
import java.util.TreeSet;

/** The consumer has no position for some partitions and auto.offset.reset=none forbids choosing one. */
public class NoOffsetForPartitionException extends FjordException {
    private final Set<TopicPartition> partitions;

    public NoOffsetForPartitionException(Set<TopicPartition> partitions) {
        super("No offset is set and auto.offset.reset=none for partitions " + new TreeSet<>(partitions)
                + ": call seek(), seekToBeginning() or seekToEnd() for them, or set auto.offset.reset to earliest or latest.");
        this.partitions = Set.copyOf(partitions);
    }

    public Set<TopicPartition> partitions() {
        return partitions;
    }
}

package io.fjord.replication.leader;

import io.fjord.replication.AlterPartitionProposal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The leader's view of the ISR (STYLE 7): the last committed set, or a proposed change in flight to
 * the controller. While a change is pending the high watermark uses the {@link #maximal()} set (the
 * committed ISR plus a replica being added; a replica being removed still counts), so that whatever
 * the controller decides, everything below the high watermark is on every replica the controller
 * may consider in sync (Kafka's "maximal ISR", KIP-497).
 */
public sealed interface IsrState permits IsrState.Committed, IsrState.PendingExpand, IsrState.PendingShrink {

    Committed lastCommitted();

    /** The replicas the high watermark waits for. */
    List<Integer> maximal();

    default List<Integer> committedIsr() { return lastCommitted().isr(); }

    default int partitionEpoch() { return lastCommitted().partitionEpoch(); }

    default boolean isPending() { return !(this instanceof Committed); }

    /** The ISR as committed in the metadata log at {@code partitionEpoch}. */
    record Committed(List<Integer> isr, int partitionEpoch) implements IsrState {
        public Committed {
            isr = List.copyOf(isr);
        }

        @Override public Committed lastCommitted() { return this; }

        @Override public List<Integer> maximal() { return isr; }
    }

    /** {@code added} caught up and is proposed in; the high watermark already waits for it. */
    record PendingExpand(Committed lastCommitted, int added, AlterPartitionProposal proposal) implements IsrState {
        @Override
        public List<Integer> maximal() {
            List<Integer> m = new ArrayList<>(lastCommitted.isr());
            m.add(added);
            return List.copyOf(m);
        }
    }

    /** {@code removed} fell behind and is proposed out; until committed the high watermark still waits for it. */
    record PendingShrink(Committed lastCommitted, Set<Integer> removed, AlterPartitionProposal proposal) implements IsrState {
        public PendingShrink {
            removed = Set.copyOf(removed);
        }

        @Override public List<Integer> maximal() { return lastCommitted.isr(); }
    }
}

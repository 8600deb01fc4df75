package io.fjord.metadata.controller;

import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.proto.metadata.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Leader election and ISR shrinking as pure functions of a partition's registration, as Kafka's
 * controller does it (before KIP-966's eligible leader replicas):
 * <ul>
 *   <li>keep the current leader if it is in the ISR and may lead;</li>
 *   <li>else the first replica, in replica order, that is in the ISR and may lead (clean);</li>
 *   <li>else, if unclean election is enabled for the topic, the first replica that may lead, and the ISR
 *       becomes just it;</li>
 *   <li>else no leader (offline, leader -1).</li>
 * </ul>
 * Removing a broker never empties the ISR: the last member stays, and the partition goes offline.
 */
public final class PartitionElection {
    private PartitionElection() {}

    /** A partition's next leader and ISR. */
    public record Outcome(int leader, List<Integer> isr) {}

    /**
     * @param targetIsr the ISR to elect from (already without any broker being removed); not empty
     * @param canLead whether a broker may lead (registered, unfenced, not in controlled shutdown)
     */
    public static Outcome elect(PartitionRegistration reg, List<Integer> targetIsr, IntPredicate canLead, boolean unclean) {
        if (reg.hasLeader() && targetIsr.contains(reg.leader()) && canLead.test(reg.leader())) {
            return new Outcome(reg.leader(), targetIsr);
        }
        for (int r : reg.replicas()) {
            if (targetIsr.contains(r) && canLead.test(r)) {
                return new Outcome(r, targetIsr);
            }
        }
        if (unclean) {
            for (int r : reg.replicas()) {
                if (canLead.test(r)) {
                    return new Outcome(r, List.of(r));
                }
            }
        }
        return new Outcome(PartitionRegistration.NO_LEADER, targetIsr);
    }

    /** Takes {@code brokerId} out of the ISR (unless it is the last member) and elects again. */
    public static Outcome removeFromIsr(PartitionRegistration reg, int brokerId, IntPredicate canLead, boolean unclean) {
        List<Integer> isr = new ArrayList<>(reg.isr());
        isr.remove(Integer.valueOf(brokerId));
        if (isr.isEmpty()) {
            isr = reg.isr();
        }
        return elect(reg, isr, canLead, unclean);
    }

    /**
     * The record that moves {@code reg} to {@code outcome}, guarded by the partition epoch it was
     * computed against, or empty if nothing changes.
     */
    public static Optional<PartitionChangeRecord> changeRecord(String topicId, int partition, PartitionRegistration reg,
                                                               Outcome outcome) {
        boolean leaderChanged = outcome.leader() != reg.leader();
        boolean isrChanged = !outcome.isr().equals(reg.isr());
        if (!leaderChanged && !isrChanged) {
            return Optional.empty();
        }
        PartitionChangeRecord.Builder b = PartitionChangeRecord.newBuilder().setTopicId(topicId).setPartition(partition)
                .setExpectedPartitionEpoch(reg.partitionEpoch());
        if (leaderChanged) {
            b.setLeader(outcome.leader());
        }
        if (isrChanged) {
            b.setIsrSet(true).addAllIsr(outcome.isr());
        }
        return Optional.of(b.build());
    }
}

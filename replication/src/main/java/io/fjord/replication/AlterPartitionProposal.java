package io.fjord.replication;

import io.fjord.proto.controller.AlterPartitionData;

import java.util.List;

/**
 * A leader's proposed ISR for one partition, valid only against the partition epoch it was made
 * from: the controller rejects it once any other change has committed (STYLE 8).
 *
 * @param leaderEpoch the proposing leader's epoch
 * @param partitionEpoch the partition epoch of the committed state the proposal starts from
 * @param newIsr the full proposed ISR, leader included
 */
public record AlterPartitionProposal(TopicPartition partition, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
    public AlterPartitionProposal {
        newIsr = List.copyOf(newIsr);
    }

    public AlterPartitionData toData() {
        return AlterPartitionData.newBuilder()
                .setPartition(partition.partition())
                .setLeaderEpoch(leaderEpoch)
                .setPartitionEpoch(partitionEpoch)
                .addAllNewIsr(newIsr)
                .build();
    }
}

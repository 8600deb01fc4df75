package io.fjord.replication.sim;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterPartitionData;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.replication.TopicPartition;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The controller, reduced to what replication sees: one committed registration per partition,
 * AlterPartition validated as data-plane's controller does (leader epoch, leadership, partition
 * epoch, shape), clean elections from the ISR, and fencing that removes a broker from every ISR.
 * Every commit is published to every broker.
 */
final class SimController {
    record Registration(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr, List<Integer> replicas) {
        Registration {
            isr = List.copyOf(isr);
            replicas = List.copyOf(replicas);
        }
    }

    private final Map<TopicPartition, Registration> partitions = new TreeMap<>();
    private final BiConsumer<TopicPartition, Registration> publish;
    int isrChanges;
    int elections;

    SimController(BiConsumer<TopicPartition, Registration> publish) {
        this.publish = publish;
    }

    void create(TopicPartition tp, List<Integer> replicas, int leader) {
        commit(tp, new Registration(leader, 0, 0, replicas, replicas));
    }

    Registration get(TopicPartition tp) { return partitions.get(tp); }

    Map<TopicPartition, Registration> all() { return partitions; }

    AlterPartitionResult alterPartition(int brokerId, TopicPartition tp, AlterPartitionData d) {
        Registration r = partitions.get(tp);
        ErrorCode error = ErrorCode.NONE;
        if (d.getLeaderEpoch() < r.leaderEpoch()) {
            error = ErrorCode.FENCED_LEADER_EPOCH;
        } else if (d.getLeaderEpoch() > r.leaderEpoch()) {
            error = ErrorCode.UNKNOWN_LEADER_EPOCH;
        } else if (brokerId != r.leader()) {
            error = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        } else if (d.getPartitionEpoch() != r.partitionEpoch()) {
            error = ErrorCode.FENCED_LEADER_EPOCH;
        } else if (!d.getNewIsrList().contains(r.leader()) || !r.replicas().containsAll(d.getNewIsrList())
                || new HashSet<>(d.getNewIsrList()).size() != d.getNewIsrCount()) {
            error = ErrorCode.INVALID_REQUEST;
        }
        if (error == ErrorCode.NONE) {
            r = new Registration(r.leader(), r.leaderEpoch(), r.partitionEpoch() + 1, d.getNewIsrList(), r.replicas());
            commit(tp, r);
            isrChanges++;
        }
        return AlterPartitionResult.newBuilder().setPartition(tp.partition()).setErrorCode(error).setLeader(r.leader())
                .setLeaderEpoch(r.leaderEpoch()).setPartitionEpoch(r.partitionEpoch()).addAllIsr(r.isr()).build();
    }

    /** Moves leadership to {@code newLeader}, which must be in the ISR (no unclean election). */
    void elect(TopicPartition tp, int newLeader) {
        Registration r = partitions.get(tp);
        if (!r.isr().contains(newLeader)) {
            throw new IllegalArgumentException(newLeader + " is not in the isr of " + tp + ": " + r);
        }
        commit(tp, new Registration(newLeader, r.leaderEpoch() + 1, r.partitionEpoch() + 1, r.isr(), r.replicas()));
        elections++;
    }

    /**
     * The broker's session expired: it leaves every ISR it is not the last member of, and partitions it
     * led get a new leader from the remaining ISR.
     */
    void fence(int brokerId) {
        for (TopicPartition tp : new ArrayList<>(partitions.keySet())) {
            Registration r = partitions.get(tp);
            if (!r.isr().contains(brokerId) || r.isr().size() == 1) {
                continue;
            }
            List<Integer> isr = new ArrayList<>(r.isr());
            isr.remove(Integer.valueOf(brokerId));
            if (r.leader() == brokerId) {
                elections++;
                commit(tp, new Registration(isr.get(0), r.leaderEpoch() + 1, r.partitionEpoch() + 1, isr, r.replicas()));
            } else {
                commit(tp, new Registration(r.leader(), r.leaderEpoch(), r.partitionEpoch() + 1, isr, r.replicas()));
            }
        }
    }

    private void commit(TopicPartition tp, Registration r) {
        partitions.put(tp, r);
        publish.accept(tp, r);
    }
}

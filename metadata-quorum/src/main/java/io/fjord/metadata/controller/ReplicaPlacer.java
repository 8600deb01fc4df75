package io.fjord.metadata.controller;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rack-aware replica assignment, Kafka's classic algorithm ({@code AdminUtils.assignReplicasToBrokers}):
 * brokers are listed alternating between racks; partition p's first replica (its preferred leader) is
 * broker {@code (p + startIndex) mod n} of that list, so leaders go round-robin over brokers; the
 * other replicas follow at a shift that grows every n partitions, so follower pairs spread too, and
 * each replica goes to a rack not yet used by the partition while one remains.
 *
 * <p>Pure: the start index and shift are inputs (the caller draws them from its injected Random).
 */
public final class ReplicaPlacer {
    private ReplicaPlacer() {}

    /** A broker that can take replicas; an empty rack is a rack of its own name (""). */
    public record Broker(int id, String rack) {}

    /**
     * @param startPartition index of the first partition to place (non-zero when adding partitions)
     * @param startIndex where in the rack-alternating broker list the leaders start, 0..n-1
     * @param replicaShift initial shift of the followers relative to the leader, 0..n-1
     * @return replica lists, one per new partition, leader first
     * @throws IllegalArgumentException if the replication factor exceeds the number of brokers
     */
    public static List<List<Integer>> place(int numPartitions, int replicationFactor, List<Broker> brokers,
                                            int startPartition, int startIndex, int replicaShift) {
        if (replicationFactor <= 0) {
            throw new IllegalArgumentException("replication factor must be larger than 0");
        }
        if (replicationFactor > brokers.size()) {
            throw new IllegalArgumentException("replication factor " + replicationFactor
                    + " is larger than the number of available brokers, " + brokers.size());
        }
        Map<Integer, String> rackOf = new LinkedHashMap<>();
        for (Broker b : brokers) {
            rackOf.put(b.id(), b.rack() == null ? "" : b.rack());
        }
        List<Integer> arranged = rackAlternated(rackOf);
        int n = arranged.size();
        int numRacks = new HashSet<>(rackOf.values()).size();
        int shift = Math.floorMod(replicaShift, n);
        int start = Math.floorMod(startIndex, n);
        int partitionId = Math.max(0, startPartition);
        List<List<Integer>> out = new ArrayList<>(numPartitions);
        for (int i = 0; i < numPartitions; i++) {
            if (partitionId > 0 && partitionId % n == 0) {
                shift++;
            }
            int first = (partitionId + start) % n;
            int leader = arranged.get(first);
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            replicas.add(leader);
            Set<String> racksUsed = new HashSet<>();
            racksUsed.add(rackOf.get(leader));
            Set<Integer> brokersUsed = new HashSet<>();
            brokersUsed.add(leader);
            int k = 0;
            while (replicas.size() < replicationFactor) {
                int broker = arranged.get(replicaIndex(first, shift * numRacks, k, n));
                String rack = rackOf.get(broker);
                boolean rackOk = !racksUsed.contains(rack) || racksUsed.size() == numRacks;
                boolean brokerOk = !brokersUsed.contains(broker) || brokersUsed.size() == n;
                if (rackOk && brokerOk) {
                    replicas.add(broker);
                    racksUsed.add(rack);
                    brokersUsed.add(broker);
                }
                k++;
            }
            out.add(Collections.unmodifiableList(replicas));
            partitionId++;
        }
        return out;
    }

    private static int replicaIndex(int firstReplicaIndex, int secondReplicaShift, int replicaIndex, int n) {
        if (n == 1) {
            return 0;
        }
        int shift = 1 + Math.floorMod(secondReplicaShift + replicaIndex, n - 1);
        return (firstReplicaIndex + shift) % n;
    }

    /** Brokers sorted by id within each rack, taken one rack at a time in rack-name order. */
    static List<Integer> rackAlternated(Map<Integer, String> rackOf) {
        Map<String, List<Integer>> byRack = new TreeMap<>();
        rackOf.forEach((id, rack) -> byRack.computeIfAbsent(rack, r -> new ArrayList<>()).add(id));
        List<Iterator<Integer>> iterators = new ArrayList<>();
        for (List<Integer> ids : byRack.values()) {
            Collections.sort(ids);
            iterators.add(ids.iterator());
        }
        List<Integer> out = new ArrayList<>(rackOf.size());
        int rackIndex = 0;
        while (out.size() < rackOf.size()) {
            Iterator<Integer> it = iterators.get(rackIndex);
            if (it.hasNext()) {
                out.add(it.next());
            }
            rackIndex = (rackIndex + 1) % iterators.size();
        }
        return out;
    }
}

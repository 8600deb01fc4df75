package io.fjord.metadata.controller;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ReplicaPlacerTest {

    private static List<ReplicaPlacer.Broker> brokers(String... racks) {
        List<ReplicaPlacer.Broker> out = new ArrayList<>();
        for (int i = 0; i < racks.length; i++) {
            out.add(new ReplicaPlacer.Broker(i + 1, racks[i]));
        }
        return out;
    }

    private static Map<Integer, Integer> count(List<List<Integer>> assignment, boolean leadersOnly) {
        Map<Integer, Integer> c = new HashMap<>();
        for (List<Integer> replicas : assignment) {
            for (int r : leadersOnly ? replicas.subList(0, 1) : replicas) {
                c.merge(r, 1, Integer::sum);
            }
        }
        return c;
    }

    @Test
    void leadersAndReplicasAreEvenWithoutRacks() {
        for (int start = 0; start < 4; start++) {
            List<List<Integer>> a = ReplicaPlacer.place(12, 3, brokers("", "", "", ""), 0, start, start);
            assertEquals(Map.of(1, 3, 2, 3, 3, 3, 4, 3), count(a, true), "leaders, start " + start);
            assertEquals(Map.of(1, 9, 2, 9, 3, 9, 4, 9), count(a, false), "replicas, start " + start);
            for (List<Integer> replicas : a) {
                assertEquals(3, new HashSet<>(replicas).size(), "no broker twice in " + replicas);
            }
        }
    }

    @Test
    void replicasOfAPartitionSpreadOverRacks() {
        List<ReplicaPlacer.Broker> b = brokers("r1", "r1", "r2", "r2", "r3", "r3");
        Map<Integer, String> rackOf = new HashMap<>();
        b.forEach(x -> rackOf.put(x.id(), x.rack()));
        List<List<Integer>> a = ReplicaPlacer.place(6, 3, b, 0, 1, 2);
        for (List<Integer> replicas : a) {
            Set<String> racks = new HashSet<>();
            replicas.forEach(r -> racks.add(rackOf.get(r)));
            assertEquals(3, racks.size(), "replicas " + replicas + " should use three racks");
        }
        assertEquals(Map.of(1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1), count(a, true));
        assertEquals(Map.of(1, 3, 2, 3, 3, 3, 4, 3, 5, 3, 6, 3), count(a, false));
    }

    @Test
    void moreReplicasThanRacksStillUsesEveryRackOnce() {
        List<ReplicaPlacer.Broker> b = brokers("r1", "r1", "r2", "r2");
        for (List<Integer> replicas : ReplicaPlacer.place(8, 3, b, 0, 0, 0)) {
            assertEquals(3, new HashSet<>(replicas).size());
            long r1 = replicas.stream().filter(r -> r <= 2).count();
            assertTrue(r1 == 1 || r1 == 2, "both racks used: " + replicas);
        }
    }

    @Test
    void addingPartitionsContinuesTheRotation() {
        List<List<Integer>> all = ReplicaPlacer.place(6, 2, brokers("", "", ""), 0, 0, 0);
        List<List<Integer>> tail = ReplicaPlacer.place(3, 2, brokers("", "", ""), 3, 0, 0);
        assertEquals(all.subList(3, 6), tail);
    }

    @Test
    void replicationFactorAboveBrokerCountIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaPlacer.place(1, 3, brokers("", ""), 0, 0, 0));
        assertTrue(e.getMessage().contains("larger than the number of available brokers, 2"), e.getMessage());
    }
}

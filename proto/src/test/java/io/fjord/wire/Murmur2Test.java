package io.fjord.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class Murmur2Test {
    private static final int[] PARTITION_COUNTS = {1, 2, 3, 5, 6, 7, 10, 12, 16, 31, 64, 100, 257, 1000, 4096,
        Integer.MAX_VALUE};

    @Test
    void knownVectors() {
        // the vectors of Kafka's own UtilsTest.testMurmur2
        assertEquals(-973932308, Murmur2.hash(TestBatches.utf8("21")));
        assertEquals(-790332482, Murmur2.hash(TestBatches.utf8("foobar")));
        assertEquals(-985981536, Murmur2.hash(TestBatches.utf8("a-little-bit-long-string")));
        assertEquals(-1486304829, Murmur2.hash(TestBatches.utf8("a-little-bit-longer-string")));
        assertEquals(-58897971, Murmur2.hash(TestBatches.utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")));
        assertEquals(479470107, Murmur2.hash(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void toPositiveClearsTheSignBit() {
        assertEquals(0, Murmur2.toPositive(0));
        assertEquals(0, Murmur2.toPositive(Integer.MIN_VALUE));
        assertEquals(Integer.MAX_VALUE, Murmur2.toPositive(-1));
        assertEquals(Integer.MAX_VALUE, Murmur2.toPositive(Integer.MAX_VALUE));
        assertEquals(5, Murmur2.toPositive(5));
    }

    @Test
    void hashAndPartitionMatchKafkaForRandomKeys() {
        Random rnd = new Random(7);
        for (int i = 0; i < 5000; i++) {
            // every length mod 4 and a few longer keys, to cover the tail switch
            byte[] key = new byte[i < 4000 ? rnd.nextInt(40) : rnd.nextInt(2000)];
            rnd.nextBytes(key);
            int hash = Murmur2.hash(key);
            assertEquals(Utils.murmur2(key), hash, "murmur2 of " + key.length + " bytes");
            assertEquals(Utils.toPositive(hash), Murmur2.toPositive(hash));
            for (int n : PARTITION_COUNTS) {
                int p = Murmur2.partition(key, n);
                assertEquals(Utils.toPositive(Utils.murmur2(key)) % n, p);
                assertEquals(BuiltInPartitioner.partitionForKey(key, n), p);
                assertTrue(p >= 0 && p < n);
            }
        }
    }

    @Test
    void emptyKeyHasAPartitionButNullKeyAndNoPartitionsAreRejected() {
        assertEquals(BuiltInPartitioner.partitionForKey(new byte[0], 12), Murmur2.partition(new byte[0], 12));
        assertThrows(NullPointerException.class, () -> Murmur2.partition(null, 3));
        assertThrows(IllegalArgumentException.class, () -> Murmur2.partition(new byte[1], 0));
        assertThrows(IllegalArgumentException.class, () -> Murmur2.partition(new byte[1], -4));
    }
}

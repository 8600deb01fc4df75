package io.fjord.wire;

import java.util.Objects;

/**
 * Kafka's murmur2 hash and key partitioner, bit for bit, so a key maps to the same partition from
 * a Fjord producer as from a Kafka one (Kafka {@code Utils.murmur2}, {@code BuiltInPartitioner.partitionForKey}).
 */
public final class Murmur2 {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur2() {}

    public static int hash(byte[] data) {
        int length = data.length;
        int h = SEED ^ length;
        int length4 = length >>> 2;
        for (int i = 0; i < length4; i++) {
            int i4 = i << 2;
            int k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8)
                    | ((data[i4 + 2] & 0xff) << 16) | ((data[i4 + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = length & ~3;
        switch (length & 3) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through: murmur2 mixes the remaining bytes cumulatively
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /** Clears the sign bit rather than taking abs(), which stays negative for Integer.MIN_VALUE. */
    public static int toPositive(int n) {
        return n & 0x7fffffff;
    }

    /** The partition Kafka's default partitioner picks for a non-null serialized key. */
    public static int partition(byte[] keyBytes, int numPartitions) {
        Objects.requireNonNull(keyBytes, "keyBytes: null keys have no hash partition");
        if (numPartitions <= 0) {
            throw new IllegalArgumentException("numPartitions must be positive, got " + numPartitions);
        }
        return toPositive(hash(keyBytes)) % numPartitions;
    }
}

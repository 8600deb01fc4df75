package io.fjord.replication;

import io.fjord.wire.CompressionType;
import io.fjord.wire.RecordBatchBuilder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Small real v2 batches for tests. */
public final class TestBatches {
    private TestBatches() {}

    /** One batch holding one record per value; offsets from 0 and no epoch (a leader stamps both). */
    public static ByteBuffer of(String... values) {
        return at(0, -1, values);
    }

    /** One batch at {@code baseOffset} written in {@code epoch}, as a follower receives it. */
    public static ByteBuffer at(long baseOffset, int epoch, String... values) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, 64)
                .baseOffset(baseOffset).partitionLeaderEpoch(epoch);
        for (String v : values) {
            b.append(1_000L, null, v.getBytes(StandardCharsets.UTF_8), null);
        }
        return b.build();
    }

    /** {@code count} single-record batches. */
    public static ByteBuffer records(int count, String prefix) {
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            values[i] = prefix + i;
        }
        return of(values);
    }
}

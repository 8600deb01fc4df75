package io.fjord.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.junit.jupiter.api.Test;

class VarintTest {
    private static final int[] INT_EDGES = {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 63, 64, -64, -65,
        8191, 8192, -8192, -8193, 127, 128, 1 << 20, -(1 << 20), (1 << 27) - 1, 1 << 27, -(1 << 27) - 1};
    private static final long[] LONG_EDGES = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, 63, 64, -64, -65, 8191, 8192,
        Integer.MIN_VALUE, Integer.MAX_VALUE, 1L << 62, -(1L << 62), (1L << 62) - 1, -(1L << 62) - 1};

    @Test
    void knownEncodings() {
        assertArrayEquals(new byte[] {0x00}, varint(0));
        assertArrayEquals(new byte[] {0x01}, varint(-1));
        assertArrayEquals(new byte[] {0x02}, varint(1));
        assertArrayEquals(new byte[] {0x7e}, varint(63));
        assertArrayEquals(new byte[] {0x7f}, varint(-64));
        assertArrayEquals(new byte[] {(byte) 0x80, 0x01}, varint(64));
        assertArrayEquals(new byte[] {(byte) 0x81, 0x01}, varint(-65));
        assertArrayEquals(new byte[] {(byte) 0xfe, 0x7f}, varint(8191));
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0x80, 0x01}, varint(8192));
        assertArrayEquals(new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, varint(Integer.MAX_VALUE));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, varint(Integer.MIN_VALUE));
        assertEquals(10, Varint.sizeOfVarlong(Long.MIN_VALUE));
        assertEquals(10, Varint.sizeOfVarlong(Long.MAX_VALUE));
        assertEquals(1, Varint.sizeOfVarlong(-64));
        assertEquals(2, Varint.sizeOfVarlong(-65));
    }

    @Test
    void intEdgesRoundTripWithExactSizeAndKafkaBytes() {
        for (int v : INT_EDGES) {
            checkInt(v);
        }
    }

    @Test
    void longEdgesRoundTripWithExactSizeAndKafkaBytes() {
        for (long v : LONG_EDGES) {
            checkLong(v);
        }
    }

    @Test
    void randomValuesMatchKafkaByteUtils() {
        Random rnd = new Random(42);
        for (int i = 0; i < 5000; i++) {
            // shifting by a random amount spreads values over every encoded length
            checkInt(rnd.nextInt() >> rnd.nextInt(32));
            checkLong(rnd.nextLong() >> rnd.nextInt(64));
            int u = rnd.nextInt() >>> rnd.nextInt(32);
            ByteBuffer ours = ByteBuffer.allocate(5);
            ByteBuffer theirs = ByteBuffer.allocate(5);
            Varint.writeUnsignedVarint(u, ours);
            ByteUtils.writeUnsignedVarint(u, theirs);
            assertArrayEquals(theirs.array(), ours.array(), "unsigned " + u);
            assertEquals(ByteUtils.sizeOfUnsignedVarint(u), Varint.sizeOfUnsignedVarint(u));
            assertEquals(u, Varint.readUnsignedVarint(theirs.flip()));
            long ul = rnd.nextLong() >>> rnd.nextInt(64);
            assertEquals(ByteUtils.sizeOfUnsignedVarlong(ul), Varint.sizeOfUnsignedVarlong(ul));
        }
    }

    @Test
    void readStopsAtTheEncodedLengthAndLeavesTheRest() {
        ByteBuffer b = ByteBuffer.allocate(32);
        Varint.writeVarint(-65, b);
        Varint.writeVarlong(Long.MIN_VALUE, b);
        Varint.writeVarint(7, b);
        b.flip();
        assertEquals(-65, Varint.readVarint(b));
        assertEquals(Long.MIN_VALUE, Varint.readVarlong(b));
        assertEquals(7, Varint.readVarint(b));
        assertFalse(b.hasRemaining());
    }

    @Test
    void malformedVarintsThrowCorruptRecordException() {
        assertCorruptInt();                                              // empty
        assertCorruptInt(0x80);                                          // cut off
        assertCorruptInt(0xff, 0xff, 0xff);                              // cut off after 3
        assertCorruptInt(0xff, 0xff, 0xff, 0xff, 0xff, 0x01);            // six bytes
        assertCorruptInt(0xff, 0xff, 0xff, 0xff, 0x1f);                  // 33 bits
        assertCorruptInt(0x80, 0x80, 0x80, 0x80, 0x10);                  // bit 32 alone
        assertCorruptLong();
        assertCorruptLong(0x80, 0x80);
        assertCorruptLong(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01); // eleven bytes
        assertCorruptLong(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);       // 65 bits
        // the widest legal encodings still read
        assertEquals(Integer.MIN_VALUE, Varint.readVarint(buf(0xff, 0xff, 0xff, 0xff, 0x0f)));
        assertEquals(Long.MIN_VALUE, Varint.readVarlong(buf(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)));
    }

    @Test
    void readRespectsTheLimitNotTheCapacity() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {(byte) 0x80, 0x01});
        b.limit(1);
        assertThrows(CorruptRecordException.class, () -> Varint.readVarint(b));
    }

    private static void checkInt(int v) {
        ByteBuffer ours = ByteBuffer.allocate(8);
        Varint.writeVarint(v, ours);
        assertEquals(Varint.sizeOfVarint(v), ours.position(), "sizeOfVarint(" + v + ")");
        assertEquals(ByteUtils.sizeOfVarint(v), Varint.sizeOfVarint(v), "Kafka size of " + v);
        ByteBuffer theirs = ByteBuffer.allocate(8);
        ByteUtils.writeVarint(v, theirs);
        assertArrayEquals(theirs.array(), ours.array(), "bytes of " + v);
        assertEquals(v, Varint.readVarint(ours.flip()));
        assertFalse(ours.hasRemaining());
        assertEquals(v, Varint.readVarint(theirs.flip()));
        assertEquals(v, ByteUtils.readVarint(ours.rewind()));
    }

    private static void checkLong(long v) {
        ByteBuffer ours = ByteBuffer.allocate(12);
        Varint.writeVarlong(v, ours);
        assertEquals(Varint.sizeOfVarlong(v), ours.position(), "sizeOfVarlong(" + v + ")");
        assertEquals(ByteUtils.sizeOfVarlong(v), Varint.sizeOfVarlong(v), "Kafka size of " + v);
        ByteBuffer theirs = ByteBuffer.allocate(12);
        ByteUtils.writeVarlong(v, theirs);
        assertArrayEquals(theirs.array(), ours.array(), "bytes of " + v);
        assertEquals(v, Varint.readVarlong(ours.flip()));
        assertFalse(ours.hasRemaining());
        assertEquals(v, Varint.readVarlong(theirs.flip()));
    }

    private static byte[] varint(int v) {
        ByteBuffer b = ByteBuffer.allocate(5);
        Varint.writeVarint(v, b);
        return TestBatches.bytes(b.flip());
    }

    private static ByteBuffer buf(int... bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes.length);
        for (int x : bytes) {
            b.put((byte) x);
        }
        return b.flip();
    }

    private static void assertCorruptInt(int... bytes) {
        assertThrows(CorruptRecordException.class, () -> Varint.readVarint(buf(bytes)));
    }

    private static void assertCorruptLong(int... bytes) {
        assertThrows(CorruptRecordException.class, () -> Varint.readVarlong(buf(bytes)));
    }
}

package io.fjord.wire;

import java.nio.ByteBuffer;

/**
 * Kafka's variable-length integers (the protobuf encoding): 7 bits per byte, least significant
 * group first, high bit set on every byte but the last. Signed variants zig-zag first so small
 * negative numbers stay short: {@code (n << 1) ^ (n >> 31)}.
 *
 * <p>Writers produce exactly Kafka's bytes ({@code ByteUtils}). Readers are stricter than Kafka's:
 * a varint longer than 5 bytes (10 for varlong), one whose last byte carries bits beyond the
 * type's width, or one cut off by the buffer's limit throws {@link CorruptRecordException}.
 * Reads and writes use and advance the buffer's position.
 */
public final class Varint {
    private Varint() {}

    public static void writeUnsignedVarint(int value, ByteBuffer buf) {
        while ((value & ~0x7f) != 0) {
            buf.put((byte) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        buf.put((byte) value);
    }

    public static void writeVarint(int value, ByteBuffer buf) {
        writeUnsignedVarint((value << 1) ^ (value >> 31), buf);
    }

    public static void writeUnsignedVarlong(long value, ByteBuffer buf) {
        while ((value & ~0x7fL) != 0) {
            buf.put((byte) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        buf.put((byte) value);
    }

    public static void writeVarlong(long value, ByteBuffer buf) {
        writeUnsignedVarlong((value << 1) ^ (value >> 63), buf);
    }

    public static int readUnsignedVarint(ByteBuffer buf) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!buf.hasRemaining()) {
                throw new CorruptRecordException("varint cut off after " + shift / 7 + " bytes");
            }
            int b = buf.get() & 0xff;
            if (shift == 28 && b > 0x0f) {
                // the fifth byte holds only the top 4 bits; more would be a value wider than 32 bits
                throw new CorruptRecordException("varint does not fit in 32 bits (fifth byte 0x"
                        + Integer.toHexString(b) + ")");
            }
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new AssertionError("unreachable: the fifth byte has no continuation bit");
    }

    public static int readVarint(ByteBuffer buf) {
        int raw = readUnsignedVarint(buf);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static long readUnsignedVarlong(ByteBuffer buf) {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (!buf.hasRemaining()) {
                throw new CorruptRecordException("varlong cut off after " + shift / 7 + " bytes");
            }
            int b = buf.get() & 0xff;
            if (shift == 63 && b > 0x01) {
                throw new CorruptRecordException("varlong does not fit in 64 bits (tenth byte 0x"
                        + Integer.toHexString(b) + ")");
            }
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new AssertionError("unreachable: the tenth byte has no continuation bit");
    }

    public static long readVarlong(ByteBuffer buf) {
        long raw = readUnsignedVarlong(buf);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static int sizeOfUnsignedVarint(int value) {
        int bits = 32 - Integer.numberOfLeadingZeros(value);
        return bits == 0 ? 1 : (bits + 6) / 7;
    }

    public static int sizeOfVarint(int value) {
        return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
    }

    public static int sizeOfUnsignedVarlong(long value) {
        int bits = 64 - Long.numberOfLeadingZeros(value);
        return bits == 0 ? 1 : (bits + 6) / 7;
    }

    public static int sizeOfVarlong(long value) {
        return sizeOfUnsignedVarlong((value << 1) ^ (value >> 63));
    }
}

package io.fjord.wire;

import java.nio.ByteBuffer;

/**
 * UTF-8 length and encoding straight into a ByteBuffer, so the builder can write header keys
 * without a byte[] per header. Produces the same bytes as {@code String.getBytes(UTF_8)},
 * including its '?' for an unpaired surrogate, so sizes computed here match what Kafka writes.
 */
final class Utf8 {
    private Utf8() {}

    static int length(String s) {
        int n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    static void write(String s, ByteBuffer buf) {
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf.put((byte) c);
            } else if (c < 0x800) {
                buf.put((byte) (0xc0 | (c >> 6)));
                buf.put((byte) (0x80 | (c & 0x3f)));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf.put((byte) (0xf0 | (cp >> 18)));
                buf.put((byte) (0x80 | ((cp >> 12) & 0x3f)));
                buf.put((byte) (0x80 | ((cp >> 6) & 0x3f)));
                buf.put((byte) (0x80 | (cp & 0x3f)));
            } else if (Character.isSurrogate(c)) {
                buf.put((byte) '?');
            } else {
                buf.put((byte) (0xe0 | (c >> 12)));
                buf.put((byte) (0x80 | ((c >> 6) & 0x3f)));
                buf.put((byte) (0x80 | (c & 0x3f)));
            }
        }
    }
}

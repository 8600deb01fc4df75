package io.fjord.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record header: a UTF-8 key (never null, as in Kafka) and a value that may be null.
 * Equality compares value contents, so decoded headers can be compared with the ones appended.
 */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key must not be null");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + ", " + (value == null ? "null" : value.length + " bytes") + ")";
    }
}

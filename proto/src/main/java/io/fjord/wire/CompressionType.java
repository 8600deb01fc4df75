package io.fjord.wire;

/**
 * Compression codec of a record batch, stored in the low three bits of the batch attributes with
 * Kafka's ids. Snappy (2), lz4 (3) and zstd (4) are Kafka ids we do not yet support; a batch
 * carrying one is passed through by the broker but cannot be decoded here.
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip");

    public final int id;
    public final String name;

    CompressionType(int id, String name) {
        this.id = id;
        this.name = name;
    }

    /** The type with Kafka's attribute id {@code id}; IllegalArgumentException when unsupported. */
    public static CompressionType forId(int id) {
        switch (id) {
            case 0: return NONE;
            case 1: return GZIP;
            default: throw new IllegalArgumentException("unsupported compression type id " + id
                    + "; supported ids: 0 (none), 1 (gzip)");
        }
    }

    /** The type with Kafka's config name {@code name} (exact, lower case, as Kafka's compression.type). */
    public static CompressionType forName(String name) {
        for (CompressionType t : values()) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported compression type '" + name + "'; supported: none, gzip");
    }

    @Override
    public String toString() {
        return name;
    }
}

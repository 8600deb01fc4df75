package io.fjord.wire;

/**
 * Compression codec of a record batch, stored in the low three bits of the batch attributes with
 * Kafka's ids, each framed exactly as Kafka frames it (see Gzip, SnappyCodec, Lz4Codec, ZstdCodec).
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

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
            case 2: return SNAPPY;
            case 3: return LZ4;
            case 4: return ZSTD;
            default: throw new IllegalArgumentException("unsupported compression type id " + id
                    + "; supported ids: 0 (none), 1 (gzip), 2 (snappy), 3 (lz4), 4 (zstd)");
        }
    }

    /** The type with Kafka's config name {@code name} (exact, lower case, as Kafka's compression.type). */
    public static CompressionType forName(String name) {
        for (CompressionType t : values()) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported compression type '" + name + "'; supported: none, gzip, snappy, lz4, zstd");
    }

    @Override
    public String toString() {
        return name;
    }
}

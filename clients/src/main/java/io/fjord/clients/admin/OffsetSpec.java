package io.fjord.clients.admin;

/** Which offset {@link FjordAdmin#listOffsets} looks up for a partition, as Kafka's OffsetSpec. */
public final class OffsetSpec {
    private static final OffsetSpec EARLIEST = new OffsetSpec(-2L);
    private static final OffsetSpec LATEST = new OffsetSpec(-1L);

    /** The wire form: -2 earliest, -1 latest, otherwise a timestamp in ms. */
    private final long timestamp;

    private OffsetSpec(long timestamp) {
        this.timestamp = timestamp;
    }

    /** The log start offset. */
    public static OffsetSpec earliest() {
        return EARLIEST;
    }

    /** The end offset: the offset the next record will get. */
    public static OffsetSpec latest() {
        return LATEST;
    }

    /** The first offset whose record timestamp is at or after {@code timestamp} (ms since the epoch). */
    public static OffsetSpec forTimestamp(long timestamp) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("The timestamp to search for cannot be negative: " + timestamp);
        }
        return new OffsetSpec(timestamp);
    }

    long timestamp() {
        return timestamp;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OffsetSpec other && other.timestamp == timestamp;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(timestamp);
    }

    @Override
    public String toString() {
        return timestamp == -2L ? "earliest" : timestamp == -1L ? "latest" : "forTimestamp(" + timestamp + ")";
    }
}

package io.fjord.replication;

/**
 * Kafka's OffsetsForLeaderEpoch answer: for a requested epoch, the largest epoch in the log not above
 * it and the offset where that epoch ends (the start of the next higher epoch, or the log end offset
 * for the latest epoch). {@link #UNDEFINED} (-1, -1) when the log knows no such epoch.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);

    public boolean isUndefined() { return epoch < 0 || endOffset < 0; }

    public io.fjord.proto.EpochEndOffset toProto() {
        return io.fjord.proto.EpochEndOffset.newBuilder().setEpoch(epoch).setEndOffset(endOffset).build();
    }

    public static EpochEndOffset fromProto(io.fjord.proto.EpochEndOffset p) {
        return new EpochEndOffset(p.getEpoch(), p.getEndOffset());
    }
}

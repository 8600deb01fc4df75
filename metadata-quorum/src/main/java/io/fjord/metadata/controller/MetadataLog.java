package io.fjord.metadata.controller;

import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.metadata.MetadataRecord;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The replicated metadata log as the controller's command layer sees it. Ratis supplies the real one
 * ({@code io.fjord.metadata.raft.RaftMetadataLog}); tests supply an in-memory one.
 */
public interface MetadataLog {
    /** The image with every batch applied locally so far. */
    MetadataImage image();

    /** True when this node is the leader and may append. */
    boolean isActive();

    /** The current leader's term (changes on every election). */
    long leaderTerm();

    /**
     * Appends one batch as leader. Completes with the batch's metadata offset once it is committed and
     * applied to {@link #image()}, or exceptionally (for example {@link NotControllerException}) when
     * this node cannot append.
     */
    CompletableFuture<Long> append(List<MetadataRecord> records);
}

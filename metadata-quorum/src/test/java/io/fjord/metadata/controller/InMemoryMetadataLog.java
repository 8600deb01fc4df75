package io.fjord.metadata.controller;

import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.metadata.MetadataRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The metadata log's in-memory twin: appends apply at once, at the next offset, while "active". */
final class InMemoryMetadataLog implements MetadataLog {
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile boolean active = true;
    private volatile long term = 1;
    final List<List<MetadataRecord>> batches = new ArrayList<>();

    @Override public MetadataImage image() { return image; }
    @Override public boolean isActive() { return active; }
    @Override public long leaderTerm() { return term; }

    void setActive(boolean value) { active = value; }

    void newTerm() { term++; }

    @Override
    public synchronized CompletableFuture<Long> append(List<MetadataRecord> records) {
        if (!active) {
            return CompletableFuture.failedFuture(new NotControllerException("not leader"));
        }
        long offset = image.offset() + 1;
        MetadataDelta d = new MetadataDelta(image);
        for (MetadataRecord r : records) {
            d.replay(r, offset);
        }
        image = d.apply(offset);
        batches.add(List.copyOf(records));
        return CompletableFuture.completedFuture(offset);
    }
}

package io.fjord.metadata.raft;

import io.fjord.metadata.image.MetadataImage;

/**
 * What metadata followers are served from: the current image, the recent committed batches, and a
 * notification on each commit. {@link MetadataStateMachine} is the real one; tests use a twin.
 */
public interface CommittedMetadata {
    MetadataImage image();

    RecentBatches recent();

    void addListener(MetadataStateMachine.Listener listener);

    void removeListener(MetadataStateMachine.Listener listener);
}

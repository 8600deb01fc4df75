package io.fjord.metadata.broker;

import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;

/**
 * Receives the metadata a broker follows, one committed batch (or one snapshot reset) at a time, in log
 * order, always on the same thread. Use {@code delta.topicsDelta().localChanges(brokerId)} to learn
 * which partitions to lead, follow or delete. A slow listener slows the stream (flow control), never
 * grows a buffer.
 */
@FunctionalInterface
public interface MetadataListener {
    void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage);
}

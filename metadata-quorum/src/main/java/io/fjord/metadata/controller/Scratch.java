package io.fjord.metadata.controller;

import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.metadata.MetadataRecord;

import java.util.List;

/**
 * Commands that write several dependent records (fence a broker, then re-elect its partitions) compute
 * each step against the image as it will be once the earlier records apply. This replays them into a
 * throwaway delta, exactly as the log will.
 */
final class Scratch {
    private Scratch() {}

    static MetadataImage with(MetadataImage image, List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return image;
        }
        MetadataDelta delta = new MetadataDelta(image);
        for (MetadataRecord r : records) {
            delta.replay(r, image.offset());
        }
        return delta.apply(image.offset());
    }

    static MetadataImage with(MetadataImage image, MetadataRecord record) {
        return with(image, List.of(record));
    }
}

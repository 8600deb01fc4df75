package io.fjord.metadata.image;

import io.fjord.proto.metadata.MetadataRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.fjord.metadata.image.Records.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * As Kafka's TopicsImageTest: an image written as records and replayed from empty gives the same
 * image, and so does replaying any prefix, applying, then replaying the rest on the intermediate image.
 */
class ImageRoundTripTest {

    static MetadataImage richImage() {
        return Records.apply(MetadataImage.EMPTY,
                List.of(controller(1, "c1", 9093), controller(2, "c2", 9094)),
                List.of(register(1, "i1", "r1")), List.of(register(2, "i2", "r2")), List.of(register(3, "i3", "")),
                List.of(unfence(1, 4), unfence(2, 5), controlledShutdown(2, 5)),
                List.of(topic("a", "id-a"), config("a", "cleanup.policy", "compact"), config("a", "retention.ms", "5"),
                        partition("id-a", 0, List.of(1, 2, 3), List.of(1, 2, 3), 1),
                        partition("id-a", 1, List.of(2, 3, 1), List.of(2, 3), 2)),
                List.of(topic("b", "id-b"), partition("id-b", 0, List.of(3), List.of(3), -1)),
                List.of(leaderChange("id-a", 1, 3, 0), isrChange("id-a", 0, List.of(1), 0)),
                List.of(producerIds(1, 4, 3000)));
    }

    @Test
    void imageSurvivesRecordsRoundTripThroughEveryPrefix() {
        MetadataImage image = richImage();
        List<MetadataRecord> records = image.toRecords();
        assertEquals(image, MetadataImage.fromRecords(records, image.offset()));
        for (int split = 0; split <= records.size(); split++) {
            MetadataDelta first = new MetadataDelta(MetadataImage.EMPTY);
            for (MetadataRecord r : records.subList(0, split)) {
                first.replay(r, image.offset());
            }
            MetadataImage middle = first.apply(image.offset());
            MetadataDelta second = new MetadataDelta(middle);
            for (MetadataRecord r : records.subList(split, records.size())) {
                second.replay(r, image.offset());
            }
            assertEquals(image, second.apply(image.offset()), "split at " + split);
        }
    }

    @Test
    void replayingEachRecordAsItsOwnDeltaGivesTheSameImage() {
        MetadataImage image = richImage();
        MetadataImage current = MetadataImage.EMPTY;
        for (MetadataRecord r : image.toRecords()) {
            MetadataDelta d = new MetadataDelta(current);
            d.replay(r, image.offset());
            current = d.apply(image.offset());
        }
        assertEquals(image, current);
    }
}

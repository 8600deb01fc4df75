package io.fjord.metadata.image;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.fjord.metadata.image.Records.*;
import static org.junit.jupiter.api.Assertions.*;

class MetadataDeltaTest {

    private static MetadataImage twoBrokersOneTopic() {
        return Records.apply(MetadataImage.EMPTY,
                List.of(register(1, "inc-1", "a")),                       // offset 1 → epoch 1
                List.of(register(2, "inc-2", "b")),                       // offset 2 → epoch 2
                List.of(unfence(1, 1), unfence(2, 2)),
                List.of(topic("t", "id-t"), config("t", "retention.ms", "1000"),
                        partition("id-t", 0, List.of(1, 2), List.of(1, 2), 1),
                        partition("id-t", 1, List.of(2, 1), List.of(2, 1), 2)));
    }

    @Test
    void brokerRecordsApplyWithTheirEpochAndStaleOnesAreIgnored() {
        MetadataImage image = twoBrokersOneTopic();
        BrokerRegistration b1 = image.cluster().broker(1);
        assertEquals(1, b1.epoch(), "a command-written registration takes its record's offset as epoch");
        assertFalse(b1.fenced());
        assertEquals("a", b1.rack());

        MetadataImage next = Records.apply(image, List.of(fence(1, 99)));   // wrong epoch
        assertFalse(next.cluster().broker(1).fenced(), "a stale fence is ignored");
        next = Records.apply(next, List.of(fence(1, 1)));
        assertTrue(next.cluster().broker(1).fenced());
        next = Records.apply(next, List.of(controlledShutdown(2, 2)));
        assertTrue(next.cluster().broker(2).inControlledShutdown());
        assertFalse(next.cluster().isActive(2));
        next = Records.apply(next, List.of(unregister(2, 2)));
        assertNull(next.cluster().broker(2));
        next = Records.apply(next, List.of(register(1, "inc-1b", "a")));
        assertEquals(next.offset(), next.cluster().broker(1).epoch());
        assertTrue(next.cluster().broker(1).fenced(), "a new registration starts fenced");
        assertEquals("inc-1b", next.cluster().broker(1).incarnationId());
    }

    @Test
    void topicPartitionAndConfigRecords() {
        MetadataImage image = twoBrokersOneTopic();
        TopicImage t = image.topics().topic("t");
        assertSame(t, image.topics().topicById("id-t"));
        assertEquals(new PartitionRegistration(List.of(1, 2), List.of(1, 2), 1, 0, 0), t.partition(0));
        assertEquals(Map.of("retention.ms", "1000"), image.configs().topicConfig("t"));

        // Leader change bumps both epochs; an ISR-only change bumps only the partition epoch.
        MetadataImage next = Records.apply(image, List.of(leaderChange("id-t", 0, 2, 0)));
        assertEquals(new PartitionRegistration(List.of(1, 2), List.of(1, 2), 2, 1, 1), next.topics().topic("t").partition(0));
        next = Records.apply(next, List.of(isrChange("id-t", 0, List.of(2), 1)));
        assertEquals(new PartitionRegistration(List.of(1, 2), List.of(2), 2, 1, 2), next.topics().topic("t").partition(0));
        // A change guarded by an old partition epoch is ignored, as is one that would empty the ISR.
        next = Records.apply(next, List.of(isrChange("id-t", 0, List.of(1, 2), 1), isrChange("id-t", 0, List.of(), -1)));
        assertEquals(List.of(2), next.topics().topic("t").partition(0).isr());

        next = Records.apply(next, List.of(config("t", "retention.ms", null), config("t", "cleanup.policy", "compact")));
        assertEquals(Map.of("cleanup.policy", "compact"), next.configs().topicConfig("t"));
        next = Records.apply(next, List.of(removeTopic("id-t")));
        assertNull(next.topics().topic("t"));
        assertTrue(next.configs().topicConfig("t").isEmpty(), "deleting a topic drops its configs");
        assertSame(next.cluster(), Records.apply(next, List.of(config("gone", "retention.ms", "1"))).cluster(),
                "untouched parts of the image are shared");
    }

    @Test
    void producerIdsAndControllers() {
        MetadataImage image = Records.apply(MetadataImage.EMPTY,
                List.of(producerIds(1, 1, 1000)), List.of(producerIds(1, 1, 500)), List.of(controller(3, "h", 7)));
        assertEquals(1000, image.producerIds().nextProducerId(), "producer ids never go back");
        assertEquals(new ControllerRegistration(3, "h", 7), image.cluster().controllers().get(3));
    }

    @Test
    void secondCreateOfTheSameNameIsIgnoredAtReplayWithItsConfigsAndPartitions() {
        MetadataImage image = twoBrokersOneTopic();
        // Two creates of "u" computed concurrently against an image without it: the log keeps both.
        MetadataImage next = Records.apply(image,
                List.of(topic("u", "id-u1"), config("u", "retention.ms", "1"), partition("id-u1", 0, List.of(1), List.of(1), 1)),
                List.of(topic("u", "id-u2"), config("u", "retention.ms", "2"),
                        partition("id-u2", 0, List.of(2), List.of(2), 2), partition("id-u2", 1, List.of(2), List.of(2), 2)));
        TopicImage u = next.topics().topic("u");
        assertEquals("id-u1", u.id());
        assertEquals(1, u.partitions().size());
        assertNull(next.topics().topicById("id-u2"));
        assertEquals(Map.of("retention.ms", "1"), next.configs().topicConfig("u"));
        // A later config change (a different batch) still applies.
        next = Records.apply(next, List.of(config("u", "retention.ms", "3")));
        assertEquals("3", next.configs().topicConfig("u").get("retention.ms"));
    }

    @Test
    void localChangesSayWhatToLeadFollowAndDelete() {
        MetadataImage image = twoBrokersOneTopic();
        MetadataDelta delta = new MetadataDelta(image);
        delta.replay(leaderChange("id-t", 0, 2, 0), 10);
        delta.replay(topic("v", "id-v"), 10);
        delta.replay(partition("id-v", 0, List.of(1, 3), List.of(1, 3), 1), 10);
        delta.replay(partition("id-v", 1, List.of(3), List.of(3), 3), 10);
        LocalReplicaChanges c1 = delta.topicsDelta().localChanges(1);
        assertEquals(List.of(new TopicPartition("v", 0)), List.copyOf(c1.leaders().keySet()));
        assertEquals(List.of(new TopicPartition("t", 0)), List.copyOf(c1.followers().keySet()));
        assertEquals(2, c1.followers().get(new TopicPartition("t", 0)).registration().leader());
        assertEquals(1, c1.followers().get(new TopicPartition("t", 0)).registration().leaderEpoch());
        assertEquals("id-v", c1.leaders().get(new TopicPartition("v", 0)).topicId());
        assertTrue(c1.deletes().isEmpty());
        LocalReplicaChanges c2 = delta.topicsDelta().localChanges(2);
        assertEquals(List.of(new TopicPartition("t", 0)), List.copyOf(c2.leaders().keySet()));
        assertTrue(c2.followers().isEmpty(), "partition t-1 did not change");

        MetadataDelta del = new MetadataDelta(delta.apply());
        del.replay(removeTopic("id-t"), 11);
        LocalReplicaChanges d1 = del.topicsDelta().localChanges(1);
        assertEquals(List.of(new TopicPartition("t", 0), new TopicPartition("t", 1)), List.copyOf(d1.deletes().keySet()));
        assertTrue(del.topicsDelta().localChanges(3).isEmpty());
    }

    @Test
    void snapshotResetReportsWhatVanished() {
        MetadataImage image = twoBrokersOneTopic();
        MetadataImage target = Records.apply(MetadataImage.EMPTY, List.of(register(1, "inc-1", "a")),
                List.of(topic("t", "id-t"), partition("id-t", 0, List.of(1, 2), List.of(1), 1)));
        MetadataDelta delta = new MetadataDelta(image);
        delta.resetToEmpty();
        for (var r : target.toRecords()) {
            delta.replay(r, 50);
        }
        MetadataImage after = delta.apply(50);
        assertEquals(new MetadataImage(50, target.cluster(), target.topics(), target.configs(), target.producerIds()), after);
        LocalReplicaChanges c2 = delta.topicsDelta().localChanges(2);
        assertEquals(List.of(new TopicPartition("t", 1)), List.copyOf(c2.deletes().keySet()), "t-1 is gone in the snapshot");
        assertEquals(List.of(new TopicPartition("t", 0)), List.copyOf(c2.followers().keySet()));
    }
}

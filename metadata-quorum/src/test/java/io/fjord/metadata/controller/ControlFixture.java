package io.fjord.metadata.controller;

import io.fjord.metadata.common.MockTime;
import io.fjord.metadata.image.MetadataDelta;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import io.fjord.proto.metadata.MetadataRecord;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The command layer over an in-memory log: each command's records are replayed as one batch at the
 * next offset, exactly as the state machine does, with a MockTime clock.
 */
final class ControlFixture {
    static final long SESSION_MS = 6000;
    static final long GRACE_MS = 300;

    final MockTime time = new MockTime();
    final ControllerSettings settings = new ControllerSettings("c1", 1, 1, false, SESSION_MS, GRACE_MS);
    final BrokerHeartbeatManager heartbeats = new BrokerHeartbeatManager(SESSION_MS, GRACE_MS);
    final ReplicationControl replication = new ReplicationControl(false);
    final ClusterControl cluster = new ClusterControl(settings, replication, heartbeats);
    final TopicControl topics = new TopicControl(settings, replication, new Random(42));
    MetadataImage image = MetadataImage.EMPTY;

    /** Commits the result's records as one batch; returns its response. Also reports the batch offset. */
    <T> T commit(ControllerResult<T> result) {
        if (!result.records().isEmpty()) {
            long offset = image.offset() + 1;
            MetadataDelta d = new MetadataDelta(image);
            for (MetadataRecord r : result.records()) {
                d.replay(r, offset);
            }
            image = d.apply(offset);
        }
        return result.response();
    }

    RegisterBrokerResponse register(int id, String incarnation, String rack) {
        RegisterBrokerResponse r = commit(cluster.registerBroker(image, RegisterBrokerRequest.newBuilder().setBrokerId(id)
                .setIncarnationId(incarnation).setRack(rack).setClusterId("c1")
                .addEndpoints(NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(9000 + id)).build(), time.milliseconds()));
        return r.getErrorCode() == ErrorCode.NONE ? r.toBuilder().setBrokerEpoch(image.offset()).build() : r;
    }

    BrokerHeartbeatResponse heartbeat(int id, boolean wantShutdown) {
        long epoch = image.cluster().broker(id).epoch();
        return commit(cluster.brokerHeartbeat(image, BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)
                .setCurrentMetadataOffset(image.offset()).setWantShutdown(wantShutdown).build(), time.milliseconds()));
    }

    /** Registers and unfences brokers 1..n, broker i in rack racks[i-1]. */
    void liveBrokers(String... racks) {
        for (int i = 0; i < racks.length; i++) {
            assertEquals(ErrorCode.NONE, register(i + 1, "inc-" + (i + 1), racks[i]).getErrorCode());
            BrokerHeartbeatResponse hb = heartbeat(i + 1, false);
            assertEquals(false, hb.getIsFenced());
        }
    }

    String createTopic(String name, int partitions, int rf) {
        var resp = commit(topics.createTopics(image, CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(rf)).build()));
        assertEquals(ErrorCode.NONE, resp.getTopics(0).getErrorCode(), resp.toString());
        return resp.getTopics(0).getTopicId();
    }

    PartitionRegistration partition(String topic, int p) {
        return image.topics().topic(topic).partition(p);
    }
}

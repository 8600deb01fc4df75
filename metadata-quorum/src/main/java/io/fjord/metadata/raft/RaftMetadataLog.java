package io.fjord.metadata.raft;

import io.fjord.metadata.controller.MetadataLog;
import io.fjord.metadata.controller.NotControllerException;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.metadata.MetadataBatch;
import io.fjord.proto.metadata.MetadataRecord;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One controller's Raft peer: the Ratis server (gRPC transport, storage under {@code metadata.log.dir},
 * snapshots every N entries, log purged up to the snapshot) around a {@link MetadataStateMachine}, and
 * the {@link MetadataLog} the command layer appends through.
 *
 * <p>Threading: thread-safe.
 */
public final class RaftMetadataLog implements MetadataLog, AutoCloseable {
    /**
     * @param voters Raft addresses (host:port) by controller id, including this one
     * @param snapshotIntervalEntries take a snapshot every this many log entries (each one batch)
     * @param segmentSizeBytes Raft log segment size; purging works on whole segments
     * @param recentBatches committed batches kept in memory for FollowMetadata
     */
    public record Settings(String clusterId, int nodeId, Map<Integer, String> voters, Path storageDir,
                           long snapshotIntervalEntries, long segmentSizeBytes, int recentBatches) {}

    private final Settings settings;
    private final MetadataStateMachine stateMachine;
    private final RaftGroup group;
    private final RaftPeerId peerId;
    private final RaftServer server;
    private final RaftProperties properties;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    public RaftMetadataLog(Settings settings) throws IOException {
        this.settings = settings;
        this.stateMachine = new MetadataStateMachine(settings.recentBatches());
        List<RaftPeer> peers = new ArrayList<>();
        settings.voters().forEach((id, address) ->
                peers.add(RaftPeer.newBuilder().setId(String.valueOf(id)).setAddress(address).build()));
        this.group = RaftGroup.valueOf(groupId(settings.clusterId()), peers);
        this.peerId = RaftPeerId.valueOf(String.valueOf(settings.nodeId()));
        String self = settings.voters().get(settings.nodeId());
        if (self == null) {
            throw new IllegalArgumentException("node " + settings.nodeId() + " is not among the voters " + settings.voters());
        }
        RaftProperties props = properties(settings, Integer.parseInt(self.substring(self.lastIndexOf(':') + 1)));
        this.properties = props;
        this.server = RaftServer.newBuilder().setServerId(peerId).setGroup(group).setStateMachine(stateMachine)
                .setProperties(props).setOption(RaftStorage.StartupOption.RECOVER).build();
    }

    private static RaftProperties properties(Settings s, int port) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setPort(p, port);
        RaftServerConfigKeys.setStorageDir(p, List.of(s.storageDir().toFile()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotIntervalEntries());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.max(1, Math.min(1024, s.snapshotIntervalEntries())));
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, s.snapshotIntervalEntries())));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.segmentSizeBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(s.segmentSizeBytes(), 4L << 20)));
        return p;
    }

    /** The Raft group id: fixed per cluster id, so every controller of a cluster derives the same one. */
    static RaftGroupId groupId(String clusterId) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("fjord-metadata:" + clusterId).getBytes(StandardCharsets.UTF_8)));
    }

    public void start() throws IOException {
        server.start();
    }

    public MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    @Override
    public MetadataImage image() {
        return stateMachine.image();
    }

    private DivisionInfo info() {
        try {
            return server.getDivision(group.getGroupId()).getInfo();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public boolean isActive() {
        DivisionInfo i = info();
        return i != null && i.isLeader() && i.isLeaderReady();
    }

    @Override
    public long leaderTerm() {
        DivisionInfo i = info();
        return i == null ? -1 : i.getCurrentTerm();
    }

    /** The current leader's controller id, or -1 while unknown. */
    public int leaderId() {
        DivisionInfo i = info();
        RaftPeerId id = i == null ? null : i.getLeaderId();
        return id == null ? -1 : Integer.parseInt(id.toString());
    }

    /** The highest applied index of the local state machine (committed offset as this node knows it). */
    public long lastAppliedIndex() {
        DivisionInfo i = info();
        return i == null ? -1 : i.getLastAppliedIndex();
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public CompletableFuture<Long> append(List<MetadataRecord> records) {
        RaftClientRequest req = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(peerId)
                .setGroupId(group.getGroupId()).setCallId(callIds.incrementAndGet()).setMessage(message(records))
                .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(req).thenApply(RaftMetadataLog::offsetOrThrow);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new NotControllerException("cannot append: " + e.getMessage(), e));
        }
    }

    /**
     * Appends through whichever node leads, from any node, retrying while there is no leader. For
     * records that are correct regardless of state (a controller announcing its own endpoint).
     */
    public CompletableFuture<Long> appendViaLeader(List<MetadataRecord> records) {
        int leader = leaderId();
        if (leader < 0) {
            return CompletableFuture.failedFuture(new NotControllerException("no leader known"));
        }
        // A client aimed at the known leader, so Ratis does not first try (and log an ERROR for) a
        // follower; few retries with a sleep, as Ratis's default policy retries forever without one.
        RaftClient client = RaftClient.newBuilder().setProperties(properties).setRaftGroup(group).setClientId(ClientId.randomId())
                .setLeaderId(RaftPeerId.valueOf(String.valueOf(leader)))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
        return client.async().send(message(records)).thenApply(RaftMetadataLog::offsetOrThrow)
                .whenComplete((offset, err) -> closeQuietly(client));
    }

    private static void closeQuietly(RaftClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            // nothing was in flight any more
        }
    }

    private static Message message(List<MetadataRecord> records) {
        return Message.valueOf(ByteString.copyFrom(MetadataBatch.newBuilder().addAllRecords(records).build().toByteArray()));
    }

    private static long offsetOrThrow(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(new NotControllerException("metadata log rejected the write: " + reply.getException(),
                    reply.getException()));
        }
        return MetadataStateMachine.offsetOf(reply.getMessage());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

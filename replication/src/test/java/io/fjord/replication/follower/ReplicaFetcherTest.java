package io.fjord.replication.follower;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.FetchPartition;
import io.fjord.proto.FetchPartitionData;
import io.fjord.proto.FetchRequest;
import io.fjord.proto.FetchResponse;
import io.fjord.proto.FetchableTopicResponse;
import io.fjord.replication.ReplicationConfig;
import io.fjord.replication.TestBatches;
import io.fjord.replication.TestFetchHandler;
import io.fjord.replication.TopicPartition;
import io.fjord.replication.TruncationPoint;
import io.fjord.replication.follower.FetcherAction.Append;
import io.fjord.replication.follower.FetcherAction.AwaitMetadata;
import io.fjord.replication.follower.FetcherAction.Backoff;
import io.fjord.replication.follower.FetcherAction.Truncate;
import io.fjord.replication.follower.FetcherAction.TruncateFullyAndStartAt;
import io.fjord.replication.follower.FetcherAction.UpdateHighWatermark;
import io.fjord.replication.inmemory.InMemoryLeaderClient;
import io.fjord.replication.inmemory.InMemoryReplicaLog;
import io.fjord.replication.leader.PartitionLeaderState;
import io.fjord.replication.leader.PartitionRole;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The follower's fetcher against real leader state over in-memory logs: which actions, in which order. */
class ReplicaFetcherTest {
    static final TopicPartition TP = new TopicPartition("t", 0);
    static final TopicPartition TP1 = new TopicPartition("t", 1);
    static final ReplicationConfig CONFIG = ReplicationConfig.defaults();

    /** Broker 1: leads whatever it is given. */
    final Map<TopicPartition, PartitionRole> leaderRoles = new HashMap<>();
    final Map<TopicPartition, InMemoryReplicaLog> leaderLogs = new HashMap<>();
    /** Broker 2, the follower under test. */
    final InMemoryReplicaLog followerLog = new InMemoryReplicaLog();
    final ReplicaFetcher fetcher = new ReplicaFetcher(2, 77L, 1, CONFIG);
    long now = 1_000L;

    PartitionLeaderState lead(TopicPartition tp, int epoch) {
        InMemoryReplicaLog log = leaderLogs.computeIfAbsent(tp, k -> new InMemoryReplicaLog());
        PartitionLeaderState s = PartitionLeaderState.becomeLeader(tp, 1, epoch, 0, List.of(1, 2), List.of(1, 2), 1, log, CONFIG, now);
        leaderRoles.put(tp, new PartitionRole.Leader(s));
        return s;
    }

    FetchResponse answer(FetchRequest req) {
        return TestFetchHandler.handle(req, leaderRoles::get, now, (tp, o) -> {});
    }

    /** One full round: request, leader's answer, actions (applied). */
    List<FetcherAction> round() {
        FetchRequest req = fetcher.buildFetchRequest(now).orElseThrow();
        List<FetcherAction> actions = fetcher.handleFetchResponse(answer(req), now);
        actions.forEach(a -> a.applyTo(fetcher.log(a.partition()).orElseThrow()));
        return actions;
    }

    static List<Class<?>> kinds(List<FetcherAction> actions) {
        return actions.stream().<Class<?>>map(Object::getClass).toList();
    }

    @Test
    void theRequestCarriesPositionEpochsAndLimits() {
        followerLog.appendAsFollower(TestBatches.at(0, 2, "a", "b", "c"));
        fetcher.addPartition(TP, 5, followerLog);
        FetchRequest req = fetcher.buildFetchRequest(now).orElseThrow();
        assertEquals(2, req.getReplicaId());
        assertEquals(77L, req.getReplicaEpoch());
        assertEquals(500, req.getMaxWaitMs());
        assertEquals(1, req.getMinBytes());
        assertEquals(10_485_760, req.getMaxBytes());
        FetchPartition p = req.getTopics(0).getPartitions(0);
        assertEquals(3, p.getFetchOffset());
        assertEquals(2, p.getLastFetchedEpoch());
        assertEquals(5, p.getCurrentLeaderEpoch());
        assertEquals(1_048_576, p.getPartitionMaxBytes());
        assertEquals(Optional.empty(), fetcher.buildFetchRequest(now), "one request in flight");
        assertEquals(Long.MAX_VALUE, fetcher.pollDelayMs(now));
    }

    @Test
    void appendsVerbatimAndTakesTheHighWatermark() {
        PartitionLeaderState leader = lead(TP, 3);
        InMemoryReplicaLog leaderLog = leaderLogs.get(TP);
        leaderLog.appendAsLeader(TestBatches.of("a", "b"), 3);
        leaderLog.appendAsLeader(TestBatches.of("c"), 3);
        fetcher.addPartition(TP, 3, followerLog);

        assertEquals(List.of(Append.class, UpdateHighWatermark.class), kinds(round()));
        assertEquals(leaderLog.batches(), followerLog.batches(), "byte for byte, offsets and epochs included");
        assertEquals(0, followerLog.highWatermark(), "the leader's HW when it answered");
        assertEquals(0, leader.highWatermark(), "the fetch at 0 counted; the next one, at 3, moves the HW");

        assertEquals(List.of(UpdateHighWatermark.class), kinds(round()));
        assertEquals(3, leader.highWatermark());
        assertEquals(3, followerLog.highWatermark());
        assertEquals(0L, fetcher.pollDelayMs(now), "ready for the next long poll");
    }

    @Test
    void aDivergingEpochTruncatesTheTailThenFetchesTheLeadersData() {
        // Both got epoch 1 data; the follower then led epoch 2 and wrote a tail nobody copied.
        followerLog.appendAsFollower(TestBatches.at(0, 1, "a", "b"));
        followerLog.appendAsFollower(TestBatches.at(2, 2, "x", "y", "z"));
        InMemoryReplicaLog leaderLog = leaderLogs.computeIfAbsent(TP, k -> new InMemoryReplicaLog());
        leaderLog.appendAsFollower(TestBatches.at(0, 1, "a", "b"));
        lead(TP, 3);
        leaderLog.appendAsLeader(TestBatches.of("c"), 3);
        fetcher.addPartition(TP, 3, followerLog);

        List<FetcherAction> first = round();
        assertEquals(List.of(new Truncate(TP, new TruncationPoint(2, true))), first);
        assertEquals(2, followerLog.logEndOffset());
        assertEquals(1, followerLog.latestEpoch().getAsInt(), "epoch 2 left with its data");

        assertEquals(List.of(Append.class, UpdateHighWatermark.class), kinds(round()));
        assertEquals(leaderLog.batches(), followerLog.batches());
    }

    @Test
    void aStaleEpochEntryWithoutDataIsDroppedByTruncatingAtTheLogEnd() {
        // The follower became leader of epoch 2 but wrote nothing before losing leadership.
        followerLog.appendAsFollower(TestBatches.at(0, 1, "a"));
        followerLog.assignEpochStartOffset(2, 1);
        InMemoryReplicaLog leaderLog = leaderLogs.computeIfAbsent(TP, k -> new InMemoryReplicaLog());
        leaderLog.appendAsFollower(TestBatches.at(0, 1, "a"));
        lead(TP, 3);
        leaderLog.appendAsLeader(TestBatches.of("b"), 3);
        fetcher.addPartition(TP, 3, followerLog);

        assertEquals(List.of(new Truncate(TP, new TruncationPoint(1, true))), round());
        assertEquals(1, followerLog.latestEpoch().getAsInt());
        assertEquals(List.of(Append.class, UpdateHighWatermark.class), kinds(round()));
    }

    @Test
    void fencedOrNotLeaderWaitsForMetadata() {
        lead(TP, 6);
        fetcher.addPartition(TP, 5, followerLog);
        assertEquals(List.of(new AwaitMetadata(TP, ErrorCode.FENCED_LEADER_EPOCH)), round());
        assertInstanceOf(FollowerPartitionState.AwaitingMetadata.class, fetcher.state(TP).orElseThrow());
        assertEquals(Optional.empty(), fetcher.buildFetchRequest(now + 60_000));
        assertEquals(Long.MAX_VALUE, fetcher.pollDelayMs(now));

        fetcher.addPartition(TP, 6, followerLog);
        assertEquals(List.of(UpdateHighWatermark.class), kinds(round()));

        leaderRoles.put(TP, new PartitionRole.Follower(3, 6));
        assertEquals(List.of(new AwaitMetadata(TP, ErrorCode.NOT_LEADER_OR_FOLLOWER)), round());
        assertTrue(fetcher.addPartition(TP, 6, followerLog), "the same epoch again re-enables it");
        assertEquals(0L, fetcher.pollDelayMs(now));
    }

    @Test
    void retriableErrorsBackOffThatPartitionOnly() {
        lead(TP, 4);
        lead(TP1, 4);
        leaderLogs.get(TP1).appendAsLeader(TestBatches.of("a"), 4);
        fetcher.addPartition(TP, 5, followerLog);
        InMemoryReplicaLog other = new InMemoryReplicaLog();
        fetcher.addPartition(TP1, 4, other);

        FetchRequest req = fetcher.buildFetchRequest(now).orElseThrow();
        assertEquals(2, req.getTopics(0).getPartitionsCount(), "one request for both partitions");
        List<FetcherAction> actions = fetcher.handleFetchResponse(answer(req), now);
        assertTrue(actions.contains(new Backoff(TP, ErrorCode.UNKNOWN_LEADER_EPOCH, now + 1_000)), actions.toString());
        assertTrue(actions.stream().anyMatch(a -> a instanceof Append ap && ap.partition().equals(TP1)));
        actions.forEach(a -> a.applyTo(fetcher.log(a.partition()).orElseThrow()));

        FetchRequest next = fetcher.buildFetchRequest(now).orElseThrow();
        assertEquals(List.of(1), next.getTopics(0).getPartitionsList().stream().map(FetchPartition::getPartition).toList());
        fetcher.handleFetchResponse(answer(next), now);
        fetcher.removePartition(TP1);
        assertEquals(1_000L, fetcher.pollDelayMs(now), "only the backed-off partition is left, for replica.fetch.backoff.ms");
        now += 1_000;
        assertEquals(List.of(0), fetcher.buildFetchRequest(now).orElseThrow().getTopics(0).getPartitionsList().stream()
                .map(FetchPartition::getPartition).toList());
    }

    @Test
    void aFailedRequestBacksOffEverythingItCarried() {
        fetcher.addPartition(TP, 1, followerLog);
        fetcher.addPartition(TP1, 1, new InMemoryReplicaLog());
        fetcher.buildFetchRequest(now).orElseThrow();
        List<FetcherAction> actions = fetcher.handleFetchFailure(new IOException("connection reset"), now);
        assertEquals(List.of(new Backoff(TP, ErrorCode.NETWORK_EXCEPTION, now + 1_000),
                new Backoff(TP1, ErrorCode.NETWORK_EXCEPTION, now + 1_000)), actions);
        assertEquals(1_000L, fetcher.pollDelayMs(now));
    }

    @Test
    void aResponseOvertakenByAMetadataChangeIsIgnored() {
        lead(TP, 3);
        leaderLogs.get(TP).appendAsLeader(TestBatches.of("a"), 3);
        fetcher.addPartition(TP, 3, followerLog);
        FetchRequest req = fetcher.buildFetchRequest(now).orElseThrow();
        fetcher.addPartition(TP, 4, followerLog);
        assertEquals(List.of(), fetcher.handleFetchResponse(answer(req), now));
        fetcher.removePartition(TP);
        assertEquals(Optional.empty(), fetcher.buildFetchRequest(now));
    }

    @Test
    void behindTheLeadersLogStartStartsOverThere() {
        lead(TP, 2);
        InMemoryReplicaLog leaderLog = leaderLogs.get(TP);
        leaderLog.truncateFullyAndStartAt(50);
        leaderLog.appendAsLeader(TestBatches.of("a"), 2);
        fetcher.addPartition(TP, 2, followerLog);
        assertEquals(List.of(new TruncateFullyAndStartAt(TP, 50)), round());
        assertEquals(50, followerLog.logStartOffset());
        assertEquals(List.of(Append.class, UpdateHighWatermark.class), kinds(round()));
        assertEquals(51, followerLog.logEndOffset());
    }

    @Test
    void theDriverAppliesActionsAndBacksOffAPartitionWhoseLogRejectsThem() {
        lead(TP, 2);
        leaderLogs.get(TP).appendAsLeader(TestBatches.of("a"), 2);
        InMemoryLeaderClient client = new InMemoryLeaderClient();
        fetcher.addPartition(TP, 2, followerLog);
        FetcherDriver driver = new FetcherDriver(fetcher, client);
        assertEquals(Long.MAX_VALUE, driver.poll(now), "waiting for the answer");
        client.respond(this::answer);
        assertEquals(Long.MAX_VALUE, driver.poll(now), "applied, and the next long poll is out");
        assertEquals(1, followerLog.logEndOffset());

        // A corrupt batch from the leader: the log refuses it, the partition backs off.
        FetchResponse corrupt = FetchResponse.newBuilder().addTopics(FetchableTopicResponse.newBuilder().setTopic("t")
                .addPartitions(FetchPartitionData.newBuilder().setPartition(0).setHighWatermark(1)
                        .setRecords(com.google.protobuf.ByteString.copyFrom(new byte[70])))).build();
        client.respond(r -> corrupt);
        assertEquals(1_000L, driver.poll(now));
        assertInstanceOf(FollowerPartitionState.Delayed.class, fetcher.state(TP).orElseThrow());
        assertEquals(1, followerLog.logEndOffset());
        assertEquals(0, client.pending(), "nothing is sent while backing off");
    }
}

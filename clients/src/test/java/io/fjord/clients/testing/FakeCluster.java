package io.fjord.clients.testing;

import io.fjord.proto.ErrorCode;
import io.fjord.proto.LeaderHint;
import io.fjord.proto.NodeEndpoint;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An in-memory stand-in for a Fjord cluster: N brokers, each a real gRPC server on an ephemeral
 * loopback port, sharing one state (topics, partition logs, leaders). Batches are stored as sent,
 * with the base offset patched, as the real broker does. Faults can be injected per partition.
 */
public final class FakeCluster implements AutoCloseable {
    /** One partition's log: the batches and the next offset. */
    static final class Log {
        final List<ByteBuffer> batches = new ArrayList<>();
        long nextOffset;
        int leaderId;
        int leaderEpoch;
    }

    final Map<String, List<Log>> topics = new TreeMap<>();
    private final Map<String, List<Long>> fetchOffsets = new java.util.HashMap<>();
    final Map<String, Map<String, String>> topicConfigs = new HashMap<>();
    final Map<String, String> topicIds = new HashMap<>();
    final List<FakeBroker> brokers = new ArrayList<>();
    final Map<String, Deque<ErrorCode>> produceFaults = new HashMap<>();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<Server> servers = new ArrayList<>();
    /** When set, Metadata answers name this stale leader for every partition, so only hints lead the way. */
    volatile Integer staleMetadataLeader;
    volatile boolean holdProduce;
    final List<Runnable> heldProduces = new ArrayList<>();
    int produceRequests;
    long nextProducerId = 1000;

    public FakeCluster(int brokerCount) throws IOException {
        for (int id = 1; id <= brokerCount; id++) {
            FakeBroker broker = new FakeBroker(this, id);
            Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(broker).build().start();
            broker.port = server.getPort();
            brokers.add(broker);
            servers.add(server);
        }
    }

    public String bootstrap() {
        return brokers.stream().map(b -> "127.0.0.1:" + b.port).collect(Collectors.joining(","));
    }

    public synchronized void createTopic(String name, int partitions) {
        List<Log> logs = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Log log = new Log();
            log.leaderId = brokers.get(p % brokers.size()).id;
            logs.add(log);
        }
        topics.put(name, logs);
        topicConfigs.put(name, new TreeMap<>());
        topicIds.put(name, "id-" + name);
    }

    /** Moves leadership; the old leader answers NOT_LEADER_OR_FOLLOWER with a hint naming the new one. */
    public synchronized void moveLeader(String topic, int partition, int newLeaderId) {
        Log log = topics.get(topic).get(partition);
        log.leaderId = newLeaderId;
        log.leaderEpoch++;
    }

    public void staleMetadata(Integer leaderId) {
        staleMetadataLeader = leaderId;
    }

    /** The next produces to this partition fail with these codes, one per request. */
    public synchronized void failNextProduces(String topic, int partition, ErrorCode... codes) {
        produceFaults.computeIfAbsent(topic + "-" + partition, k -> new ArrayDeque<>()).addAll(List.of(codes));
    }

    /** While held, Produce requests get no answer (until released). */
    public synchronized void holdProduce(boolean hold) {
        holdProduce = hold;
        if (!hold) {
            heldProduces.forEach(Runnable::run);
            heldProduces.clear();
        }
    }

    /** The offsets the fetches of one partition asked for, in arrival order. */
    public synchronized List<Long> fetchOffsets(String topic, int partition) {
        return List.copyOf(fetchOffsets.getOrDefault(topic + "-" + partition, List.of()));
    }

    synchronized void recordFetch(String topic, int partition, long offset) {
        fetchOffsets.computeIfAbsent(topic + "-" + partition, k -> new java.util.ArrayList<>()).add(offset);
    }

    public synchronized int produceRequests() {
        return produceRequests;
    }

    public synchronized long logEndOffset(String topic, int partition) {
        return topics.get(topic).get(partition).nextOffset;
    }

    public synchronized List<ByteBuffer> batches(String topic, int partition) {
        return topics.get(topic).get(partition).batches.stream().map(ByteBuffer::duplicate).toList();
    }

    NodeEndpoint endpoint(int id) {
        FakeBroker b = brokers.get(id - 1);
        return NodeEndpoint.newBuilder().setNodeId(b.id).setHost("127.0.0.1").setPort(b.port).build();
    }

    LeaderHint hint(Log log) {
        return LeaderHint.newBuilder().setLeaderId(log.leaderId).setLeaderEpoch(log.leaderEpoch)
                .setEndpoint(endpoint(log.leaderId)).build();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        for (Server s : servers) {
            s.shutdownNow();
        }
        try {
            for (Server s : servers) {
                s.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

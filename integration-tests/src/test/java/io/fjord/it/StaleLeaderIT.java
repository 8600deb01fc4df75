package io.fjord.it;

import com.google.protobuf.ByteString;
import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.common.serialization.StringSerializer;
import io.fjord.clients.producer.FjordProducer;
import io.fjord.clients.producer.ProducerRecord;
import io.fjord.proto.BrokerServiceGrpc;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.PartitionMetadata;
import io.fjord.proto.PartitionProduceData;
import io.fjord.proto.PartitionProduceResponse;
import io.fjord.proto.ProduceRequest;
import io.fjord.proto.ProduceResponse;
import io.fjord.proto.TopicProduceData;
import io.fjord.wire.CompressionType;
import io.fjord.wire.Header;
import io.fjord.wire.RecordBatchBuilder;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.fjord.it.ReplicationSupport.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A restarted broker must not act as leader on the metadata it had before it went down. A broker
 * that led partition P is SIGKILLed, P gets a new leader (higher epoch) and more writes, and the
 * broker is restarted. From the moment its port accepts connections until it follows P, the test
 * sends acks=1 Produce requests for P straight to it (as a client with stale metadata would). Any
 * write it acknowledges must still be in P's log, at the offset it named, once it has caught up:
 * acknowledging a write as a stale leader and truncating it afterwards loses an acknowledged write.
 */
class StaleLeaderIT {
    private static final String TOPIC = "stale";
    private static final List<Integer> BROKERS = List.of(1, 2, 3);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void restartedBrokerDoesNotAcknowledgeWritesAsAStaleLeader() throws Exception {
        long testStart = System.nanoTime();
        Path dir = work.resolve("cluster");
        ReplicationSupport.withCluster(dir, this::run);
        System.out.println("StaleLeaderIT total " + ms(testStart) + " ms");
    }

    private void run(LocalClusterHarness cluster) throws Exception {
        ReplicationSupport.up(cluster, 1, 3);
        try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)));
        }
        Awaitility.await("the partition led and fully in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), 1));
        PartitionMetadata initial = ReplicationSupport.partition(cluster, BROKERS, TOPIC, 0).orElseThrow();
        int victim = initial.getLeaderId();
        List<Integer> others = new ArrayList<>(BROKERS);
        others.remove(Integer.valueOf(victim));
        try (FjordProducer<String, String> p = producer(cluster.bootstrap())) {
            for (int i = 0; i < 100; i++) {
                p.send(new ProducerRecord<>(TOPIC, 0, null, "before-" + i));
            }
            p.flush();
        }

        assertEquals(0, cluster.cluster("kill", "broker-" + victim).exit());
        Awaitility.await("a new leader").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> ReplicationSupport.partition(cluster, others, TOPIC, 0)
                        .map(m -> others.contains(m.getLeaderId()) && m.getLeaderEpoch() > initial.getLeaderEpoch()).orElse(false));
        try (FjordProducer<String, String> p = producer(ReplicationSupport.bootstrap(cluster, others))) {
            for (int i = 0; i < 200; i++) {
                p.send(new ProducerRecord<>(TOPIC, 0, null, "after-" + i));
            }
            p.flush();
        }

        int port = cluster.brokerPort(victim);
        assertEquals(0, cluster.cluster("start", "broker-" + victim).exit());
        Awaitility.await("broker-" + victim + " accepts connections").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> accepts(port));
        long openAt = System.nanoTime();
        Map<String, Long> acked = new LinkedHashMap<>();
        Map<ErrorCode, Integer> errors = new TreeMap<>();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            BrokerServiceGrpc.BrokerServiceBlockingStub stub = BrokerServiceGrpc.newBlockingStub(ch).withWaitForReady();
            int consecutiveNotLeader = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; consecutiveNotLeader < 200 && System.nanoTime() < deadline; i++) {
                String value = "probe-" + i;
                RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, 128);
                b.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8), new Header[0]);
                ProduceRequest req = ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(1000).addTopics(TopicProduceData.newBuilder()
                        .setTopic(TOPIC).addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                                .setRecords(ByteString.copyFrom(b.build())))).build();
                ProduceResponse resp;
                try {
                    resp = stub.withDeadlineAfter(2, TimeUnit.SECONDS).produce(req);
                } catch (StatusRuntimeException e) {
                    consecutiveNotLeader = 0;
                    continue;
                }
                PartitionProduceResponse pr = resp.getTopics(0).getPartitions(0);
                errors.merge(pr.getErrorCode(), 1, Integer::sum);
                if (pr.getErrorCode() == ErrorCode.NONE) {
                    acked.put(value, pr.getBaseOffset());
                    System.out.println("broker-" + victim + " acknowledged " + value + " at offset " + pr.getBaseOffset() + ", "
                            + ms(openAt) + " ms after its port opened");
                    consecutiveNotLeader = 0;
                } else if (pr.getErrorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                    consecutiveNotLeader++;
                } else {
                    consecutiveNotLeader = 0;
                }
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.out.println("probing broker-" + victim + " for " + ms(openAt) + " ms after its port opened: answers " + errors);
        List<String> lines = java.nio.file.Files.readAllLines(cluster.dir.resolve("broker-" + victim).resolve("out.log"));
        int restart = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("listening on")) {
                restart = i;
            }
        }
        System.out.println("broker-" + victim + "'s role changes after its restart:");
        lines.subList(restart, lines.size()).stream().filter(l -> l.contains("Leading " + TOPIC) || l.contains("Following " + TOPIC)
                || l.contains("listening on") || l.contains("registered")).forEach(l -> System.out.println("  " + l));

        Awaitility.await("broker-" + victim + " back in the ISR").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ReplicationSupport.fullyInSync(ReplicationSupport.partitions(cluster, BROKERS, TOPIC), 1));
        String[] log = ReplicationSupport.readAll(cluster.bootstrap(), TOPIC, 1, Duration.ofSeconds(60)).get(0);
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            long o = e.getValue();
            if (o >= log.length || !e.getKey().equals(log[(int) o])) {
                lost.add(e.getKey() + "@" + o + " (log has " + (o < log.length ? log[(int) o] : "nothing") + ")");
            }
        }
        if (!lost.isEmpty()) {
            fail(lost.size() + " of " + acked.size() + " writes acknowledged by the restarted broker-" + victim
                    + " are not in the log: " + lost);
        }
        System.out.println(acked.size() + " writes acknowledged by the restarted broker are in the log");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 100);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static FjordProducer<String, String> producer(String bootstrap) {
        return new FjordProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "5"), new StringSerializer(),
                new StringSerializer());
    }
}

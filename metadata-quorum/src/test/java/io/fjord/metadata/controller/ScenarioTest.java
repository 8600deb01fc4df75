package io.fjord.metadata.controller;

import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.PartitionRegistration;
import io.fjord.metadata.image.TopicImage;
import io.fjord.proto.CreatableTopic;
import io.fjord.proto.CreateTopicsRequest;
import io.fjord.proto.DeleteTopicsRequest;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AlterConfigsRequest;
import io.fjord.proto.controller.AlterConfigsResource;
import io.fjord.proto.controller.AlterPartitionResult;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.RegisterBrokerResponse;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Data-driven controller scenarios (etcd's datadriven style): each file under
 * {@code src/test/resources/scenarios} holds blocks of {@code command args}, {@code ----}, expected
 * output, blank line. Commands run against the command layer over an in-memory log with a MockTime.
 * Run with {@code -Dfjord.rewrite=true} to regenerate the expectations, then review the diff.
 */
class ScenarioTest {
    private static final Path DIR = Path.of("src/test/resources/scenarios");

    private record Block(String command, String expected) {}

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".txt")).sorted().toList().stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
        }
    }

    private static List<Block> parse(String text) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                i++;
                continue;
            }
            String command = line.trim();
            i++;
            if (i >= lines.length || !lines[i].equals("----")) {
                throw new IllegalArgumentException("expected ---- after '" + command + "'");
            }
            i++;
            StringBuilder expected = new StringBuilder();
            while (i < lines.length && !lines[i].isEmpty()) {
                expected.append(lines[i]).append('\n');
                i++;
            }
            blocks.add(new Block(command, expected.toString()));
        }
        return blocks;
    }

    private static void run(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<Block> blocks = parse(text);
        ControlFixture f = new ControlFixture();
        StringBuilder rewritten = new StringBuilder();
        List<String> header = text.lines().takeWhile(l -> l.startsWith("#") || l.isBlank()).toList();
        header.forEach(l -> rewritten.append(l).append('\n'));
        boolean rewrite = Boolean.getBoolean("fjord.rewrite");
        for (Block b : blocks) {
            String actual = execute(f, b.command());
            rewritten.append(b.command()).append("\n----\n").append(actual).append('\n');
            if (!rewrite) {
                assertEquals(b.expected(), actual, file.getFileName() + ": " + b.command());
            }
        }
        if (rewrite) {
            Files.writeString(file, rewritten.toString().stripTrailing() + "\n", StandardCharsets.UTF_8);
        }
    }

    private static String execute(ControlFixture f, String command) {
        String[] w = command.split("\\s+");
        Map<String, String> kv = Arrays.stream(w).filter(s -> s.contains("="))
                .collect(Collectors.toMap(s -> s.substring(0, s.indexOf('=')), s -> s.substring(s.indexOf('=') + 1)));
        switch (w[0]) {
            case "register" -> {
                int id = Integer.parseInt(w[1]);
                RegisterBrokerResponse r = f.register(id, kv.getOrDefault("incarnation", "inc-" + id), kv.getOrDefault("rack", ""));
                return r.getErrorCode() == ErrorCode.NONE ? "epoch=" + r.getBrokerEpoch() + "\n" : r.getErrorCode() + " " + r.getErrorMessage() + "\n";
            }
            case "heartbeat" -> {
                int id = Integer.parseInt(w[1]);
                BrokerRegistration b = f.image.cluster().broker(id);
                long offset = kv.containsKey("offset") ? Long.parseLong(kv.get("offset")) : f.image.offset();
                BrokerHeartbeatResponse r = f.commit(f.cluster.brokerHeartbeat(f.image, BrokerHeartbeatRequest.newBuilder()
                        .setBrokerId(id).setBrokerEpoch(b == null ? -1 : b.epoch()).setCurrentMetadataOffset(offset)
                        .setWantShutdown(List.of(w).contains("shutdown")).setWantFence(List.of(w).contains("fence")).build(),
                        f.time.milliseconds()));
                if (r.getErrorCode() != ErrorCode.NONE) {
                    return r.getErrorCode() + "\n";
                }
                return "caught_up=" + r.getIsCaughtUp() + " fenced=" + r.getIsFenced() + " should_shut_down=" + r.getShouldShutDown() + "\n";
            }
            case "advance" -> {
                f.time.sleep(Long.parseLong(w[1]));
                return "now=+" + (f.time.milliseconds() - new io.fjord.metadata.common.MockTime().milliseconds()) + "\n";
            }
            case "fence-expired" -> {
                return "fenced=" + f.commit(f.cluster.fenceExpiredBrokers(f.image, f.time.milliseconds())) + "\n";
            }
            case "create-topic" -> {
                CreatableTopic.Builder t = CreatableTopic.newBuilder().setName(w[1])
                        .setNumPartitions(Integer.parseInt(kv.getOrDefault("partitions", "-1")))
                        .setReplicationFactor(Integer.parseInt(kv.getOrDefault("rf", "-1")));
                kv.forEach((k, v) -> {
                    if (k.startsWith("config.")) {
                        t.putConfigs(k.substring(7), v);
                    }
                });
                var r = f.commit(f.topics.createTopics(f.image, CreateTopicsRequest.newBuilder().addTopics(t).build())).getTopics(0);
                return r.getErrorCode() + (r.getErrorMessage().isEmpty() ? "" : " " + r.getErrorMessage()) + "\n";
            }
            case "delete-topic" -> {
                var r = f.commit(f.topics.deleteTopics(f.image, DeleteTopicsRequest.newBuilder().addNames(w[1]).build())).getTopics(0);
                return r.getErrorCode() + "\n";
            }
            case "set-config" -> {
                var r = f.commit(f.topics.alterConfigs(f.image, AlterConfigsRequest.newBuilder().addResources(
                        AlterConfigsResource.newBuilder().setTopic(w[1]).putSet(w[2], w[3])).build())).getResults(0);
                return r.getErrorCode() + (r.getErrorMessage().isEmpty() ? "" : " " + r.getErrorMessage()) + "\n";
            }
            case "alter-isr" -> {
                String topic = w[1];
                int p = Integer.parseInt(w[2]);
                int broker = Integer.parseInt(w[3]);
                PartitionRegistration reg = f.partition(topic, p);
                List<Integer> isr = Arrays.stream(kv.get("isr").split(",")).map(Integer::valueOf).toList();
                AlterPartitionResult r = f.commit(f.replication.alterPartition(f.image, ReplicationControlTest.alter(broker,
                        f.image.cluster().broker(broker).epoch(), topic, p, reg.leaderEpoch(),
                        Integer.parseInt(kv.getOrDefault("partition-epoch", String.valueOf(reg.partitionEpoch()))),
                        isr.toArray(Integer[]::new)))).getTopics(0).getPartitions(0);
                return r.getErrorCode() + " leader=" + r.getLeader() + " isr=" + r.getIsrList() + " partition_epoch=" + r.getPartitionEpoch() + "\n";
            }
            case "brokers" -> {
                StringBuilder sb = new StringBuilder();
                for (BrokerRegistration b : f.image.cluster().brokers().values()) {
                    sb.append(b.id()).append(" epoch=").append(b.epoch()).append(" rack=").append(b.rack())
                            .append(b.fenced() ? " fenced" : " unfenced").append(b.inControlledShutdown() ? " shutting-down" : "").append('\n');
                }
                return sb.toString();
            }
            case "topics" -> {
                StringBuilder sb = new StringBuilder();
                for (TopicImage t : f.image.topics().topics()) {
                    Map<String, String> cfg = f.image.configs().topicConfig(t.name());
                    if (!cfg.isEmpty()) {
                        sb.append(t.name()).append(" configs=").append(cfg).append('\n');
                    }
                    t.partitions().forEach((p, reg) -> sb.append(t.name()).append('-').append(p).append(" replicas=").append(reg.replicas())
                            .append(" isr=").append(reg.isr()).append(" leader=").append(reg.leader())
                            .append(" leader_epoch=").append(reg.leaderEpoch()).append(" partition_epoch=").append(reg.partitionEpoch()).append('\n'));
                }
                return sb.length() == 0 ? "(none)\n" : sb.toString();
            }
            default -> throw new IllegalArgumentException("unknown scenario command '" + w[0] + "'");
        }
    }
}

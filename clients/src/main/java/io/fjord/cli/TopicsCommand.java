package io.fjord.cli;

import io.fjord.clients.admin.AdminConfig;
import io.fjord.clients.admin.CreatedTopic;
import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.clients.admin.TopicDescription;
import io.fjord.clients.admin.TopicPartitionInfo;
import io.fjord.clients.common.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code fjord topics create|list|describe|delete|alter}. Output, tab separated as Kafka's
 * kafka-topics.sh:
 * <pre>
 * Created topic NAME.
 * Topic: NAME	TopicId: ID	PartitionCount: N	ReplicationFactor: R	Configs: k=v,k=v
 * 	Topic: NAME	Partition: P	Leader: L	Replicas: 1,2,3	Isr: 1,2	LeaderEpoch: E	HighWatermark: H
 * </pre>
 * Leader is "none" when the partition has no leader; HighWatermark "unknown" when the leader could
 * not be asked.
 */
final class TopicsCommand {
    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord topics create NAME [--partitions N] [--replication-factor R] [--config k=v ...]",
            "       fjord topics list",
            "       fjord topics describe [NAME]",
            "       fjord topics delete NAME",
            "       fjord topics alter NAME [--partitions N] [--config k=v ...] [--delete-config k ...]",
            "Without --partitions/--replication-factor, create uses the brokers' defaults.",
            "",
            "Options:",
            "");

    private final CliContext ctx;

    TopicsCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private static CliArgs options(String command) {
        return CliContext.withCommonOptions(new CliArgs(command))
                .value("--topic", "NAME", "the topic (instead of the NAME argument)")
                .value("--partitions", "N", "partition count (create, alter)")
                .value("--replication-factor", "R", "replicas per partition (create)")
                .list("--config", "k=v", "topic config override (create, alter); repeatable")
                .list("--delete-config", "k", "remove a topic config override, back to the default (alter); repeatable")
                .value("--timeout-ms", "MS", "give up after this long (default 30000)");
    }

    int run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            if (args.isEmpty()) {
                throw new UsageException("fjord topics", "missing topics command: expected create, list, describe, delete or alter");
            }
            ctx.out().print(USAGE + options("fjord topics").optionsHelp());
            return 0;
        }
        String sub = args.get(0);
        if (!List.of("create", "list", "describe", "delete", "alter").contains(sub)) {
            throw new UsageException("fjord topics", "unknown topics command '" + sub + "'");
        }
        CliArgs spec = options("fjord topics " + sub);
        CliArgs.Parsed p = spec.parse(args.subList(1, args.size()));
        if (p.help) {
            ctx.out().print(USAGE + spec.optionsHelp());
            return 0;
        }
        long timeoutMs = p.getLong("--timeout-ms", 30000, 1);
        switch (sub) {
            case "create":
                return create(p, timeoutMs);
            case "list":
                p.noPositional();
                try (FjordAdmin admin = admin(p, timeoutMs)) {
                    admin.listTopics().forEach(ctx.out()::println);
                }
                return 0;
            case "describe":
                return describe(p, timeoutMs);
            case "delete": {
                String name = requireName(p);
                try (FjordAdmin admin = admin(p, timeoutMs)) {
                    admin.deleteTopics(List.of(name));
                }
                ctx.out().println("Deleted topic " + name + ".");
                return 0;
            }
            default: {
                String name = requireName(p);
                Map<String, String> set = p.keyValues("--config");
                List<String> delete = p.all("--delete-config");
                if (!p.has("--partitions") && set.isEmpty() && delete.isEmpty()) {
                    throw new UsageException(p.command(), "nothing to alter: give --partitions, --config or --delete-config");
                }
                try (FjordAdmin admin = admin(p, timeoutMs)) {
                    if (!set.isEmpty() || !delete.isEmpty()) {
                        admin.alterConfigs(name, set, delete);
                        ctx.out().println("Updated configs of topic " + name + ".");
                    }
                    if (p.has("--partitions")) {
                        int partitions = p.getInt("--partitions", 0, 1);
                        admin.createPartitions(Map.of(name, partitions));
                        ctx.out().println("Topic " + name + " now has " + partitions + " partitions.");
                    }
                }
                return 0;
            }
        }
    }

    private int create(CliArgs.Parsed p, long timeoutMs) throws Exception {
        String name = requireName(p);
        Optional<Integer> partitions = p.has("--partitions")
                ? Optional.of(p.getInt("--partitions", 0, 1)) : Optional.empty();
        Optional<Short> rf = Optional.empty();
        if (p.has("--replication-factor")) {
            int r = p.getInt("--replication-factor", 0, 1);
            if (r > Short.MAX_VALUE) {
                throw new UsageException("fjord topics create", "invalid value '" + r + "' for --replication-factor: too large");
            }
            rf = Optional.of((short) r);
        }
        NewTopic topic = new NewTopic(name, partitions, rf).configs(p.keyValues("--config"));
        try (FjordAdmin admin = admin(p, timeoutMs)) {
            CreatedTopic created = admin.createTopics(List.of(topic)).get(name);
            ctx.out().println("Created topic " + (created != null ? created.name() : name) + ".");
        }
        return 0;
    }

    private int describe(CliArgs.Parsed p, long timeoutMs) throws Exception {
        String name = p.single("topic", "--topic");
        try (FjordAdmin admin = admin(p, timeoutMs)) {
            List<String> names = name != null ? List.of(name) : List.copyOf(admin.listTopics());
            if (names.isEmpty()) {
                return 0;
            }
            for (TopicDescription d : admin.describeTopics(names).values()) {
                String configs = d.configs().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(","));
                ctx.out().println("Topic: " + d.name() + "\tTopicId: " + d.topicId() + "\tPartitionCount: "
                        + d.partitions().size() + "\tReplicationFactor: " + d.replicationFactor() + "\tConfigs: " + configs);
                for (TopicPartitionInfo pi : d.partitions()) {
                    ctx.out().println("\tTopic: " + d.name() + "\tPartition: " + pi.partition()
                            + "\tLeader: " + (pi.leader() == null ? "none" : String.valueOf(pi.leader().id()))
                            + "\tReplicas: " + ids(pi.replicas()) + "\tIsr: " + ids(pi.isr())
                            + "\tLeaderEpoch: " + pi.leaderEpoch()
                            + "\tHighWatermark: " + (pi.hasHighWatermark() ? String.valueOf(pi.highWatermark()) : "unknown"));
                }
            }
        }
        return 0;
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(","));
    }

    private static String requireName(CliArgs.Parsed p) throws UsageException {
        String name = p.single("topic", "--topic");
        if (name == null || name.isEmpty()) {
            throw new UsageException(p.command(), "missing topic name");
        }
        return name;
    }

    private static FjordAdmin admin(CliArgs.Parsed p, long timeoutMs) {
        Map<String, Object> configs = new HashMap<>();
        configs.put(AdminConfig.BOOTSTRAP_SERVERS_CONFIG, CliContext.bootstrap(p));
        configs.put(AdminConfig.CLIENT_ID_CONFIG, "fjord-topics");
        configs.put(AdminConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        configs.put(AdminConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        return FjordAdmin.create(configs);
    }
}

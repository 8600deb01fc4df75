package io.fjord.cli;

import io.fjord.clients.admin.AdminConfig;
import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.TopicDescription;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.UnknownTopicOrPartitionException;
import java.util.List;
import java.util.Map;

/**
 * Checks that a topic exists before producing to it: the producer would otherwise wait max.block.ms
 * (60 s by default) for a topic that will never appear, as Kafka's console producer does.
 */
final class TopicCheck {
    private TopicCheck() {}

    /** @return the topic's partition count */
    static int requireTopic(String bootstrap, String topic) {
        Map<String, Object> configs = Map.of(AdminConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminConfig.CLIENT_ID_CONFIG, "fjord-cli-topic-check",
                AdminConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
        try (FjordAdmin admin = FjordAdmin.create(configs)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).get(topic);
            return d.partitions().size();
        } catch (UnknownTopicOrPartitionException e) {
            throw missing(topic);
        }
    }

    static FjordException missing(String topic) {
        return new FjordException("topic '" + topic + "' does not exist. Create it with 'fjord topics create " + topic
                + "', or check the name with 'fjord topics list'.");
    }
}

package io.fjord.clients.admin;

/** What the cluster created for one NewTopic (defaults resolved). */
public record CreatedTopic(String name, String topicId, int numPartitions, int replicationFactor) {}

package io.fjord.clients.admin;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** A topic to create; partitions and replication factor left empty take the brokers' defaults. */
public final class NewTopic {
    private final String name;
    private final Optional<Integer> numPartitions;
    private final Optional<Short> replicationFactor;
    private Map<String, String> configs = Map.of();

    public NewTopic(String name, Optional<Integer> numPartitions, Optional<Short> replicationFactor) {
        this.name = Objects.requireNonNull(name, "name");
        this.numPartitions = Objects.requireNonNull(numPartitions, "numPartitions");
        this.replicationFactor = Objects.requireNonNull(replicationFactor, "replicationFactor");
    }

    public NewTopic(String name, int numPartitions, short replicationFactor) {
        this(name, Optional.of(numPartitions), Optional.of(replicationFactor));
    }

    /** Topic-level config overrides (Kafka names, e.g. retention.ms, cleanup.policy). */
    public NewTopic configs(Map<String, String> configs) {
        this.configs = Collections.unmodifiableSortedMap(new TreeMap<>(configs));
        return this;
    }

    public String name() {
        return name;
    }

    public Optional<Integer> numPartitions() {
        return numPartitions;
    }

    public Optional<Short> replicationFactor() {
        return replicationFactor;
    }

    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public String toString() {
        return "NewTopic(name=" + name + ", numPartitions=" + numPartitions.map(String::valueOf).orElse("default")
                + ", replicationFactor=" + replicationFactor.map(String::valueOf).orElse("default") + ", configs="
                + configs + ")";
    }
}

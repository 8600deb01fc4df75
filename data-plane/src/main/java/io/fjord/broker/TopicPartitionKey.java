package io.fjord.broker;

/** A topic and partition number; the directory of its log is {@code <topic>-<partition>}. */
public record TopicPartitionKey(String topic, int partition) {
    public String dirName() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}

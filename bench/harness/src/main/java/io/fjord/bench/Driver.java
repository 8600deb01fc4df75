package io.fjord.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The few client operations the workloads need, implemented once over Kafka's Java client and once
 * over Fjord's, so both systems are driven by the same code and measured the same way.
 */
interface Driver extends AutoCloseable {
    /** Creates the topic and waits until every partition has a leader and all {@code rf} replicas in its ISR. */
    void createTopic(String name, int partitions, int rf, Map<String, String> configs, Duration timeout);

    /** The broker id leading the partition, or -1 when it has none. */
    int leader(String topic, int partition);

    Producer producer(Map<String, Object> configs);

    Consumer consumer(Map<String, Object> configs);

    @Override
    void close();

    /** Called once per record: the offset on success, or the error. */
    interface Ack {
        void done(long offset, Exception error);
    }

    interface Producer extends AutoCloseable {
        void send(String topic, byte[] value, Ack ack);

        void flush();

        @Override
        void close();
    }

    interface RecordSink {
        void accept(int partition, long offset, byte[] value);
    }

    interface Consumer extends AutoCloseable {
        /** Assigns every partition of the topic; returns their numbers. */
        List<Integer> assignAll(String topic);

        void seekToBeginning();

        /** Moves every assigned partition to its end and resolves the positions now. */
        void seekToEnd();

        /** Each assigned partition's end offset (the high watermark). */
        Map<Integer, Long> endOffsets();

        /** Polls once; returns how many records were handed to {@code sink}. */
        int poll(Duration timeout, RecordSink sink);

        @Override
        void close();
    }
}

package io.fjord.clients.consumer.internals;

import io.fjord.clients.common.TopicPartition;
import io.fjord.clients.common.errors.CorruptRecordException;
import io.fjord.clients.common.errors.FjordException;
import io.fjord.clients.common.errors.SerializationException;
import io.fjord.clients.common.serialization.Deserializer;
import io.fjord.clients.consumer.ConsumerRecord;
import io.fjord.clients.consumer.TimestampType;
import io.fjord.wire.Header;
import io.fjord.wire.Record;
import io.fjord.wire.RecordBatch;
import io.fjord.wire.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The record data one fetch returned for one partition, decoded lazily batch by batch as poll()
 * hands records out. Records before the fetch position are skipped (a fetch may return a batch that
 * starts before it), control batches are passed over, and {@link #nextPosition()} ends past the last
 * record handed out (or past the last whole batch consumed).
 *
 * <p>Threading: confined to the consumer's thread.
 */
final class CompletedFetch {
    final TopicPartition tp;
    private final Iterator<RecordBatch> batches;
    private final boolean checkCrcs;
    private final long endOffset;
    private long nextPosition;
    private RecordBatch current;
    private List<Record> currentRecords;
    private int index;
    private boolean exhausted;
    private FjordException error;

    CompletedFetch(TopicPartition tp, long fetchOffset, ByteBuffer records, boolean checkCrcs) {
        this.tp = tp;
        this.nextPosition = fetchOffset;
        this.endOffset = endOffset(records);
        this.batches = RecordBatch.batches(records).iterator();
        this.checkCrcs = checkCrcs;
    }

    long nextPosition() {
        return nextPosition;
    }

    /**
     * The offset after the last whole batch of this fetch (where the next fetch of the partition
     * starts once this one is consumed), or -1 when that is not known from the headers alone.
     */
    long endOffset() {
        return endOffset;
    }

    /** Walks the batch headers only; a malformed header ends the walk (decoding reports it later). */
    static long endOffset(ByteBuffer records) {
        long end = -1;
        int pos = records.position();
        int limit = records.limit();
        while (limit - pos >= RecordBatchHeader.HEADER_SIZE) {
            int size = RecordBatchHeader.sizeInBytes(records, pos);
            if (size < RecordBatchHeader.HEADER_SIZE || size > limit - pos) {
                break;
            }
            end = RecordBatchHeader.lastOffset(records, pos) + 1;
            pos += size;
        }
        return end;
    }

    boolean isExhausted() {
        return exhausted;
    }

    /**
     * Up to {@code max} records from the position on. A decode or deserialization failure is thrown
     * when it is the first thing this call meets, else after the records before it are returned; it
     * is thrown again on every later call until the user seeks past the record.
     */
    <K, V> List<ConsumerRecord<K, V>> drain(int max, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        if (error != null) {
            throw error;
        }
        List<ConsumerRecord<K, V>> out = new ArrayList<>(Math.min(max, 1024));
        try {
            while (out.size() < max && !exhausted) {
                if (current == null) {
                    nextBatch();
                    continue;
                }
                if (index >= currentRecords.size()) {
                    nextPosition = Math.max(nextPosition, current.nextOffset());
                    current = null;
                    continue;
                }
                Record r = currentRecords.get(index);
                if (r.offset() >= nextPosition) {
                    out.add(toConsumerRecord(r, keyDeserializer, valueDeserializer));
                    nextPosition = r.offset() + 1;
                }
                index++;
            }
        } catch (FjordException e) {
            error = e;
            if (out.isEmpty()) {
                throw e;
            }
        }
        return out;
    }

    private void nextBatch() {
        RecordBatch batch;
        try {
            if (!batches.hasNext()) {
                exhausted = true;
                return;
            }
            batch = batches.next();
        } catch (io.fjord.wire.CorruptRecordException e) {
            throw corrupt("at offset " + nextPosition, e);
        }
        if (batch.nextOffset() <= nextPosition) {
            return; // wholly before the position
        }
        if (checkCrcs) {
            try {
                batch.ensureValid();
            } catch (io.fjord.wire.CorruptRecordException e) {
                throw corrupt("at offset " + batch.baseOffset(), e);
            }
        }
        if (batch.isControl()) {
            nextPosition = batch.nextOffset();
            return;
        }
        try {
            currentRecords = batch.records();
        } catch (io.fjord.wire.CorruptRecordException | IllegalArgumentException e) {
            throw corrupt("at offset " + batch.baseOffset(), e);
        }
        current = batch;
        index = 0;
    }

    private CorruptRecordException corrupt(String where, RuntimeException cause) {
        return new CorruptRecordException("Received a corrupt record batch from " + tp + " " + where + ": "
                + cause.getMessage() + ". If this repeats, seek past it (seek(" + tp + ", <next offset>)) to continue"
                + " consuming.", cause);
    }

    private <K, V> ConsumerRecord<K, V> toConsumerRecord(Record r, Deserializer<K> keyDeserializer,
                                                          Deserializer<V> valueDeserializer) {
        Header[] raw = r.headers();
        // Immutable lists, so ConsumerRecord's List.copyOf keeps them as they are instead of copying.
        List<Header> headers = raw.length == 0 ? List.of() : List.of(raw);
        byte[] keyBytes = r.keyBytes();
        byte[] valueBytes = r.valueBytes();
        K key;
        V value;
        try {
            key = keyDeserializer.deserialize(tp.topic(), headers, keyBytes);
        } catch (RuntimeException e) {
            throw deserializationError("key", r.offset(), e);
        }
        try {
            value = valueDeserializer.deserialize(tp.topic(), headers, valueBytes);
        } catch (RuntimeException e) {
            throw deserializationError("value", r.offset(), e);
        }
        TimestampType type = r.timestamp() < 0 ? TimestampType.NO_TIMESTAMP_TYPE
                : current.isLogAppendTime() ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
        return new ConsumerRecord<>(tp.topic(), tp.partition(), r.offset(), r.timestamp(), type, key, value, headers,
                keyBytes == null ? -1 : keyBytes.length, valueBytes == null ? -1 : valueBytes.length);
    }

    private SerializationException deserializationError(String what, long offset, RuntimeException e) {
        return new SerializationException("Error deserializing " + what + " for partition " + tp + " at offset " + offset
                + ": " + e + ". If needed, seek past the record (seek(" + tp + ", " + (offset + 1) + ")) to continue"
                + " consumption.", e);
    }
}

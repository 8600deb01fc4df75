package io.fjord.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The workloads, written once against {@link Driver} so Kafka and Fjord run exactly the same code:
 * a producer (unthrottled or at a fixed rate), a consumer reading a topic back, an end-to-end latency
 * probe, and the failover probe.
 */
final class Workloads {
    private Workloads() {}

    static final double MIB = 1024.0 * 1024.0;
    static final double GIB = MIB * 1024.0;

    // ------------------------------------------------------------------ producer

    /**
     * @param seconds   time spent sending (then the producer flushes); records/s is acknowledged
     *                  records over the time from the first send to the last acknowledgement
     * @param latency   per record: unthrottled, from the send() call to the callback (as Kafka's
     *                  ProducerPerformance); at a fixed rate, from the record's scheduled send time to
     *                  the callback, so time blocked in send() or spent behind schedule counts
     */
    record ProduceResult(long sent, long acked, long failed, String firstError, long bytes, double seconds, double targetRate,
                         Histogram latency) {
        double recordsPerSec() {
            return seconds <= 0 ? Double.NaN : acked / seconds;
        }

        double mibPerSec() {
            return seconds <= 0 ? Double.NaN : bytes / MIB / seconds;
        }
    }

    static byte[] payload(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Sends {@code size}-byte records for {@code seconds} (at most {@code maxRecords}); {@code rate <= 0}: as fast as it goes. */
    static ProduceResult produce(Driver d, String topic, int size, double rate, double seconds, long maxRecords,
                                 Map<String, Object> configs) {
        byte[] payload = payload(size, 42);
        Histogram latency = new Histogram();
        LongAdder acked = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicLong lastAckNs = new AtomicLong();
        long sent = 0;
        long start;
        try (Driver.Producer p = d.producer(configs)) {
            start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            if (rate <= 0) {
                while (sent < maxRecords && System.nanoTime() < end) {
                    final long t0 = System.nanoTime();
                    p.send(topic, payload, (offset, e) -> {
                        long now = System.nanoTime();
                        if (e == null) {
                            latency.recordNanos(now - t0);
                            acked.increment();
                            lastAckNs.accumulateAndGet(now, Math::max);
                        } else {
                            failed.increment();
                            firstError.compareAndSet(null, e.toString());
                        }
                    });
                    sent++;
                }
            } else {
                double nsPerRecord = 1e9 / rate;
                while (sent < maxRecords) {
                    long now = System.nanoTime();
                    if (now >= end) {
                        break;
                    }
                    long due = Math.min(maxRecords, (long) ((now - start) / nsPerRecord) + 1);
                    if (sent >= due) {
                        long next = start + (long) (sent * nsPerRecord);
                        LockSupport.parkNanos(Math.max(1_000, next - now));
                        continue;
                    }
                    while (sent < due) {
                        final long intended = start + (long) (sent * nsPerRecord);
                        p.send(topic, payload, (offset, e) -> {
                            long t = System.nanoTime();
                            if (e == null) {
                                latency.recordNanos(t - intended);
                                acked.increment();
                                lastAckNs.accumulateAndGet(t, Math::max);
                            } else {
                                failed.increment();
                                firstError.compareAndSet(null, e.toString());
                            }
                        });
                        sent++;
                    }
                }
            }
            p.flush();
        }
        double secs = lastAckNs.get() == 0 ? Double.NaN : (lastAckNs.get() - start) / 1e9;
        return new ProduceResult(sent, acked.sum(), failed.sum(), firstError.get(), acked.sum() * size, secs, rate, latency);
    }

    // ------------------------------------------------------------------ consumer

    record ConsumeResult(long records, long bytes, double seconds, long expected) {
        double recordsPerSec() {
            return seconds <= 0 ? Double.NaN : records / seconds;
        }

        double mibPerSec() {
            return seconds <= 0 ? Double.NaN : bytes / MIB / seconds;
        }

        /** The pass with the median rate (the lower middle one for an even count). */
        static ConsumeResult median(List<ConsumeResult> passes) {
            List<ConsumeResult> sorted = new ArrayList<>(passes);
            sorted.sort(java.util.Comparator.comparingDouble(ConsumeResult::recordsPerSec));
            return sorted.get((sorted.size() - 1) / 2);
        }
    }

    /** One consumer, every partition assigned, from the beginning to the end offsets seen at the start. */
    static ConsumeResult consumeAll(Driver d, String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put("client.id", "bench-consumer");
        try (Driver.Consumer consumer = d.consumer(c)) {
            consumer.assignAll(topic);
            consumer.seekToBeginning();
            long expected = consumer.endOffsets().values().stream().mapToLong(Long::longValue).sum();
            long[] count = {0};
            long[] bytes = {0};
            long start = System.nanoTime();
            long lastRecord = start;
            long lastProgress = start;
            while (count[0] < expected) {
                int n = consumer.poll(Duration.ofMillis(100), (p, o, v) -> {
                    count[0]++;
                    bytes[0] += v == null ? 0 : v.length;
                });
                long now = System.nanoTime();
                if (n > 0) {
                    lastRecord = now;
                    lastProgress = now;
                } else if (now - lastProgress > TimeUnit.SECONDS.toNanos(30)) {
                    Bench.log("warning: consumer of " + topic + " stopped at " + count[0] + " of " + expected + " records (30 s without a record)");
                    break;
                }
            }
            return new ConsumeResult(count[0], bytes[0], (lastRecord - start) / 1e9, expected);
        }
    }

    // ------------------------------------------------------------------ end to end

    record E2eResult(long sent, long acked, long seen, double rate, Histogram latency) {}

    /**
     * A consumer on its own thread polls every partition from the end while a producer sends {@code size}-byte
     * records at {@code rate}/s for {@code seconds}; each record carries its scheduled send time
     * (System.nanoTime, same JVM), and the consumer records now minus that when it sees the record.
     */
    static E2eResult endToEnd(Driver d, String topic, int size, double rate, double seconds, Map<String, Object> producerConfigs)
            throws InterruptedException {
        Histogram latency = new Histogram();
        AtomicLong seen = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(1);
        AtomicReference<Throwable> consumerError = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            Map<String, Object> c = new HashMap<>();
            c.put("client.id", "bench-e2e-consumer");
            try (Driver.Consumer consumer = d.consumer(c)) {
                consumer.assignAll(topic);
                consumer.seekToEnd();
                ready.countDown();
                while (!stop.get()) {
                    consumer.poll(Duration.ofMillis(50), (p, o, v) -> {
                        long now = System.nanoTime();
                        latency.recordNanos(now - ByteBuffer.wrap(v).getLong());
                        seen.incrementAndGet();
                    });
                }
            } catch (Throwable t) {
                consumerError.set(t);
                ready.countDown();
            }
        }, "bench-e2e-consumer");
        reader.setDaemon(true);
        reader.start();
        if (!ready.await(60, TimeUnit.SECONDS) || consumerError.get() != null) {
            stop.set(true);
            throw new IllegalStateException("e2e consumer did not start: " + consumerError.get(), consumerError.get());
        }
        byte[] template = payload(size, 7);
        LongAdder acked = new LongAdder();
        long sent = 0;
        try (Driver.Producer p = d.producer(producerConfigs)) {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            double nsPerRecord = 1e9 / rate;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                long due = (long) ((now - start) / nsPerRecord) + 1;
                if (sent >= due) {
                    LockSupport.parkNanos(Math.max(1_000, start + (long) (sent * nsPerRecord) - now));
                    continue;
                }
                while (sent < due) {
                    long intended = start + (long) (sent * nsPerRecord);
                    byte[] v = template.clone();
                    ByteBuffer.wrap(v).putLong(intended);
                    p.send(topic, v, (offset, e) -> {
                        if (e == null) {
                            acked.increment();
                        }
                    });
                    sent++;
                }
            }
            p.flush();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen.get() < acked.sum() && System.nanoTime() < deadline) {
            Bench.sleep(20);
        }
        stop.set(true);
        reader.join(20_000);
        return new E2eResult(sent, acked.sum(), seen.get(), rate, latency);
    }

    // ------------------------------------------------------------------ failover

    /**
     * One failover run.
     *
     * @param gapMs          the longest gap between consecutive acknowledgements that ends after the kill
     *                       (and starts at most 1 s before it): how long producers saw no acknowledgement
     * @param maxGapMs       the longest gap between consecutive acknowledgements over the whole run
     * @param baselineGapMs  the longest gap before the kill
     * @param lost           acknowledged records not read back
     * @param duplicates     extra copies read back
     */
    record FailoverRun(String kind, int run, String victim, double killAtMs, double gapMs, double killToFirstAckMs,
                       double maxGapMs, double baselineGapMs, long sent, long acked, long failed, long lost, long duplicates,
                       String firstError) {}

    static byte[] seqValue(long seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(seq);
        return b.array();
    }

    /**
     * A fresh 1-partition, RF 3, min.insync.replicas=2 topic; one 100-byte record every {@code intervalMs}
     * (acks=all, idempotent, linger.ms=0); at {@code killAtMs} SIGKILL the partition leader's broker
     * ({@code kind = "broker"}) or the active controller ({@code "controller"}); {@code afterMs} more of
     * sending; then the victim is started again, the producer flushes, and the topic is read back.
     */
    static FailoverRun failover(BenchCluster cluster, String kind, int run, long killAtMs, long afterMs, int intervalMs) throws Exception {
        Driver d = cluster.driver();
        String topic = "failover-" + kind + "-" + run;
        d.createTopic(topic, 1, 3, Map.of("min.insync.replicas", "2"), Duration.ofSeconds(90));
        String victim = kind.equals("broker") ? "broker-" + d.leader(topic, 0) : cluster.activeController();
        Map<String, Object> configs = new HashMap<>();
        configs.put("client.id", "bench-failover-probe");
        configs.put("acks", "all");
        configs.put("enable.idempotence", "true");
        configs.put("linger.ms", "0");
        long intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        int n = (int) ((killAtMs + afterMs) / intervalMs);
        AtomicLongArray ackNs = new AtomicLongArray(n);
        AtomicReferenceArray<String> err = new AtomicReferenceArray<>(n);
        AtomicLong killNs = new AtomicLong(-1);
        AtomicReference<Throwable> killError = new AtomicReference<>();
        long start;
        try (Driver.Producer p = d.producer(configs)) {
            CompletableFuture<Long> warm = new CompletableFuture<>();
            p.send(topic, seqValue(-1, 100), (offset, e) -> {
                if (e != null) {
                    warm.completeExceptionally(e);
                } else {
                    warm.complete(offset);
                }
            });
            warm.get(60, TimeUnit.SECONDS); // metadata and producer id: t=0 is steady state
            start = System.nanoTime();
            final long t0 = start;
            Thread killer = new Thread(() -> {
                long at = t0 + TimeUnit.MILLISECONDS.toNanos(killAtMs);
                long now;
                while ((now = System.nanoTime()) < at) {
                    LockSupport.parkNanos(at - now);
                }
                try {
                    killNs.set(System.nanoTime());
                    cluster.kill(victim);
                } catch (Throwable t) {
                    killError.set(t);
                }
            }, "bench-killer");
            killer.start();
            for (int i = 0; i < n; i++) {
                long target = start + i * intervalNs;
                long now;
                while ((now = System.nanoTime()) < target) {
                    LockSupport.parkNanos(target - now);
                }
                final int seq = i;
                try {
                    p.send(topic, seqValue(seq, 100), (offset, e) -> {
                        ackNs.set(seq, System.nanoTime());
                        if (e != null) {
                            err.compareAndSet(seq, null, e.toString());
                        }
                    });
                } catch (RuntimeException e) {
                    ackNs.set(seq, System.nanoTime());
                    err.compareAndSet(seq, null, "send() threw " + e);
                }
            }
            killer.join(60_000);
            if (killError.get() != null) {
                throw new IllegalStateException("killing " + victim + " failed: " + killError.get(), killError.get());
            }
            cluster.restart(victim);
            p.flush();
        }
        cluster.awaitHealthy(Duration.ofSeconds(180));

        // read back
        int[] seen = new int[n];
        Map<String, Object> c = new HashMap<>();
        c.put("client.id", "bench-failover-reader");
        try (Driver.Consumer consumer = d.consumer(c)) {
            consumer.assignAll(topic);
            consumer.seekToBeginning();
            long end = consumer.endOffsets().values().stream().mapToLong(Long::longValue).sum();
            long[] next = {0};
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (next[0] < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200), (part, offset, v) -> {
                    next[0] = Math.max(next[0], offset + 1);
                    long s = ByteBuffer.wrap(v).getLong();
                    if (s >= 0 && s < n) {
                        seen[(int) s]++;
                    }
                });
            }
            if (next[0] < end) {
                Bench.log("warning: read back only up to offset " + next[0] + " of " + end + " in " + topic);
            }
        }

        double killMs = (killNs.get() - start) / 1e6;
        long acked = 0;
        long failed = 0;
        long lost = 0;
        long dups = 0;
        String firstError = null;
        double[] acks = new double[n];
        int na = 0;
        for (int i = 0; i < n; i++) {
            boolean ok = ackNs.get(i) != 0 && err.get(i) == null;
            if (ok) {
                acked++;
                acks[na++] = (ackNs.get(i) - start) / 1e6;
                if (seen[i] == 0) {
                    lost++;
                }
            } else if (err.get(i) != null) {
                failed++;
                if (firstError == null) {
                    firstError = err.get(i);
                }
            }
            if (seen[i] > 1) {
                dups += seen[i] - 1;
            }
        }
        double[] sorted = Arrays.copyOf(acks, na);
        Arrays.sort(sorted);
        double baseline = 0;
        double maxGap = 0;
        double gap = Double.NaN;
        double killToFirstAck = Double.NaN;
        for (int i = 1; i < sorted.length; i++) {
            double g = sorted[i] - sorted[i - 1];
            maxGap = Math.max(maxGap, g);
            if (sorted[i] < killMs) {
                baseline = Math.max(baseline, g);
            } else if (sorted[i - 1] >= killMs - 1000) {
                gap = Double.isNaN(gap) ? g : Math.max(gap, g);
            }
        }
        for (double t : sorted) {
            if (t > killMs) {
                killToFirstAck = t - killMs;
                break;
            }
        }
        return new FailoverRun(kind, run, victim, killMs, gap, killToFirstAck, maxGap, baseline, n, acked, failed, lost, dups,
                firstError);
    }

    static List<Integer> sizes(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }
}

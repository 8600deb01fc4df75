package io.fjord.broker;

import io.fjord.storage.StorageException;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The topics a standalone broker serves, persisted so they survive restarts.
 *
 * <p>Format: one file per topic, {@code <log.dirs>/__topics/<name>.properties}, holding
 * {@code topic.id}, {@code partitions} and {@code config.<key>} lines; written to a temp file,
 * fsynced and renamed, so a crash leaves either the old or the new file. Once controllers own
 * metadata (the metadata-quorum module), brokers take topics from the metadata image instead.
 *
 * <p>Threading: mutations are synchronized; readers get an immutable snapshot map.
 */
public final class TopicRegistry {

    /** A topic as the broker knows it. Configs hold only the topic's overrides. */
    public record Topic(String name, String topicId, int partitions, Map<String, String> configs) {}

    private final Path dir;
    private volatile SortedMap<String, Topic> topics;

    private TopicRegistry(Path dir, SortedMap<String, Topic> topics) {
        this.dir = dir;
        this.topics = topics;
    }

    public static TopicRegistry open(Path logDir) {
        Path dir = logDir.resolve("__topics");
        SortedMap<String, Topic> topics = new TreeMap<>();
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String fileName = f.getFileName().toString();
                    if (fileName.endsWith(".tmp")) {
                        Files.delete(f);
                    } else if (fileName.endsWith(".properties")) {
                        Topic t = read(f);
                        topics.put(t.name(), t);
                    }
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot load topics from " + dir + ": " + e.getMessage(), e);
        }
        return new TopicRegistry(dir, topics);
    }

    public Map<String, Topic> snapshot() {
        return Collections.unmodifiableSortedMap(topics);
    }

    public Topic get(String name) {
        return topics.get(name);
    }

    public synchronized Topic create(String name, int partitions, Map<String, String> configs) {
        Topic t = new Topic(name, UUID.randomUUID().toString(), partitions, Map.copyOf(configs));
        write(t);
        SortedMap<String, Topic> next = new TreeMap<>(topics);
        next.put(name, t);
        topics = next;
        return t;
    }

    public synchronized Topic update(Topic t) {
        write(t);
        SortedMap<String, Topic> next = new TreeMap<>(topics);
        next.put(t.name(), t);
        topics = next;
        return t;
    }

    public synchronized void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name + ".properties"));
            fsyncDir();
        } catch (IOException e) {
            throw new StorageException("cannot delete topic file for " + name + " in " + dir + ": " + e.getMessage(), e);
        }
        SortedMap<String, Topic> next = new TreeMap<>(topics);
        next.remove(name);
        topics = next;
    }

    private void write(Topic t) {
        Properties p = new Properties();
        p.setProperty("topic.name", t.name());
        p.setProperty("topic.id", t.topicId());
        p.setProperty("partitions", String.valueOf(t.partitions()));
        t.configs().forEach((k, v) -> p.setProperty("config." + k, v));
        Path target = dir.resolve(t.name() + ".properties");
        Path tmp = dir.resolve(t.name() + ".properties.tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "Fjord topic");
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir();
        } catch (IOException e) {
            throw new StorageException("cannot persist topic " + t.name() + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private void fsyncDir() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static Topic read(Path f) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("config.")) {
                configs.put(k.substring("config.".length()), p.getProperty(k));
            }
        }
        String name = p.getProperty("topic.name");
        String partitions = p.getProperty("partitions");
        if (name == null || partitions == null || p.getProperty("topic.id") == null) {
            throw new IOException("topic file " + f + " lacks topic.name, topic.id or partitions");
        }
        return new Topic(name, p.getProperty("topic.id"), Integer.parseInt(partitions), Map.copyOf(configs));
    }

    /** Kafka's topic-name rule: 1..249 of [a-zA-Z0-9._-], not "." or "..". Returns null when valid. */
    public static String invalidNameReason(String name) {
        if (name == null || name.isEmpty()) {
            return "topic name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "topic name cannot be '.' or '..'";
        }
        if (name.length() > 249) {
            return "topic name is longer than 249 characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return "topic name '" + name + "' contains '" + c + "'; allowed are ASCII letters, digits, '.', '_' and '-'";
            }
        }
        return null;
    }
}

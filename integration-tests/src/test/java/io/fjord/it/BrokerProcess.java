package io.fjord.it;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A broker running as a separate JVM, started from this test's classpath with
 * {@code io.fjord.deploy.Fjord broker}, so a test can SIGKILL it like a real crash.
 * The broker picks a free port (listeners=...:0) and writes it to {@code listener.port}.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path logDir;
    private final Path configFile;
    private final Path outputFile;
    private Process process;
    private int port = -1;

    public BrokerProcess(Path workDir, int nodeId, Map<String, String> extraConfig) throws IOException {
        this.logDir = workDir.resolve("broker-" + nodeId);
        Files.createDirectories(logDir);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("node.id", String.valueOf(nodeId));
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", logDir.toString());
        config.putAll(extraConfig);
        Properties p = new Properties();
        p.putAll(config);
        this.configFile = workDir.resolve("broker-" + nodeId + ".properties");
        try (var w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
            p.store(w, "test broker");
        }
        this.outputFile = workDir.resolve("broker-" + nodeId + ".out");
    }

    public BrokerProcess start() throws IOException {
        Files.deleteIfExists(logDir.resolve("listener.port"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dfjord.log.level=INFO");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.fjord.deploy.Fjord");
        cmd.add("broker");
        cmd.add("--config");
        cmd.add(configFile.toString());
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile())).start();
        Path portFile = logDir.resolve("listener.port");
        Awaitility.await("broker listening (log: " + outputFile + ")").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("broker exited with " + process.exitValue() + "; see " + outputFile
                                + ":\n" + Files.readString(outputFile));
                    }
                    return Files.exists(portFile);
                });
        port = Integer.parseInt(Files.readString(portFile).trim());
        return this;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public Path logDir() {
        return logDir;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not die after SIGKILL");
        }
    }

    /** SIGTERM: the broker shuts down cleanly. Returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("broker did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    public String output() throws IOException {
        return Files.exists(outputFile) ? Files.readString(outputFile) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}

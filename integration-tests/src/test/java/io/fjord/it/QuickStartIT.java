package io.fjord.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's quick start, as a new user runs it: the real {@code ./fjord} script and the built
 * distribution (deploy/target/fjord, made earlier in the same `mvn verify`), a broker from the
 * shipped config (with a free port and a temp dir instead of 9092 and /tmp), then topics create,
 * produce from stdin and consume.
 */
class QuickStartIT {
    @TempDir
    Path work;

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    record Result(int exit, String out, String err) {}

    private Result fjord(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("fjord").toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("FJORD_SKIP_BUILD", "1");
        Path out = work.resolve("out-" + System.nanoTime());
        Path err = work.resolve("err-" + System.nanoTime());
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fjord " + String.join(" ", args) + " finished");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void readmeQuickStartRoundTripsStdinLines() throws Exception {
        assertTrue(Files.isDirectory(ROOT.resolve("deploy/target/fjord/lib")), "the distribution was built by the deploy module");
        Path logs = work.resolve("logs");
        Process broker = new ProcessBuilder(ROOT.resolve("fjord").toString(), "broker", "--config", "deploy/config/broker.properties",
                "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + logs)
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("broker.out").toFile()).start();
        broker.toHandle(); // keep a handle for cleanup below
        try {
            Path portFile = logs.resolve("listener.port");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
                assertTrue(broker.isAlive(), () -> "broker died: " + read(work.resolve("broker.out")));
                return Files.exists(portFile);
            });
            String bootstrap = "127.0.0.1:" + Files.readString(portFile).trim();

            Result create = fjord(null, "topics", "create", "greetings", "--partitions", "3", "--replication-factor", "1", "--bootstrap", bootstrap);
            assertEquals(0, create.exit(), create.err());
            Result produce = fjord("hello\nworld\n", "produce", "--topic", "greetings", "--bootstrap", bootstrap);
            assertEquals(0, produce.exit(), produce.err());
            Result consume = fjord(null, "consume", "--topic", "greetings", "--from-beginning", "--max-messages", "2",
                    "--timeout-ms", "20000", "--bootstrap", bootstrap);
            assertEquals(0, consume.exit(), consume.err());
            Set<String> lines = new TreeSet<>(Arrays.asList(consume.out().strip().split("\n")));
            assertEquals(Set.of("hello", "world"), lines, consume.out());

            Result list = fjord(null, "topics", "list", "--bootstrap", bootstrap);
            assertEquals("greetings", list.out().strip());

            // Errors are one line and a non-zero exit code scripts can trust.
            Result missing = fjord(null, "topics", "describe", "nope", "--bootstrap", bootstrap);
            assertEquals(1, missing.exit());
            assertTrue(missing.err().startsWith("error: "), missing.err());
            assertEquals(1, missing.err().strip().lines().count(), missing.err());
            Result usage = fjord(null, "topics", "create", "x", "--partitions", "many", "--bootstrap", bootstrap);
            assertEquals(2, usage.exit(), usage.err());
        } finally {
            broker.destroy();
            assertTrue(broker.waitFor(60, TimeUnit.SECONDS), "broker stopped on SIGTERM");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}

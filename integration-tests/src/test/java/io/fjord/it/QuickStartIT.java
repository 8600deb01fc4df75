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
 * distribution (deploy/target/fjord, made earlier in the same `mvn verify`): `cluster up` (in a temp
 * dir instead of .fjord/cluster), then topics create, produce from stdin, consume, status, down.
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
        String dir = work.resolve("cluster").toString();
        try {
            Result up = fjord(null, "cluster", "up", "--dir", dir);
            assertEquals(0, up.exit(), up.err() + up.out());
            assertTrue(up.out().contains("Bootstrap: "), up.out());
            Result bootstrapCmd = fjord(null, "cluster", "bootstrap", "--dir", dir);
            assertEquals(0, bootstrapCmd.exit(), bootstrapCmd.err());
            String bootstrap = bootstrapCmd.out().strip();
            assertTrue(up.out().contains(bootstrap), up.out());

            Result create = fjord(null, "topics", "create", "greetings", "--partitions", "3", "--replication-factor", "3", "--bootstrap", bootstrap);
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
            Result describe = fjord(null, "topics", "describe", "greetings", "--bootstrap", bootstrap);
            assertEquals(0, describe.exit(), describe.err());
            assertTrue(describe.out().contains("ReplicationFactor: 3"), describe.out());

            Result status = fjord(null, "cluster", "status", "--dir", dir);
            assertEquals(0, status.exit(), status.err());
            assertTrue(status.out().contains("Active controller: controller-"), status.out());
            assertTrue(status.out().contains("Partitions: 3 total, 0 offline, 0 under-replicated"), status.out());

            // Errors are one line and a non-zero exit code scripts can trust.
            Result missing = fjord(null, "topics", "describe", "nope", "--bootstrap", bootstrap);
            assertEquals(1, missing.exit());
            assertTrue(missing.err().startsWith("error: "), missing.err());
            assertEquals(1, missing.err().strip().lines().count(), missing.err());
            Result usage = fjord(null, "topics", "create", "x", "--partitions", "many", "--bootstrap", bootstrap);
            assertEquals(2, usage.exit(), usage.err());
            Result tooMany = fjord(null, "topics", "create", "big", "--partitions", "1", "--replication-factor", "4", "--bootstrap", bootstrap);
            assertEquals(1, tooMany.exit(), tooMany.err());
            assertTrue(tooMany.err().contains("replication factor"), tooMany.err());
            Result badNode = fjord(null, "cluster", "kill", "broker-9", "--dir", dir);
            assertEquals(1, badNode.exit(), badNode.err());
        } finally {
            Result down = fjord(null, "cluster", "down", "--dir", dir);
            assertEquals(0, down.exit(), down.err());
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

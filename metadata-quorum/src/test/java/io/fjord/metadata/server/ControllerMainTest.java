package io.fjord.metadata.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ControllerMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ControllerMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpAndUsageErrors() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("fjord controller --config FILE"));
        assertEquals(2, run());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--config FILE is required"));
        assertEquals(2, run("--bogus"));
    }

    @Test
    void configErrorsNameTheKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("controller.properties");
        Files.writeString(file, "node.id=1\ncontroller.quorum.voters=1@127.0.0.1:1\nmetadata.log.dirz=/tmp/x\n");
        assertEquals(1, run("--config", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'metadata.log.dirz'"), err.toString(StandardCharsets.UTF_8));
        assertEquals(1, run("--config", dir.resolve("missing").toString()));
    }
}

package io.fjord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CliUsageTest {
    private static void assertUsageError(CliRun r, String message, String helpCommand) {
        assertEquals(2, r.exitCode(), r.toString());
        String[] lines = r.err().split("\\R");
        assertEquals(2, lines.length, r.toString());
        assertTrue(lines[0].startsWith("error: ") && lines[0].contains(message), r.toString());
        assertEquals("Run '" + helpCommand + " --help' for usage.", lines[1]);
        assertEquals("", r.out());
    }

    @Test
    void missingAndUnknownCommands() {
        assertUsageError(CliRun.run(), "missing command", "fjord");
        assertUsageError(CliRun.run("frobnicate"), "unknown command 'frobnicate'", "fjord");
        assertUsageError(CliRun.run("topics"), "missing topics command", "fjord topics");
        assertUsageError(CliRun.run("topics", "rename", "x"), "unknown topics command 'rename'", "fjord topics");
        assertUsageError(CliRun.run("perf"), "missing perf command", "fjord perf");
        assertUsageError(CliRun.run("perf", "fetch"), "unknown perf command 'fetch'", "fjord perf");
    }

    @Test
    void unknownOptionsMissingOptionsAndBadNumbers() {
        assertUsageError(CliRun.run("topics", "create", "t", "--partitons", "3"), "unknown option '--partitons'",
                "fjord topics create");
        assertUsageError(CliRun.run("topics", "create", "t", "--partitions", "three"),
                "invalid value 'three' for --partitions: expected an integer", "fjord topics create");
        assertUsageError(CliRun.run("topics", "create", "t", "--partitions", "0"), "must be at least 1", "fjord topics create");
        assertUsageError(CliRun.run("topics", "create"), "missing topic name", "fjord topics create");
        assertUsageError(CliRun.run("topics", "create", "t", "--partitions"), "--partitions needs a value",
                "fjord topics create");
        assertUsageError(CliRun.run("topics", "create", "t", "--config", "retention"), "expected key=value",
                "fjord topics create");
        assertUsageError(CliRun.run("topics", "delete", "a", "b"), "unexpected argument 'b'", "fjord topics delete");
        assertUsageError(CliRun.run("produce"), "missing required option --topic", "fjord produce");
        assertUsageError(CliRun.run("produce", "--topic", "t", "--property", "color=blue"), "unknown --property 'color'",
                "fjord produce");
        assertUsageError(CliRun.run("consume", "--topic", "t", "--offset", "5"), "--offset N needs --partition",
                "fjord consume");
        assertUsageError(CliRun.run("consume", "--topic", "t", "--offset", "earliest", "--from-beginning"),
                "cannot be used together", "fjord consume");
        assertUsageError(CliRun.run("consume", "--topic", "t", "--max-messages", "-3"), "must be at least 1", "fjord consume");
        assertUsageError(CliRun.run("consume", "--topic", "t", "--print-key=yes"), "--print-key takes no value",
                "fjord consume");
        assertUsageError(CliRun.run("perf", "produce", "--topic", "t", "--num-records", "10"),
                "give exactly one of --record-size and --payload-file", "fjord perf produce");
        assertUsageError(CliRun.run("perf", "produce", "--topic", "t", "--num-records", "10", "--record-size", "10",
                "--payload-file", "f.txt"), "give exactly one of --record-size and --payload-file", "fjord perf produce");
        assertUsageError(CliRun.run("perf", "produce", "--topic", "t", "--num-records", "10", "--record-size", "10",
                "--throughput", "0"), "--throughput", "fjord perf produce");
        assertUsageError(CliRun.run("perf", "consume", "--topic", "t"), "missing required option --messages",
                "fjord perf consume");
    }

    @Test
    void helpPrintsUsageToStdoutAndExitsZero() {
        for (List<String> args : List.of(List.of("--help"), List.of("topics", "--help"), List.of("topics", "create", "--help"),
                List.of("produce", "--help"), List.of("consume", "-h"), List.of("perf", "--help"),
                List.of("perf", "produce", "--help"), List.of("perf", "consume", "--help"))) {
            CliRun r = CliRun.run(args.toArray(new String[0]));
            assertEquals(0, r.exitCode(), args + ": " + r);
            assertTrue(r.out().startsWith("Usage: fjord"), args + ": " + r);
            assertEquals("", r.err());
        }
        assertTrue(CliRun.run("consume", "--help").out().contains("--bootstrap HOST:PORT[,HOST:PORT]"));
        assertTrue(CliRun.run("produce", "--help").out().contains("--producer-props k=v ..."));
    }

    @Test
    void argumentParserForms() throws Exception {
        CliArgs spec = new CliArgs("fjord x").value("--a", "N", "").flag("--f", "").list("--l", "k=v", "", "--ll");
        CliArgs.Parsed p = spec.parse(List.of("pos", "--a=1", "--l", "x=1", "y=2", "--f", "--ll", "z=3", "--a", "2"));
        assertEquals(List.of("pos"), p.positional);
        assertEquals("2", p.get("--a"), "the last occurrence wins");
        assertTrue(p.has("--f"));
        assertEquals(List.of("x=1", "y=2", "z=3"), p.all("--l"));
        assertEquals("3", p.keyValues("--l").get("z"));
    }

    @Test
    void unreachableBrokerIsAFailureNotAUsageError() {
        CliRun r = CliRun.run("topics", "list", "--bootstrap", "127.0.0.1:1", "--timeout-ms", "300");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        assertTrue(r.err().contains("127.0.0.1:1"), r.toString());
        assertEquals(1, r.err().split("\\R").length, "one line, no stack trace: " + r);
    }
}

package io.fjord.metadata.common;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line every Fjord server process takes: {@code --config FILE [--override key=value ...]}
 * and {@code --help}. Parses, or says in one line what is wrong and which exit code to use
 * (2 for usage errors, 1 for a missing file), as the CLI's conventions require.
 */
public final class ServerCommandLine {
    /** The parsed arguments, or an exit code to return at once (help shown, or an error reported). */
    public record Parsed(Path configFile, Map<String, String> overrides, int exitCode) {
        public boolean shouldExit() {
            return exitCode >= 0;
        }
    }

    private ServerCommandLine() {}

    /**
     * @param command the command's name for messages, e.g. "fjord broker"
     * @param role what the config file configures, e.g. "broker"
     */
    public static Parsed parse(String[] args, String command, String role, String usage, PrintStream out, PrintStream err) {
        Path configFile = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.print(usage);
                    return new Parsed(null, overrides, 0);
                }
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, command, "--config needs a file");
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--override" -> {
                    if (i + 1 >= args.length || !args[i + 1].contains("=")) {
                        return usage(err, command, "--override needs key=value");
                    }
                    String kv = args[++i];
                    overrides.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
                }
                default -> {
                    return usage(err, command, "unknown option '" + a + "'");
                }
            }
        }
        if (configFile == null) {
            return usage(err, command, "--config FILE is required");
        }
        if (!Files.isRegularFile(configFile)) {
            err.println("error: " + role + " config file " + configFile + " does not exist");
            return new Parsed(null, overrides, 1);
        }
        return new Parsed(configFile, overrides, -1);
    }

    private static Parsed usage(PrintStream err, String command, String msg) {
        err.println("error: " + msg + " (run '" + command + " --help' for usage)");
        return new Parsed(null, Map.of(), 2);
    }
}

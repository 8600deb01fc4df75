package io.fjord.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** Where a command reads and writes. */
record CliContext(PrintStream out, PrintStream err, InputStream in) {
    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    /** Adds the options every command takes. */
    static CliArgs withCommonOptions(CliArgs args) {
        return args.value("--bootstrap", "HOST:PORT[,HOST:PORT]", "brokers to connect to (default " + DEFAULT_BOOTSTRAP + ")",
                "--bootstrap-server");
    }

    static String bootstrap(CliArgs.Parsed p) {
        return p.get("--bootstrap", DEFAULT_BOOTSTRAP);
    }
}

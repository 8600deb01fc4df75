package io.fjord.deploy;

import io.fjord.broker.BrokerMain;
import io.fjord.cli.ClientCli;
import io.fjord.deploy.cluster.ClusterCommand;
import io.fjord.metadata.server.ControllerMain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import java.io.PrintStream;
import java.util.Arrays;

/** The {@code fjord} command: routes a subcommand to the program that serves it. */
public final class Fjord {
    private Fjord() {}

    static final String USAGE = """
            Usage: fjord COMMAND [ARGS...]   (each command takes --help)

            Servers:
              controller --config FILE        run a controller (a Raft voter of the metadata quorum) in the foreground
              broker --config FILE            run a broker in the foreground
            Local cluster:
              cluster up|status|kill|stop|start|down   run a cluster of separate processes on this machine
            Tools (each takes --bootstrap host:port[,host:port], default 127.0.0.1:9092):
              topics create|list|describe|delete   manage topics
              produce --topic T               send stdin lines as records
              consume --topic T               print records
              perf produce|consume            measure throughput and latency
            """;

    /** Server processes route java.util.logging (Ratis's bundled gRPC) to SLF4J and record their pid. */
    private static void serverProcess() {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        String pidFile = System.getenv("FJORD_PID_FILE");
        if (pidFile != null && !pidFile.isBlank()) {
            try {
                Path tmp = Path.of(pidFile + ".tmp");
                Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
                Files.move(tmp, Path.of(pidFile), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("warning: cannot write pid file " + pidFile + ": " + e.getMessage());
            }
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String cmd = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "broker":
                serverProcess();
                return BrokerMain.run(rest, out, err);
            case "controller":
                serverProcess();
                return ControllerMain.run(rest, out, err);
            case "cluster":
                return ClusterCommand.run(rest, out, err);
            case "topics":
            case "produce":
            case "consume":
            case "perf":
                return ClientCli.run(args, out, err, System.in);
            default:
                err.println("error: unknown command '" + cmd + "' (run 'fjord --help' for the commands)");
                return 2;
        }
    }
}

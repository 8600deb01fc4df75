package io.fjord.metadata.server;

import io.fjord.metadata.common.ConfigException;
import io.fjord.metadata.common.Time;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code fjord controller --config FILE [--override key=value ...]}: runs one controller in the
 * foreground until SIGTERM/SIGINT, then closes it cleanly (streams ended, Raft server closed).
 */
public final class ControllerMain {
    private ControllerMain() {}

    static final String USAGE = """
            Usage: fjord controller --config FILE [--override key=value ...]

            Runs one Fjord controller (a member of the metadata quorum) in the foreground until SIGTERM or Ctrl-C.
              --config FILE        controller settings, Java properties with Kafka's names
                                   (node.id, controller.quorum.voters, listeners, metadata.log.dir, ...)
              --override k=v       set one setting, overriding the file (repeatable)
            """;

    public static void main(String[] args) {
        // Ratis's shaded gRPC logs through java.util.logging; send it where everything else goes.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        int rc = run(args, System.out, System.err);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /** Runs the controller; returns only on failure to start (exit code) or after shutdown (0). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        io.fjord.metadata.common.ServerCommandLine.Parsed cl =
                io.fjord.metadata.common.ServerCommandLine.parse(args, "fjord controller", "controller", USAGE, out, err);
        if (cl.shouldExit()) {
            return cl.exitCode();
        }
        Path configFile = cl.configFile();
        Map<String, String> overrides = cl.overrides();
        ControllerServer server;
        try {
            server = new ControllerServer(ControllerConfig.load(configFile, overrides), Time.SYSTEM);
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        try {
            server.start();
        } catch (Exception e) {
            server.close();
            err.println("error: controller failed to start: " + e.getMessage());
            if (System.getenv("FJORD_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
        out.println("Fjord controller " + server.nodeId() + " listening on " + server.config().listenerHost() + ":" + server.port()
                + " (raft " + server.config().voters().get(server.nodeId()) + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        ControllerServer running = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "fjord-controller-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

}

package io.fjord.broker;

import io.fjord.storage.ConfigException;
import io.fjord.storage.Time;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code fjord broker --config FILE [--override key=value ...]}: runs one broker in the foreground
 * until SIGTERM/SIGINT, then shuts down cleanly (waits for in-flight calls, closes logs).
 */
public final class BrokerMain {
    private BrokerMain() {}

    static final String USAGE = """
            Usage: fjord broker --config FILE [--override key=value ...]

            Runs one Fjord broker in the foreground until SIGTERM or Ctrl-C.
              --config FILE        broker settings, Java properties with Kafka's names (see README, Configuration)
              --override k=v       set one setting, overriding the file (repeatable)
            """;

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /** Runs the broker; returns only on failure to start (exit code) or after shutdown (0). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        io.fjord.metadata.common.ServerCommandLine.Parsed cl =
                io.fjord.metadata.common.ServerCommandLine.parse(args, "fjord broker", "broker", USAGE, out, err);
        if (cl.shouldExit()) {
            return cl.exitCode();
        }
        Path configFile = cl.configFile();
        Map<String, String> overrides = cl.overrides();
        BrokerServer broker;
        try {
            BrokerConfig config = BrokerConfig.load(configFile, overrides);
            broker = new BrokerServer(config, Time.SYSTEM);
            broker.start();
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("error: broker failed to start: " + e.getMessage());
            if (System.getenv("FJORD_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
        String refusal = awaitRegistration(broker);
        if (refusal != null) {
            err.println("error: the controllers refused broker registration: " + refusal);
            broker.close();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        BrokerServer running = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "fjord-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Waits (up to 30 s) for the first registration answer. A refusal that retrying cannot fix (the
     * node id is held by another live broker) ends the process with that message; unreachable
     * controllers are not a refusal: the broker keeps trying in the background, as Kafka's does.
     */
    private static String awaitRegistration(BrokerServer broker) {
        var lm = broker.lifecycle();
        if (lm == null) {
            return null;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && lm.brokerEpoch() < 0) {
            String e = lm.lastRegistrationError();
            if (e != null && e.startsWith("DUPLICATE_BROKER_REGISTRATION")) {
                return e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

}

package io.fjord.cli;

import io.fjord.clients.common.errors.FjordException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The user commands {@code fjord topics|produce|consume|perf}. The launcher passes the arguments
 * starting at the command name.
 *
 * <p>Exit codes: 0 success, 1 failure (one line on stderr starting with "error: "), 2 usage error
 * (unknown command or option, missing required option, bad number; followed by a hint to run
 * --help). Stack traces only with FJORD_DEBUG=1 in the environment.
 */
public final class ClientCli {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: fjord <command> [options]",
            "",
            "Commands:",
            "  topics create|list|describe|delete|alter   manage topics",
            "  produce --topic T                          send stdin lines as records",
            "  consume --topic T                          print records to stdout",
            "  perf produce|consume --topic T ...         measure throughput and latency",
            "",
            "Every command takes --bootstrap HOST:PORT[,HOST:PORT] (default 127.0.0.1:9092) and --help.",
            "");

    private ClientCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.in));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
        CliContext ctx = new CliContext(out, err, in);
        try {
            if (args.length == 0) {
                throw new UsageException("fjord", "missing command: expected topics, produce, consume or perf");
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            switch (args[0]) {
                case "-h":
                case "--help":
                case "help":
                    out.print(USAGE);
                    return 0;
                case "topics":
                    return new TopicsCommand(ctx).run(rest);
                case "produce":
                    return new ProduceCommand(ctx).run(rest);
                case "consume":
                    return new ConsumeCommand(ctx).run(rest);
                case "perf":
                    return perf(ctx, rest);
                default:
                    throw new UsageException("fjord", "unknown command '" + args[0] + "'");
            }
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("Run '" + e.command() + " --help' for usage.");
            return 2;
        } catch (Exception | LinkageError e) {
            err.println("error: " + describe(e));
            if ("1".equals(System.getenv("FJORD_DEBUG"))) {
                e.printStackTrace(err);
            }
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static final String PERF_USAGE = String.join(System.lineSeparator(),
            "Usage: fjord perf produce --topic T --num-records N (--record-size B | --payload-file F) [--throughput R] [--producer-props k=v ...]",
            "       fjord perf consume --topic T --messages N [--timeout-ms MS] [--consumer-props k=v ...]",
            "Run 'fjord perf produce --help' or 'fjord perf consume --help' for the options.",
            "");

    private static int perf(CliContext ctx, List<String> args) throws Exception {
        if (args.isEmpty()) {
            throw new UsageException("fjord perf", "missing perf command: expected produce or consume");
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.get(0)) {
            case "-h":
            case "--help":
                ctx.out().print(PERF_USAGE);
                return 0;
            case "produce":
                return new PerfProduceCommand(ctx).run(rest);
            case "consume":
                return new PerfConsumeCommand(ctx).run(rest);
            default:
                throw new UsageException("fjord perf", "unknown perf command '" + args.get(0) + "'");
        }
    }

    /** The message a person needs: the client exceptions already say what to do; others get their type. */
    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof FjordException || t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
            return t.getMessage();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}

package io.fjord.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small option parser: {@code --name value}, {@code --name=value}, flags, repeatable options and
 * list options that take every following word up to the next option (as Kafka's
 * {@code --producer-props a=1 b=2}). Anything else is positional. Errors are UsageExceptions.
 */
final class CliArgs {
    enum Kind { FLAG, VALUE, LIST }

    record Option(String name, List<String> aliases, Kind kind, String valueName, String help) {}

    private final String command;
    private final Map<String, Option> byName = new LinkedHashMap<>();
    private final List<Option> options = new ArrayList<>();

    /** @param command the command path for messages, e.g. "fjord consume" */
    CliArgs(String command) {
        this.command = command;
    }

    CliArgs flag(String name, String help, String... aliases) {
        return add(new Option(name, List.of(aliases), Kind.FLAG, null, help));
    }

    CliArgs value(String name, String valueName, String help, String... aliases) {
        return add(new Option(name, List.of(aliases), Kind.VALUE, valueName, help));
    }

    CliArgs list(String name, String valueName, String help, String... aliases) {
        return add(new Option(name, List.of(aliases), Kind.LIST, valueName, help));
    }

    private CliArgs add(Option o) {
        options.add(o);
        byName.put(o.name, o);
        o.aliases.forEach(a -> byName.put(a, o));
        return this;
    }

    String command() {
        return command;
    }

    /** The options block of a usage text, one per line. */
    String optionsHelp() {
        StringBuilder sb = new StringBuilder();
        for (Option o : options) {
            String left = "  " + o.name + (o.kind == Kind.FLAG ? "" : " " + o.valueName + (o.kind == Kind.LIST ? " ..." : ""));
            sb.append(String.format(Locale.ROOT, "%-34s %s%n", left, o.help));
            if (!o.aliases.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "%-34s (also %s)%n", "", String.join(", ", o.aliases)));
            }
        }
        sb.append(String.format(Locale.ROOT, "%-34s %s%n", "  --help", "print this help"));
        return sb.toString();
    }

    Parsed parse(List<String> args) throws UsageException {
        Parsed p = new Parsed(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                p.help = true;
                continue;
            }
            if (!arg.startsWith("--") || arg.equals("--")) {
                p.positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            String inline = eq > 0 ? arg.substring(eq + 1) : null;
            Option o = byName.get(name);
            if (o == null) {
                throw new UsageException(command, "unknown option '" + name + "' for '" + command + "'");
            }
            List<String> values = p.values.computeIfAbsent(o.name, k -> new ArrayList<>());
            switch (o.kind) {
                case FLAG:
                    if (inline != null) {
                        throw new UsageException(command, "option " + o.name + " takes no value");
                    }
                    values.add("true");
                    break;
                case VALUE:
                    if (inline == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(command, "option " + o.name + " needs a value (" + o.valueName + ")");
                        }
                        inline = args.get(++i);
                    }
                    values.add(inline);
                    break;
                case LIST:
                    if (inline != null) {
                        values.add(inline);
                    } else if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException(command, "option " + o.name + " needs a value (" + o.valueName + ")");
                    }
                    while (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                        values.add(args.get(++i));
                    }
                    break;
                default:
                    throw new IllegalStateException();
            }
        }
        return p;
    }

    /** The result of parsing one command line. */
    static final class Parsed {
        private final String command;
        final List<String> positional = new ArrayList<>();
        final Map<String, List<String>> values = new HashMap<>();
        boolean help;

        Parsed(String command) {
            this.command = command;
        }

        String command() {
            return command;
        }

        boolean has(String name) {
            return values.containsKey(name);
        }

        /** The last value given (a later repetition overrides an earlier one), or null. */
        String get(String name) {
            List<String> v = values.get(name);
            return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
        }

        String get(String name, String defaultValue) {
            String v = get(name);
            return v != null ? v : defaultValue;
        }

        String require(String name) throws UsageException {
            String v = get(name);
            if (v == null) {
                throw new UsageException(command, "missing required option " + name);
            }
            return v;
        }

        List<String> all(String name) {
            return values.getOrDefault(name, List.of());
        }

        long getLong(String name, long defaultValue, long min) throws UsageException {
            String v = get(name);
            if (v == null) {
                return defaultValue;
            }
            long n;
            try {
                n = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException(command, "invalid value '" + v + "' for " + name + ": expected an integer");
            }
            if (n < min) {
                throw new UsageException(command, "invalid value '" + v + "' for " + name + ": must be at least " + min);
            }
            return n;
        }

        int getInt(String name, int defaultValue, int min) throws UsageException {
            long n = getLong(name, defaultValue, min);
            if (n > Integer.MAX_VALUE) {
                throw new UsageException(command, "invalid value '" + get(name) + "' for " + name + ": too large");
            }
            return (int) n;
        }

        long requireLong(String name, long min) throws UsageException {
            require(name);
            return getLong(name, 0, min);
        }

        /** Parses k=v words (from every occurrence of the option) into a map, in order. */
        Map<String, String> keyValues(String name) throws UsageException {
            Map<String, String> out = new LinkedHashMap<>();
            for (String kv : all(name)) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException(command, "invalid value '" + kv + "' for " + name + ": expected key=value");
                }
                out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
            }
            return out;
        }

        /** At most one positional argument, or the value of an option that may stand in for it. */
        String single(String what, String optionAlternative) throws UsageException {
            if (positional.size() > 1) {
                throw new UsageException(command, "unexpected argument '" + positional.get(1) + "'");
            }
            String fromOption = optionAlternative == null ? null : get(optionAlternative);
            if (!positional.isEmpty() && fromOption != null && !fromOption.equals(positional.get(0))) {
                throw new UsageException(command, what + " given twice: '" + positional.get(0) + "' and '" + fromOption + "'");
            }
            return !positional.isEmpty() ? positional.get(0) : fromOption;
        }

        void noPositional() throws UsageException {
            if (!positional.isEmpty()) {
                throw new UsageException(command, "unexpected argument '" + positional.get(0) + "'");
            }
        }
    }
}

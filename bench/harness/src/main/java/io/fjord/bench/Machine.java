package io.fjord.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the report says about the machine: cores, memory, CPU model, kernel, Java, free disk. */
record Machine(int cores, double memGiB, String cpuModel, String kernel, String javaVersion, double diskFreeGiB) {

    static Machine describe(Path workDir) {
        double mem = Double.NaN;
        String model = "unknown";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    mem = Long.parseLong(l.split("\\s+")[1]) / 1024.0 / 1024.0;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    model = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave unknown
        }
        double free = Double.NaN;
        try {
            free = Files.getFileStore(workDir).getUsableSpace() / (1024.0 * 1024 * 1024);
        } catch (IOException e) {
            // unknown
        }
        return new Machine(Runtime.getRuntime().availableProcessors(), mem, model,
                System.getProperty("os.name") + " " + System.getProperty("os.version"), probeJavaVersion(), free);
    }

    String oneLine() {
        return cores + " cores (" + cpuModel + "), " + Math.round(memGiB) + " GiB, " + kernel + ", " + javaVersion.lines().findFirst().orElse("");
    }

    /** {@code java -version} of the JVM that runs every node, first two lines. */
    private static String probeJavaVersion() {
        Bench.Result r = command(List.of(Bench.java(), "-version"));
        return r.exit() == 0 ? String.join("; ", r.output().lines().limit(2).toList()) : System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version");
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The commit of the work tree, and whether tracked files differ from it. */
    static String commit(Path root) {
        Bench.Result head = command(List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"));
        if (head.exit() != 0) {
            return "unknown commit";
        }
        Bench.Result dirty = command(List.of("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no"));
        return "commit " + head.output().trim() + (dirty.exit() == 0 && !dirty.output().isBlank() ? " plus uncommitted changes" : "");
    }

    static Bench.Result command(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Bench.Result(-1, out);
            }
            return new Bench.Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Bench.Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Bench.Result(-1, e.toString());
        }
    }
}

package io.fjord.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the harness: progress lines, sleeping, free ports, child processes, files. */
final class Bench {
    private Bench() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    static volatile PrintStream log = System.out;

    static void log(String msg) {
        log.println("[" + LocalTime.now().format(TIME) + "] " + msg);
        log.flush();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code n} distinct free loopback ports (each held open until all are chosen). */
    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        int[] out = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                held.add(s);
                out[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return out;
    }

    record Result(int exit, String output) {}

    /** Runs a command to completion (output to {@code logFile} and returned), killing it after {@code timeout}. */
    static Result run(List<String> cmd, Map<String, String> env, Path logFile, long timeoutMs) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        long before = Files.exists(logFile) ? Files.size(logFile) : 0;
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeoutMs + " ms: " + String.join(" ", cmd) + "\n" + tail(logFile, 30));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
        byte[] all = Files.readAllBytes(logFile);
        String out = new String(all, (int) Math.min(before, all.length), (int) Math.max(0, all.length - before), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), out);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** SIGKILL and wait until the process is gone (at most 30 s). */
    static void killAndWait(ProcessHandle h) {
        h.destroyForcibly();
        try {
            h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (h.isAlive()) {
                throw new IllegalStateException("pid " + h.pid() + " still alive 30 s after SIGKILL");
            }
        }
    }

    /** SIGTERM, wait up to {@code timeoutMs}, then SIGKILL. */
    static void stopAndWait(ProcessHandle h, long timeoutMs) {
        if (!h.isAlive()) {
            return;
        }
        h.destroy();
        try {
            h.onExit().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            killAndWait(h);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log("warning: could not delete " + dir + ": " + e.getMessage());
        }
    }
}

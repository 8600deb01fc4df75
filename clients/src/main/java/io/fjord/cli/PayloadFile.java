package io.fjord.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Payloads for {@code perf produce --payload-file}: the file's entries between delimiters, as Kafka's tool reads them. */
final class PayloadFile {
    private PayloadFile() {}

    static List<byte[]> read(Path file, String delimiter) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --payload-file " + file + ": " + e.getMessage());
        }
        List<byte[]> out = new ArrayList<>();
        for (String entry : text.split(Pattern.quote(delimiter))) {
            if (!entry.isEmpty()) {
                out.add(entry.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--payload-file " + file + " holds no payloads (delimiter " + printable(delimiter) + ")");
        }
        return out;
    }

    private static String printable(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}

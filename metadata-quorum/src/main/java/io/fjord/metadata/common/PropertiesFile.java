package io.fjord.metadata.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Reads a server's Java-properties config file and lays command-line overrides on top. */
public final class PropertiesFile {
    private PropertiesFile() {}

    /** Keys and trimmed values of {@code file}, then {@code overrides}; the caller validates them. */
    public static Map<String, String> read(Path file, Map<String, String> overrides) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> raw = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> raw.put(k, p.getProperty(k).trim()));
        raw.putAll(overrides);
        return raw;
    }
}

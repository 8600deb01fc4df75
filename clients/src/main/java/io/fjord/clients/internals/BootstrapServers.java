package io.fjord.clients.internals;

import io.fjord.clients.common.Node;
import io.fjord.clients.common.errors.ConfigException;
import java.util.ArrayList;
import java.util.List;

/** Parses bootstrap.servers ("host:port,host:port", IPv6 as "[::1]:9092") into placeholder nodes -1, -2, ... */
public final class BootstrapServers {
    private BootstrapServers() {}

    public static List<Node> parse(List<String> entries) {
        List<Node> nodes = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            String host = colon > 0 ? entry.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new ConfigException("Invalid entry '" + entry + "' in bootstrap.servers: expected host:port,"
                        + " for example 127.0.0.1:9092.");
            }
            nodes.add(new Node(-(nodes.size() + 1), host, port));
        }
        if (nodes.isEmpty()) {
            throw new ConfigException("bootstrap.servers lists no broker: give at least one host:port.");
        }
        return List.copyOf(nodes);
    }
}

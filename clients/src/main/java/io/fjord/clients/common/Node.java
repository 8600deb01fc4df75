package io.fjord.clients.common;

import java.util.Objects;

/**
 * A broker as clients see it. Bootstrap addresses, whose ids are not known yet, get negative ids
 * (-1, -2, ...) as in Kafka.
 *
 * @param rack empty when the broker has none
 */
public record Node(int id, String host, int port, String rack) {
    public Node {
        Objects.requireNonNull(host, "host");
        rack = rack == null ? "" : rack;
    }

    public Node(int id, String host, int port) {
        this(id, host, port, "");
    }

    /** host:port, the key under which a connection is kept. */
    public String address() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public String toString() {
        return "broker " + id + " (" + address() + ")";
    }
}

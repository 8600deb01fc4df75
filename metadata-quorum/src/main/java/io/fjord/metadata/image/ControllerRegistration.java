package io.fjord.metadata.image;

/** A controller's API endpoint (its ControllerService listener, not its Raft address). */
public record ControllerRegistration(int id, String host, int port) {
    public String hostPort() {
        return host + ":" + port;
    }
}

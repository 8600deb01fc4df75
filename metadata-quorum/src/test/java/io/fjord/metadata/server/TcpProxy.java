package io.fjord.metadata.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy to one upstream address, for breaking real connections in tests: {@link
 * #resetConnections} closes every proxied connection on both sides with a TCP reset, as a crashed
 * peer's kernel or a middlebox would, while new connections keep working.
 */
public final class TcpProxy implements AutoCloseable {
    private final String upstreamHost;
    private final int upstreamPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public TcpProxy(String upstream) {
        int colon = upstream.lastIndexOf(':');
        this.upstreamHost = upstream.substring(0, colon);
        this.upstreamPort = Integer.parseInt(upstream.substring(colon + 1));
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** host:port to connect to instead of the upstream. */
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket up;
                try {
                    up = new Socket(upstreamHost, upstreamPort);
                } catch (IOException e) {
                    reset(client);
                    continue;
                }
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(up);
                pump(client, up);
                pump(up, client);
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side went away
            } finally {
                reset(from);
                reset(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Connections currently proxied (each is a client side and an upstream side). */
    public int openConnections() {
        return sockets.size() / 2;
    }

    /** Resets every proxied connection (both sides get a TCP RST); the proxy keeps accepting new ones. */
    public int resetConnections() {
        int n = 0;
        for (Socket s : sockets) {
            reset(s);
            n++;
        }
        return n / 2;
    }

    private void reset(Socket s) {
        sockets.remove(s);
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        resetConnections();
    }
}

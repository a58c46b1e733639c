package io.vendstream.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server standing in for an operator's webhook: it records every POST it receives
 * (Idempotency-Key header and body) and answers 204. It can be stopped and started again on the
 * same port, as a receiver that goes down and comes back.
 */
final class WebhookReceiver implements AutoCloseable {

    record Call(String idempotencyKey, String contentType, String body) {
    }

    private final int port;
    private final List<Call> calls = new ArrayList<>();
    private HttpServer server;

    WebhookReceiver(int port) {
        this.port = port;
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hooks/vendstream";
    }

    synchronized WebhookReceiver start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/hooks/vendstream", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if ("POST".equals(exchange.getRequestMethod())) {
                    record(new Call(exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                            exchange.getRequestHeaders().getFirst("Content-Type"), body));
                    exchange.sendResponseHeaders(204, -1);
                } else {
                    exchange.sendResponseHeaders(405, -1);
                }
            } finally {
                exchange.close();
            }
        });
        server.start();
        return this;
    }

    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    private synchronized void record(Call call) {
        calls.add(call);
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void close() {
        stop();
    }
}

package io.vendstream.http;

import java.util.Optional;
import java.util.function.Consumer;

import io.vendstream.config.Settings;
import io.vendstream.ingest.ChangeFeed;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/stream}: the shared {@link ChangeFeed} as server-sent events
 * ({@code text/event-stream}), for the dashboard and the restock view.
 *
 * <p>Served by a handler on the platform-http server's Vert.x router rather than by a Camel route:
 * Camel 4.18's platform-http writes a streamed response body only when the exchange completes
 * (CAMEL-23804, fixed after 4.18), so an endless stream would never reach the browser. The handler
 * is added to the router Camel binds in the registry for the server's port
 * ({@code VertxPlatformHttpRouter.getRouterNameFromPort})
 * after the server started, so {@link AccessGate}, which Camel put first on {@code /*}, has already
 * checked the caller (a viewer or an operator, as for every GET) and set the security headers.
 * The operation is in the API contract with {@code x-vendstream-served-by: router}, which tells
 * {@link ApiBindings} not to look for a route of it.
 *
 * <p>Each notice is written once by the feed (its bytes) and wrapped in one Vert.x buffer that
 * every connection writes, each on its own event loop; a connection whose write queue is full (a
 * screen that stopped reading) is closed, and its browser reconnects with {@code Last-Event-ID}.
 */
public final class ChangeStream extends MainListenerSupport {

    static final String PATH = "/api/stream";
    private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        Settings s = new Settings(context);
        if (!s.flag("vendstream.api.enabled")) {
            return;
        }
        MainHttpServer server = context.hasService(MainHttpServer.class);
        Router router = server == null ? null
                : VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(server.getPort()));
        ChangeFeed feed = context.getRegistry().lookupByNameAndType("changeFeed", ChangeFeed.class);
        if (router == null || feed == null) {
            LOG.info("No {}: {}", PATH, router == null ? "the HTTP server is off" : "no changeFeed bean");
            return;
        }
        long retryMillis = s.longInteger("vendstream.api.poll-interval-millis");
        // an instance without ingest sees no commits (the feed is in-JVM): its screens keep polling for
        // sales and stock and follow only alerts here; the first event tells them which (docs/api.md)
        boolean commits = s.flag("vendstream.ingest.enabled");
        String hello = "event: hello\ndata: {\"commits\":" + commits + "}\n\n";
        router.get(PATH).handler(ctx -> open(ctx, feed, retryMillis, hello));
        LOG.info("Live updates at {} (server-sent events)", PATH);
    }

    private static void open(RoutingContext ctx, ChangeFeed feed, long retryMillis, String hello) {
        HttpServerResponse response = ctx.response();
        if (!feed.isOpen()) {
            // stopping: the browser tries again, reaching another instance or this one restarted
            response.setStatusCode(503).putHeader("Retry-After", "2").putHeader("Content-Type", "application/json; charset=utf-8")
                    .end(new io.vertx.core.json.JsonObject().put("error", "the service is stopping; retry shortly")
                            .putNull("parameter").encode());
            return;
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache, no-store, no-transform")
                // a reverse proxy (nginx) must pass each event on at once, not buffer them
                .putHeader("X-Accel-Buffering", "no");
        // the browser reconnects after this long when the connection drops
        response.write("retry: " + Math.max(1000, retryMillis) + "\n\n" + hello);
        Context loop = Vertx.currentContext();
        Subscriber subscriber = new Subscriber(feed, response, loop);
        response.closeHandler(v -> feed.unsubscribe(subscriber));
        response.exceptionHandler(e -> feed.unsubscribe(subscriber));
        feed.subscribe(subscriber, Optional.ofNullable(ctx.request().getHeader("Last-Event-ID")).filter(id -> !id.isBlank()));
    }

    /** One open screen. Called on the feed's thread; writes on the connection's event loop. */
    private static final class Subscriber implements Consumer<ChangeFeed.Notice> {

        // the buffer of the last notice, shared by all connections: Vert.x writes a duplicate of it each time
        private static volatile Object[] shared = {null, null};

        private final ChangeFeed feed;
        private final HttpServerResponse response;
        private final Context loop;

        Subscriber(ChangeFeed feed, HttpServerResponse response, Context loop) {
            this.feed = feed;
            this.response = response;
            this.loop = loop;
        }

        @Override
        public void accept(ChangeFeed.Notice notice) {
            if (response.writeQueueFull()) {
                // this screen stopped reading: let it go; it reconnects and resumes from its last id
                feed.unsubscribe(this);
                loop.runOnContext(v -> response.reset());
                return;
            }
            Buffer buffer = buffer(notice);
            loop.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.write(buffer);
                }
            });
        }

        private static Buffer buffer(ChangeFeed.Notice notice) {
            Object[] last = shared;
            if (last[0] == notice) {
                return (Buffer) last[1];
            }
            Buffer buffer = Buffer.buffer(notice.frame());
            shared = new Object[] {notice, buffer};
            return buffer;
        }
    }
}

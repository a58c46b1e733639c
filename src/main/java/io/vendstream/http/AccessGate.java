package io.vendstream.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;

/**
 * The first handler of every HTTP request, on Camel's platform-http server before any route:
 * security headers on every answer, the open probe paths, basic authentication against
 * {@link HttpUsers}, and the role check, so that an endpoint added later is covered without code
 * of its own. A read (GET, HEAD) needs {@value HttpUsers#VIEWER} or {@value HttpUsers#OPERATOR};
 * anything else (POST, PUT, PATCH, DELETE ...) needs {@value HttpUsers#OPERATOR}, and a body no
 * larger than the limit of its path (413 otherwise, before it is read).
 *
 * <p>The authenticated user's name reaches the routes as the header {@value #USER_HEADER} (any
 * such header a client sends is removed first); Camel also puts the Vert.x user in
 * {@code CamelVertxPlatformHttpAuthenticatedUser}. With no users configured (the server then
 * listens on 127.0.0.1 only, see {@link HttpAccess}) nobody is asked and the name is
 * {@value #ANONYMOUS}.
 */
final class AccessGate implements AuthenticationHandler {

    /** Exchange header with the name of the user who made the request. */
    static final String USER_HEADER = "VendstreamUser";
    static final String ANONYMOUS = "anonymous";
    /** Exchange header with the machine id of a machine that signed in as itself. */
    static final String DEVICE_HEADER = "VendstreamDevice";

    // the dashboard loads its script, styles and Chart.js from its own origin and calls only its own API
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    /** Largest body of a write, and of a file upload on {@code uploadPath}, in bytes. */
    record BodyLimits(long maxBody, String uploadPath, long maxUpload) {

        long limitFor(String path) {
            return uploadPath.equals(path) ? maxUpload : maxBody;
        }

        /** What the HTTP server itself enforces on every body, with or without a Content-Length. */
        long largest() {
            return Math.max(maxBody, maxUpload);
        }
    }

    private final HttpUsers users;
    private final Set<String> openPaths;
    private final String challenge;
    private final BodyLimits limits;
    private final DeviceCredentials devices;
    private final Set<String> devicePaths;

    AccessGate(HttpUsers users, Set<String> openPaths, String realm, BodyLimits limits) {
        this(users, openPaths, realm, limits, (m, s) -> false, Set.of());
    }

    /**
     * @param devices     checks a machine's own credentials
     * @param devicePaths where a machine signed in as itself may POST (its events); nothing else
     */
    AccessGate(HttpUsers users, Set<String> openPaths, String realm, BodyLimits limits, DeviceCredentials devices, Set<String> devicePaths) {
        this.users = users;
        this.openPaths = Set.copyOf(openPaths);
        this.challenge = "Basic realm=\"" + realm.replace("\"", "") + "\", charset=\"UTF-8\"";
        this.limits = limits;
        this.devices = devices;
        this.devicePaths = Set.copyOf(devicePaths);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.headers().remove(USER_HEADER);
        request.headers().remove(DEVICE_HEADER);
        ctx.addHeadersEndHandler(v -> securityHeaders(ctx.response().headers()));
        if (openPaths.contains(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        boolean write = request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD;
        Optional<String[]> signIn = basicCredentials(request.getHeader("Authorization"));
        if (signIn.isPresent() && users.check(signIn.get()[0], signIn.get()[1]).isEmpty()
                && devices.authenticate(signIn.get()[0], signIn.get()[1])) {
            // a machine signed in as itself: it may post its own events, and nothing else
            if (request.method() != HttpMethod.POST || !devicePaths.contains(ctx.normalizedPath())) {
                refuse(ctx, 403, "a machine may only post its own events (POST " + String.join(", ", devicePaths) + ")", null);
                return;
            }
            if (withinLimit(ctx)) {
                request.headers().set(USER_HEADER, "device " + signIn.get()[0]);
                request.headers().set(DEVICE_HEADER, signIn.get()[0]);
                ctx.next();
            }
            return;
        }
        if (users.isEmpty()) {
            request.headers().set(USER_HEADER, ANONYMOUS);
            if (!write || withinLimit(ctx)) {
                ctx.next();
            }
            return;
        }
        Optional<String[]> credentials = basicCredentials(request.getHeader("Authorization"));
        Optional<Set<String>> roles = credentials.flatMap(c -> users.check(c[0], c[1]));
        if (roles.isEmpty()) {
            ctx.response().putHeader("WWW-Authenticate", challenge);
            refuse(ctx, 401, "authentication required: sign in as a viewer or an operator", null);
            return;
        }
        boolean allowed = roles.get().contains(HttpUsers.OPERATOR) || (!write && roles.get().contains(HttpUsers.VIEWER));
        if (!allowed) {
            refuse(ctx, 403, write ? "this action needs the operator role" : "this page needs the viewer role", null);
            return;
        }
        if (write && !withinLimit(ctx)) {
            return;
        }
        String name = credentials.get()[0];
        ctx.setUser(HttpUsers.user(name, roles.get()));
        request.headers().set(USER_HEADER, name);
        ctx.next();
    }

    /**
     * Refuses with 413, before reading it, a body whose declared length is over the limit of its
     * path; a body sent without a length is cut off by the server at {@link BodyLimits#largest()}.
     */
    private boolean withinLimit(RoutingContext ctx) {
        String length = ctx.request().getHeader("Content-Length");
        long limit = limits.limitFor(ctx.normalizedPath());
        long declared;
        try {
            declared = length == null ? 0 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = Long.MAX_VALUE;
        }
        if (declared <= limit) {
            return true;
        }
        ctx.response().putHeader("Connection", "close");
        refuse(ctx, 413, "the request body is " + declared + " bytes; the limit is " + limit + " bytes", "body");
        return false;
    }

    static void securityHeaders(MultiMap headers) {
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        // for browsers that predate frame-ancestors
        headers.set("X-Frame-Options", "DENY");
    }

    private static void refuse(RoutingContext ctx, int status, String message, String parameter) {
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .end(new io.vertx.core.json.JsonObject().put("error", message).put("parameter", parameter).encode());
    }

    /** {@code Basic base64(name:password)}, or empty when the header is missing or malformed. */
    static Optional<String[]> basicCredentials(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon <= 0 ? Optional.empty()
                    : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

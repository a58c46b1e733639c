package io.vendstream.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may do what over HTTP, against the real application and its real HTTP server: a viewer
 * and an operator from a users file (the operator's password stored as a PBKDF2 hash), and a
 * write endpoint of the test's own that answers with the name of the user who called it.
 */
class HttpAccessTest {

    private static final String VIEWER = "vera";
    private static final String VIEWER_PASSWORD = "look-only-42";
    private static final String OPERATOR = "omar";
    private static final String OPERATOR_PASSWORD = "fix-it-all-17";
    private static final int BODY_LIMIT = 4096;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static VendstreamApp app;
    private static Namespace ns;

    @BeforeAll
    static void start_the_application_with_a_viewer_and_an_operator() throws Exception {
        ns = TestInfrastructure.get().namespace("access");
        Path users = Files.createDirectories(Path.of("target", "access")).resolve("users.properties");
        Files.writeString(users, String.join("\n",
                "# viewer in clear text, operator hashed",
                "user." + VIEWER + " = " + VIEWER_PASSWORD + ",viewer",
                "user." + OPERATOR + " = " + HttpUsers.hash(OPERATOR_PASSWORD) + ",operator",
                "role.operator = *", ""));
        Properties props = ns.appProperties();
        props.setProperty("vendstream.ingest.enabled", "false");
        props.setProperty("vendstream.http.users-file", users.toString());
        props.setProperty("vendstream.http.max-body-bytes", String.valueOf(BODY_LIMIT));
        app = VendstreamApp.start(props);
        // a write endpoint of the test's own: nothing in it checks roles, the gate must
        // (a lambda, as camel-main would try to instantiate a RouteBuilder subclass found in this package)
        RouteBuilder.addRoutes(app.context(), rb -> rb.from("platform-http:/api/test-writes?httpMethodRestrict=POST")
                .routeId("test-write")
                .setBody(rb.simple("done by ${header." + AccessGate.USER_HEADER + "}")));
        // the supervising route controller leaves a route added at runtime to be started by hand
        app.context().getRouteController().startRoute("test-write");
        assertThat(app.context().getRouteController().getRouteStatus("test-write").isStarted()).isTrue();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void should_answer_401_with_a_basic_challenge_without_credentials() throws Exception {
        for (String path : List.of("/", "/api/summary", "/observe/metrics", "/assets/dashboard.js")) {
            HttpResponse<String> answer = send("GET", path, null, null, null);
            assertThat(answer.statusCode()).as(path).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(
                    v -> assertThat(v).startsWith("Basic realm=\"vendstream\""));
        }
        assertThat(send("POST", "/api/test-writes", null, null, "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void should_answer_401_for_a_wrong_password_or_an_unknown_user() throws Exception {
        assertThat(send("GET", "/api/summary", VIEWER, "guess", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/summary", "mallory", VIEWER_PASSWORD, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/summary", OPERATOR, HttpUsers.hash(OPERATOR_PASSWORD), null).statusCode())
                .as("the stored hash itself is not a password").isEqualTo(401);
    }

    @Test
    void should_let_a_viewer_read_the_dashboard_the_api_and_the_metrics() throws Exception {
        for (String path : List.of("/", "/assets/dashboard.js", "/api/summary", "/api/config", "/observe/metrics")) {
            assertThat(send("GET", path, VIEWER, VIEWER_PASSWORD, null).statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void should_guard_the_live_change_stream_as_every_read() throws Exception {
        HttpResponse<String> anonymous = send("GET", ChangeStream.PATH, null, null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
        HttpRequest request = HttpRequest.newBuilder(URI.create(app.baseUrl() + ChangeStream.PATH)).timeout(Duration.ofSeconds(20))
                .header("Authorization", basic(VIEWER, VIEWER_PASSWORD)).GET().build();
        HttpResponse<java.util.stream.Stream<String>> viewer = HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = viewer.body()) {
            assertThat(viewer.statusCode()).isEqualTo(200);
            assertThat(viewer.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            assertThat(viewer.headers().firstValue("Content-Security-Policy")).as("the gate's security headers").isPresent();
            assertThat(lines.limit(4).toList()).as("the first lines: the retry time, then whether commits come through this instance")
                    .containsExactly("retry: 2000", "", "event: hello", "data: {\"commits\":false}");
        }
    }

    @Test
    void should_refuse_a_write_by_a_viewer_with_403() throws Exception {
        HttpResponse<String> answer = send("POST", "/api/test-writes", VIEWER, VIEWER_PASSWORD, "{}");
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("\"error\":\"this action needs the operator role\"");
    }

    @Test
    void should_let_an_operator_write_and_tell_the_route_who_did_it() throws Exception {
        HttpResponse<String> answer = send("POST", "/api/test-writes", OPERATOR, OPERATOR_PASSWORD, "{}");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("done by " + OPERATOR);
        assertThat(send("GET", "/api/summary", OPERATOR, OPERATOR_PASSWORD, null).statusCode())
                .as("an operator reads as well").isEqualTo(200);
    }

    @Test
    void should_protect_the_dead_letter_replay_and_record_the_operator_who_replayed() throws Exception {
        long id = rejection();
        String replay = "/api/rejections/" + id + "/replay";
        assertThat(send("POST", replay, null, null, "").statusCode()).isEqualTo(401);
        assertThat(send("POST", replay, VIEWER, VIEWER_PASSWORD, "").statusCode()).isEqualTo(403);
        assertThat(replayedBy(id)).as("a refused replay changes nothing").isNull();

        HttpResponse<String> answer = send("POST", replay, OPERATOR, OPERATOR_PASSWORD, "");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"replayed\":true", "\"replayedBy\":\"" + OPERATOR + "\"");
        assertThat(replayedBy(id)).isEqualTo(OPERATOR);
        assertThat(send("POST", replay, OPERATOR, OPERATOR_PASSWORD, "x".repeat(BODY_LIMIT + 1)).statusCode())
                .as("a corrected payload over the body limit").isEqualTo(413);
    }

    @Test
    void should_protect_the_alert_acknowledgement_and_record_the_operator_who_acknowledged() throws Exception {
        long id;
        try (Connection c = DriverManager.getConnection(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
             PreparedStatement st = c.prepareStatement("insert into alerts (rule, machine_id, product, location, severity, "
                     + "summary) values ('machine-silent', 'eng-01', '', 'Engineering', 'warning', 'silent') returning id");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
        }
        String ack = "/api/alerts/" + id + "/ack";
        assertThat(send("POST", ack, null, null, "").statusCode()).isEqualTo(401);
        assertThat(send("POST", ack, VIEWER, VIEWER_PASSWORD, "{\"by\": \"" + VIEWER + "\"}").statusCode()).isEqualTo(403);
        HttpResponse<String> answer = send("POST", ack, OPERATOR, OPERATOR_PASSWORD, "{\"by\": \"somebody-else\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).as("the signed-in operator, not what the body claims").contains("\"acknowledgedBy\":\"" + OPERATOR + "\"");
    }

    @Test
    void should_take_a_processors_payment_events_from_an_operator_only_and_name_a_bad_field() throws Exception {
        String payment = "{\"paymentEventId\":\"3f1c2a9e-8d7b-4c1e-9f0a-6b5d4c3e2f1a\",\"kind\":\"refund\",\"transactionRef\":\"TX-1\","
                + "\"machineId\":\"eng-01\",\"processor\":\"qris-switch\",\"amount\":\"8000\",\"occurredAt\":\"2026-12-06T01:53:00+07:00\"}";
        assertThat(send("POST", "/api/payments/events", null, null, payment).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/payments/events", VIEWER, VIEWER_PASSWORD, payment).statusCode()).isEqualTo(403);
        HttpResponse<String> answer = send("POST", "/api/payments/events", OPERATOR, OPERATOR_PASSWORD, payment);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.body()).as("an amount given as text").contains("\"parameter\":\"amount\"");
    }

    @Test
    void should_let_an_upload_be_larger_than_other_bodies() throws Exception {
        // an invalid file name: the upload reaches its own validation (400), past the body limit of other writes
        HttpResponse<String> answer = send("POST", "/api/imports?name=bad%20name", OPERATOR, OPERATOR_PASSWORD,
                "{}\n".repeat(BODY_LIMIT));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.body()).contains("\"parameter\":\"name\"");
    }

    /** A dead-lettered record as the ingest route stores it. */
    private static long rejection() throws Exception {
        try (Connection c = DriverManager.getConnection(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
             PreparedStatement st = c.prepareStatement("insert into rejected_events (source_topic, source_partition, "
                     + "source_offset, message_key, reason, detail, payload, payload_size) values (?, 0, ?, null, "
                     + "'MALFORMED_JSON', 'cut short', ?, 3) returning id")) {
            st.setString(1, ns.topic());
            st.setLong(2, System.nanoTime());
            st.setBytes(3, "{\"e".getBytes(StandardCharsets.UTF_8));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String replayedBy(long id) throws Exception {
        try (Connection c = DriverManager.getConnection(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
             PreparedStatement st = c.prepareStatement("select replayed_by from rejected_events where id = ?")) {
            st.setLong(1, id);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void should_not_let_a_client_claim_to_be_someone_else() throws Exception {
        HttpRequest request = request("POST", "/api/test-writes", OPERATOR, OPERATOR_PASSWORD, "{}")
                .header(AccessGate.USER_HEADER, "somebody-else").build();
        assertThat(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("done by " + OPERATOR);
    }

    @Test
    void should_keep_the_health_probes_open_without_credentials() throws Exception {
        for (String path : List.of("/observe/health", "/observe/health/live", "/observe/health/ready")) {
            HttpResponse<String> answer = send("GET", path, null, null, null);
            assertThat(answer.statusCode()).as(path).isIn(200, 503);
            assertThat(answer.body()).as(path).contains("\"status\"");
        }
    }

    @Test
    void should_send_the_security_headers_on_the_page_the_api_and_refusals() throws Exception {
        List<HttpResponse<String>> answers = List.of(
                send("GET", "/", VIEWER, VIEWER_PASSWORD, null),
                send("GET", "/api/summary", VIEWER, VIEWER_PASSWORD, null),
                send("GET", "/api/summary", null, null, null),
                send("POST", "/api/test-writes", VIEWER, VIEWER_PASSWORD, "{}"));
        for (HttpResponse<String> answer : answers) {
            String what = answer.request().method() + " " + answer.uri().getPath() + " " + answer.statusCode();
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(what)
                    .hasValue(AccessGate.CONTENT_SECURITY_POLICY);
            assertThat(AccessGate.CONTENT_SECURITY_POLICY).contains("default-src 'self'").contains("frame-ancestors 'none'");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
            assertThat(answer.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
        }
    }

    @Test
    void should_refuse_a_body_over_the_limit_with_413() throws Exception {
        String small = "x".repeat(BODY_LIMIT - 10);
        String large = "x".repeat(BODY_LIMIT + 1);
        assertThat(send("POST", "/api/test-writes", OPERATOR, OPERATOR_PASSWORD, small).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = send("POST", "/api/test-writes", OPERATOR, OPERATOR_PASSWORD, large);
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.body()).contains("\"parameter\":\"body\"");
    }

    @Test
    void should_listen_on_the_configured_interfaces_once_users_are_configured() {
        assertThat(app.context().hasService(MainHttpServer.class).getConfiguration().getBindHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void should_listen_on_127_0_0_1_only_and_say_so_when_no_user_is_configured() throws Exception {
        Properties props = TestInfrastructure.get().namespace("noaccess").appProperties();
        props.setProperty("vendstream.ingest.enabled", "false");
        try (VendstreamApp open = VendstreamApp.start(props)) {
            assertThat(open.context().hasService(MainHttpServer.class).getConfiguration().getBindHost()).isEqualTo("127.0.0.1");
            assertThat(open.context().resolvePropertyPlaceholders("{{vendstream.http.access}}"))
                    .contains("listening on 127.0.0.1 only");
            assertThat(send(open, "GET", "/api/summary", null, null, null).statusCode())
                    .as("on this machine nobody is asked").isEqualTo(200);
            Optional<InetAddress> external = nonLoopbackAddress();
            if (external.isPresent()) {
                try (Socket socket = new Socket()) {
                    assertThatThrownBy(() -> socket.connect(new InetSocketAddress(external.get(), open.httpPort()), 3000))
                            .as("a connection to " + external.get() + " is refused").isInstanceOf(ConnectException.class);
                }
            }
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return Optional.of(address);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static HttpResponse<String> send(String method, String path, String user, String password, String body)
            throws Exception {
        return send(app, method, path, user, password, body);
    }

    private static HttpResponse<String> send(VendstreamApp target, String method, String path, String user, String password,
                                             String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.baseUrl() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", basic(user, password));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(String method, String path, String user, String password, String body) {
        return HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", basic(user, password));
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}

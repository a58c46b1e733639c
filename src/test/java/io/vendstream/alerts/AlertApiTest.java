package io.vendstream.alerts;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Namespace;
import io.vendstream.support.RunningApp;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/alerts} and {@code POST /api/alerts/{id}/ack} over HTTP, on alerts the real rules
 * raised from seeded tables: two open alerts (a stock-out and a silent machine) and a resolved one.
 */
class AlertApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("alert_api", AlertTables::fastRules)
            .with("vendstream.api.cache-millis", "0")
            // the silent machine's usual hours would also show as a revenue drop at its location
            // (revenue-drop reads the same hourly rollup); this test wants the three alerts below
            .with("vendstream.alerts.revenue-drop.min-baseline", "1000000000");
    private static AlertTables db;

    @BeforeAll
    static void start_the_application_and_let_the_rules_raise_alerts() throws Exception {
        db = new AlertTables(APP.ns());

        db.stock("api-1", "Cola", "Api Hall", 0, 10);
        db.stock("api-2", "Water", "Other Hall", 0, 10);
        Instant thisHour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        for (int week = 1; week <= 4; week++) {
            for (int h = -3; h <= 1; h++) {
                db.hourly(thisHour.plus(h, ChronoUnit.HOURS).minus(7L * week, ChronoUnit.DAYS), "api-3", "Api Hall", 10);
            }
        }
        db.machine("api-3", "Api Hall", Instant.now().minus(90, ChronoUnit.MINUTES));
        db.machine("api-4", "Api Hall", Instant.now());
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("select count(*) from alerts where resolved_at is null") == 3);
        db.stock("api-2", "Water", "Other Hall", 10, 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("select count(*) from alerts where resolved_at is not null") == 1);
    }

    @Test
    void should_list_open_alerts_first_with_their_age_and_details() throws Exception {
        JsonNode answer = get("/api/alerts");
        assertThat(answer.get("open").asInt()).isEqualTo(2);
        JsonNode alerts = answer.get("alerts");
        assertThat(texts(alerts, "state")).containsExactly("open", "open", "resolved");
        assertThat(texts(alerts, "severity")).containsOnly("critical");
        JsonNode stockOut = find(alerts, "stock-out", "api-1");
        assertThat(stockOut.get("product").asText()).isEqualTo("Cola");
        assertThat(stockOut.get("location").asText()).isEqualTo("Api Hall");
        assertThat(stockOut.get("summary").asText()).isEqualTo("Cola is sold out in api-1 (Api Hall)");
        assertThat(stockOut.get("details").get("capacity").asInt()).isEqualTo(10);
        assertThat(stockOut.get("ageSeconds").asLong()).isNotNegative();
        assertThat(stockOut.get("resolvedAt").isNull()).isTrue();
        JsonNode silent = find(alerts, "machine-silent", "api-3");
        assertThat(silent.get("product").isNull()).isTrue();
        assertThat(silent.get("details").get("silentMinutes").asInt()).isBetween(89, 95);
        JsonNode resolved = find(alerts, "stock-out", "api-2");
        assertThat(resolved.get("resolvedAt").isNull()).isFalse();
    }

    @Test
    void should_filter_alerts_by_rule_state_location_machine_and_window() throws Exception {
        assertThat(texts(get("/api/alerts?rule=machine-silent").get("alerts"), "machineId")).containsExactly("api-3");
        assertThat(texts(get("/api/alerts?state=open&rule=stock-out").get("alerts"), "machineId")).containsExactly("api-1");
        assertThat(texts(get("/api/alerts?state=resolved").get("alerts"), "machineId")).containsExactly("api-2");
        assertThat(texts(get("/api/alerts?location=Other%20Hall").get("alerts"), "machineId")).containsExactly("api-2");
        assertThat(get("/api/alerts?location=Other%20Hall").get("open").asInt()).isZero();
        assertThat(texts(get("/api/alerts?machineId=api-1").get("alerts"), "rule")).containsExactly("stock-out");
        assertThat(get("/api/alerts?limit=1").get("alerts")).hasSize(1);
        // a window that ended before any alert opened
        assertThat(get("/api/alerts?from=2020-01-01&to=2020-01-02").get("alerts")).isEmpty();
        // a window starting now still shows what is open now, not what resolved before it
        String now = Instant.now().plusSeconds(1).toString();
        assertThat(texts(get("/api/alerts?from=" + now).get("alerts"), "state")).containsOnly("open");
    }

    static Stream<Arguments> bad_alert_list_parameters() {
        return Stream.of(Arguments.of("/api/alerts?rule=Stock%20Out", "rule"), Arguments.of("/api/alerts?state=closed", "state"),
                Arguments.of("/api/alerts?limit=0", "limit"), Arguments.of("/api/alerts?from=yesterday", "from"),
                Arguments.of("/api/alerts?machineId=a%20b", "machineId"));
    }

    @ParameterizedTest
    @MethodSource("bad_alert_list_parameters")
    void should_answer_400_naming_a_bad_alert_list_parameter(String path, String parameter) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("parameter").asText()).isEqualTo(parameter);
    }

    @Test
    void should_record_who_acknowledged_an_alert_and_keep_the_first_acknowledgement() throws Exception {
        long id = find(get("/api/alerts?rule=machine-silent").get("alerts"), "machine-silent", "api-3").get("id").asLong();
        HttpResponse<String> first = post("/api/alerts/" + id + "/ack", "{\"by\": \"Dewi\"}");
        assertThat(first.statusCode()).isEqualTo(200);
        JsonNode acked = JSON.readTree(first.body());
        assertThat(acked.get("acknowledgedBy").asText()).isEqualTo("Dewi");
        assertThat(acked.get("acknowledgedAt").isNull()).isFalse();
        assertThat(acked.get("state").asText()).isEqualTo("open");

        JsonNode again = JSON.readTree(post("/api/alerts/" + id + "/ack", "").body());
        assertThat(again.get("acknowledgedBy").asText()).isEqualTo("Dewi");
        assertThat(again.get("acknowledgedAt").asText()).isEqualTo(acked.get("acknowledgedAt").asText());
        JsonNode listed = find(get("/api/alerts?rule=machine-silent").get("alerts"), "machine-silent", "api-3");
        assertThat(listed.get("acknowledgedBy").asText()).isEqualTo("Dewi");
        // acknowledging notifies nobody: still one transition for this alert
        assertThat(db.transitions("machine-silent", "api-3")).containsExactly("opened");
    }

    @Test
    void should_acknowledge_without_a_body_as_anonymous_when_nobody_is_authenticated() throws Exception {
        long id = find(get("/api/alerts?state=resolved").get("alerts"), "stock-out", "api-2").get("id").asLong();
        HttpResponse<String> response = post("/api/alerts/" + id + "/ack", "");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("acknowledgedBy").asText()).isEqualTo("anonymous");
    }

    @Test
    void should_record_the_authenticated_user_rather_than_a_name_in_the_body() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("alert_ack_user");
        AlertTables tables = new AlertTables(ns);
        java.nio.file.Path users = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", ns.id()))
                .resolve("users.properties");
        // Vert.x's properties file: user.<name> = <password>,<role>
        java.nio.file.Files.writeString(users, "user.dewi = secret,operator\n");
        Properties props = AlertTables.fastRules(ns);
        props.setProperty("camel.server.authenticationEnabled", "true");
        props.setProperty("camel.server.authenticationPath", "/api/*");
        props.setProperty("camel.server.basicPropertiesFile", users.toAbsolutePath().toString());
        try (VendstreamApp secured = VendstreamApp.start(props)) {
            tables.stock("auth-1", "Cola", "Auth Hall", 0, 10);
            await().atMost(Duration.ofSeconds(60)).until(() -> tables.transitions("stock-out", "auth-1").size() == 1);
            String id = tables.strings("select id::text from alerts where machine_id = 'auth-1'").get(0);
            String credentials = java.util.Base64.getEncoder().encodeToString("dewi:secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(secured.baseUrl() + "/api/alerts/" + id + "/ack"))
                    .header("Authorization", "Basic " + credentials).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"by\": \"somebody else\"}")));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("acknowledgedBy").asText()).isEqualTo("dewi");
        }
    }

    static Stream<Arguments> bad_acknowledgements() {
        return Stream.of(Arguments.of("/api/alerts/abc/ack", "", 400, "id"), Arguments.of("/api/alerts/0/ack", "", 400, "id"),
                Arguments.of("/api/alerts/{open}/ack", "not json", 400, "body"),
                Arguments.of("/api/alerts/{open}/ack", "[1, 2]", 400, "body"),
                Arguments.of("/api/alerts/{open}/ack", "{\"by\": 5}", 400, "by"),
                Arguments.of("/api/alerts/{open}/ack", "{\"by\": \"" + "x".repeat(101) + "\"}", 400, "by"),
                Arguments.of("/api/alerts/987654321/ack", "", 404, "id"));
    }

    @ParameterizedTest
    @MethodSource("bad_acknowledgements")
    void should_refuse_a_bad_acknowledgement_naming_the_field(String path, String body, int status, String parameter) throws Exception {
        long open = find(get("/api/alerts?rule=stock-out&state=open").get("alerts"), "stock-out", "api-1").get("id").asLong();
        HttpResponse<String> response = post(path.replace("{open}", String.valueOf(open)), body);
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("parameter").asText()).isEqualTo(parameter);
        // and nothing was recorded
        assertThat(find(get("/api/alerts?rule=stock-out").get("alerts"), "stock-out", "api-1").get("acknowledgedAt").isNull()).isTrue();
    }

    // ------------------------------------------------------------------------------ helpers

    private static JsonNode find(JsonNode alerts, String rule, String machineId) {
        for (JsonNode alert : alerts) {
            if (alert.get("rule").asText().equals(rule) && machineId.equals(alert.get("machineId").asText())) {
                return alert;
            }
        }
        throw new AssertionError("no " + rule + " alert for " + machineId + " in " + alerts);
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(item -> values.add(item.get(field).asText()));
        return values;
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(APP.baseUrl() + path);
    }
}

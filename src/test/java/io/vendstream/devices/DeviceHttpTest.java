package io.vendstream.devices;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.vendstream.http.ContractSchemas;
import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Machines and gateways over HTTP, with people signing in: {@code POST /api/events} answered per
 * event after Kafka took them, a machine signed in as itself limited to its own events and to that
 * one path, and the operator's device registration, rotation and revocation, checked against the
 * contract.
 */
class DeviceHttpTest {

    private static final String OPERATOR = "ops:ops-secret";
    private static final ContractSchemas CONTRACT = new ContractSchemas();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("device_http")
            .with("vendstream.http.operator.user", "ops").with("vendstream.http.operator.password", "ops-secret")
            .with("vendstream.http.viewer.user", "view").with("vendstream.http.viewer.password", "view-secret")
            .with("vendstream.devices.http.max-events", "5");

    private static String register(String machineId) throws Exception {
        HttpResponse<String> r = Devices.post(APP, "/api/devices", "{\"machineId\":\"" + machineId + "\"}", OPERATOR);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Devices.JSON.readTree(r.body());
        CONTRACT.assertMatches("/api/devices", "post", body);
        return body.path("secret").asText();
    }

    private static String text(Map<String, Object> event) {
        return new String(Events.json(event), StandardCharsets.UTF_8);
    }

    @Test
    void should_answer_each_event_after_kafka_took_them_and_keep_a_machine_to_its_own() throws Exception {
        String secret = register("http-01");
        Map<String, Object> own = Events.sale("http-01", "Aqua 600ml", 1, "5000", 4);
        Map<String, Object> forged = Events.sale("http-02", "Aqua 600ml", 1, "5000", 4);
        Map<String, Object> bad = Events.sale("http-01", "Aqua 600ml", 1, "-5", 4);
        String body = "[" + text(own) + "," + text(forged) + "," + text(bad) + ", 42]";
        HttpResponse<String> r = Devices.post(APP, "/api/events", body, "http-01:" + secret);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = Devices.JSON.readTree(r.body());
        CONTRACT.assertMatches("/api/events", "post", answer);
        assertThat(answer.path("received").asInt()).isEqualTo(4);
        assertThat(answer.path("accepted").asInt()).isEqualTo(1);
        assertThat(answer.path("events").get(0).path("status").asText()).isEqualTo("accepted");
        assertThat(answer.path("events").get(1).path("reason").asText()).isEqualTo("DEVICE_MISMATCH");
        assertThat(answer.path("events").get(2).path("reason").asText()).isEqualTo("SCHEMA_VIOLATION");
        assertThat(answer.path("events").get(2).path("detail").asText()).contains("unitPrice");
        assertThat(answer.path("events").get(3).path("reason").asText()).isEqualTo("NOT_AN_OBJECT");
        // the pipeline judges alike: one stored, three dead-lettered with their bytes
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.ledger().queryLong(
                "select count(*) from sales where machine_id = 'http-01'") == 1
                && APP.ledger().queryLong("select count(*) from rejected_events where event_id in (?, ?)",
                forged.get("eventId").toString(), bad.get("eventId").toString()) == 2);
        assertThat(APP.ledger().queryText("select reason from rejected_events where event_id = ?", forged.get("eventId").toString()))
                .isEqualTo("DEVICE_MISMATCH");
        assertThat(APP.ledger().queryText("select detail from rejected_events where event_id = ?", forged.get("eventId").toString()))
                .contains("signed in as http-01").contains("http device http-01");
        // the same post again stores nothing twice: once ingest has consumed all four records again
        long consumed = APP.ledger().consumed();
        Devices.post(APP, "/api/events", body, "http-01:" + secret);
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.ledger().consumed() >= consumed + 4);
        assertThat(APP.ledger().queryLong("select count(*) from sales where machine_id = 'http-01'")).isEqualTo(1);
    }

    @Test
    void should_take_json_lines_from_an_operator_for_any_machine() throws Exception {
        String body = text(Events.sale("gw-a", "Aqua 600ml", 1, "5000", 4)) + "\n\n" + text(Events.sale("gw-b", "Aqua 600ml", 1, "5000", 4)) + "\r\n";
        HttpResponse<String> r = Devices.post(APP, "/api/events", body, OPERATOR);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Devices.JSON.readTree(r.body()).path("accepted").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.ledger().queryLong(
                "select count(*) from sales where machine_id in ('gw-a', 'gw-b')") == 2);
    }

    @Test
    void should_refuse_bad_requests_naming_the_field() throws Exception {
        String many = "[" + String.join(",", java.util.Collections.nCopies(6, text(Events.sale("gw-c", "Aqua 600ml", 1, "5000", 4)))) + "]";
        assertBadParameter(Devices.post(APP, "/api/events", many, OPERATOR), "body");
        assertBadParameter(Devices.post(APP, "/api/events", "", OPERATOR), "body");
        assertBadParameter(Devices.post(APP, "/api/devices", "{}", OPERATOR), "machineId");
        assertBadParameter(Devices.post(APP, "/api/devices", "{\"machineId\":\"no spaces\"}", OPERATOR), "machineId");
        assertBadParameter(Devices.post(APP, "/api/devices", "not json", OPERATOR), "body");
    }

    private static void assertBadParameter(HttpResponse<String> r, String parameter) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Devices.JSON.readTree(r.body()).path("parameter").asText()).isEqualTo(parameter);
    }

    @Test
    void should_let_a_machine_do_nothing_but_post_its_events() throws Exception {
        String secret = register("http-03");
        String machine = "http-03:" + secret;
        assertThat(Devices.post(APP, "/api/devices", "{\"machineId\":\"http-04\"}", machine).statusCode()).isEqualTo(403);
        assertThat(Devices.post(APP, "/api/alerts/1/ack", "", machine).statusCode()).isEqualTo(403);
        assertThat(get("/api/summary", machine).statusCode()).isEqualTo(403);
        assertThat(Devices.post(APP, "/api/events", "[]", "http-03:wrong").statusCode()).isEqualTo(401);
        assertThat(Devices.post(APP, "/api/events", "[]", null).statusCode()).isEqualTo(401);
        // a viewer reads, but sends no events
        assertThat(Devices.post(APP, "/api/events", "[]", "view:view-secret").statusCode()).isEqualTo(403);
    }

    @Test
    void should_register_rotate_list_and_revoke_without_ever_showing_a_secret_again() throws Exception {
        String first = register("http-05");
        HttpResponse<String> again = Devices.post(APP, "/api/devices", "{\"machineId\":\"http-05\"}", OPERATOR);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("rotate");
        HttpResponse<String> rotated = Devices.post(APP, "/api/devices/http-05/rotate", "", OPERATOR);
        assertThat(rotated.statusCode()).isEqualTo(200);
        String second = Devices.JSON.readTree(rotated.body()).path("secret").asText();
        assertThat(second).isNotEqualTo(first).hasSize(43);
        assertThat(Devices.post(APP, "/api/events", "[]", "http-05:" + first).statusCode()).isEqualTo(401);
        assertThat(Devices.post(APP, "/api/events", "[]", "http-05:" + second).statusCode()).isEqualTo(200);
        assertThat(Devices.post(APP, "/api/devices/nobody/rotate", "", OPERATOR).statusCode()).isEqualTo(404);

        HttpResponse<String> list = get("/api/devices", OPERATOR);
        JsonNode devices = Devices.JSON.readTree(list.body());
        CONTRACT.assertMatches("/api/devices", "get", devices);
        assertThat(list.body()).doesNotContain(first).doesNotContain(second).doesNotContain("secret");
        assertThat(APP.ledger().queryLong("select count(*) from devices where secret_sha256::text like ?", "%" + second + "%")).isZero();

        HttpResponse<String> revoked = delete("/api/devices/http-05", OPERATOR);
        assertThat(revoked.statusCode()).isEqualTo(200);
        JsonNode device = Devices.JSON.readTree(revoked.body());
        CONTRACT.assertMatches("/api/devices/{machineId}", "delete", device);
        assertThat(device.path("state").asText()).isEqualTo("revoked");
        assertThat(device.path("revokedBy").asText()).isEqualTo("ops");
        assertThat(Devices.post(APP, "/api/events", "[]", "http-05:" + second).statusCode()).isEqualTo(401);
        assertThat(delete("/api/devices/nobody", OPERATOR).statusCode()).isEqualTo(404);
        // registering again after a revocation issues a new secret
        assertThat(register("http-05")).isNotEqualTo(second);
    }

    private static HttpResponse<String> get(String path, String basic) throws Exception {
        return Devices.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> delete(String path, String basic) throws Exception {
        return Devices.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + path)).DELETE()
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}

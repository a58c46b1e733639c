package io.vendstream.history;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Events;
import io.vendstream.support.Ledger;
import io.vendstream.support.RunningApp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Dead-letter replay over HTTP, through the real broker, the ingest route and the database. */
class RejectionReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("replay");

    @AfterEach
    void counters_reconcile() {
        Ledger.Counters c = APP.ledger().counters();
        assertThat(c.consumed()).isEqualTo(c.stored() + c.duplicates() + c.rejected());
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events")).isEqualTo(c.rejected());
    }

    private long rejectionOf(byte[] payload) {
        long consumed = APP.ledger().consumed();
        APP.kafka().send(APP.topic(), "ENG-07", payload);
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() > consumed);
        return APP.ledger().queryLong("select max(id) from rejected_events");
    }

    @Test
    void should_store_a_corrected_rejection_once_and_publish_nothing_on_a_second_replay() throws Exception {
        Map<String, Object> sale = Events.sale("ENG-07", "Pocari", 1, "8000", 5);
        String eventId = (String) sale.get("eventId");
        sale.put("occurredAt", Events.timestamp(Instant.now().plusSeconds(3_600)));
        long id = rejectionOf(Events.json(sale));
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where id = ? and reason = 'FUTURE_TIMESTAMP'", id)).isEqualTo(1);

        sale.put("occurredAt", Events.timestamp(Instant.now()));
        long consumed = APP.ledger().consumed();
        HttpResponse<String> first = post("/api/rejections/" + id + "/replay", Events.json(sale));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(first.body());
        assertThat(answer.path("replayed").asBoolean()).isTrue();
        assertThat(answer.path("corrected").asBoolean()).isTrue();
        assertThat(answer.path("replayedBy").asText()).isEqualTo("anonymous");
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() > consumed);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", eventId)).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where id = ? and replayed_at is not null "
                + "and replayed_by = 'anonymous' and replay_corrected", id)).isEqualTo(1);

        ConsumerRecord<byte[], byte[]> replayed = APP.kafka().readUntil(APP.topic(),
                r -> r.headers().lastHeader(RejectionReplay.REPLAY_OF) != null
                        && new String(r.headers().lastHeader(RejectionReplay.REPLAY_OF).value(), UTF_8).equals(String.valueOf(id)),
                Duration.ofSeconds(20));
        assertThat(new String(replayed.key(), UTF_8)).as("the original key").isEqualTo("ENG-07");

        long consumedAfterFirst = APP.ledger().consumed();
        HttpResponse<String> second = post("/api/rejections/" + id + "/replay", Events.json(sale));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).path("replayed").asBoolean()).isFalse();
        assertThat(JSON.readTree(second.body()).path("detail").asText()).contains("already replayed");
        // a record published now would be consumed after anything the second replay had published
        APP.kafka().send(APP.topic(), "ENG-07", Events.json(sale));
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() > consumedAfterFirst);
        assertThat(APP.ledger().consumed()).as("only the marker record was consumed").isEqualTo(consumedAfterFirst + 1);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", eventId)).isEqualTo(1);
    }

    @Test
    void should_reject_a_replayed_malformed_payload_again_as_a_new_rejection() throws Exception {
        long id = rejectionOf(Events.utf8("{\"eventId\": \"cut short"));
        long rejections = APP.ledger().queryLong("select count(*) from rejected_events");
        HttpResponse<String> response = post("/api/rejections/" + id + "/replay", new byte[0]);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("corrected").asBoolean()).isFalse();
        await().atMost(30, SECONDS).until(() -> APP.ledger().queryLong("select count(*) from rejected_events") == rejections + 1);
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where id > ? and reason = 'MALFORMED_JSON' "
                + "and payload = (select payload from rejected_events where id = ?)", id, id)).isEqualTo(1);
    }

    @Test
    void should_replay_the_rejections_of_one_reason_and_time_range_once() throws Exception {
        Instant from = Instant.now().minusSeconds(1);
        for (int i = 0; i < 3; i++) {
            Map<String, Object> sale = Events.sale("ENG-08", "Teh", 1, "5000", 5);
            sale.remove("paymentMethod");
            rejectionOf(Events.json(sale));
        }
        Instant to = Instant.now().plusMillis(1);
        long rejections = APP.ledger().queryLong("select count(*) from rejected_events");
        String range = "reason=SCHEMA_VIOLATION&from=" + from + "&to=" + to;
        HttpResponse<String> first = post("/api/rejections/replay?" + range, new byte[0]);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(JSON.readTree(first.body()).path("replayed").asInt()).isEqualTo(3);
        // still missing paymentMethod: each is rejected again, as a new row outside the range
        await().atMost(30, SECONDS).until(() -> APP.ledger().queryLong("select count(*) from rejected_events") == rejections + 3);

        HttpResponse<String> second = post("/api/rejections/replay?" + range, new byte[0]);
        assertThat(JSON.readTree(second.body()).path("replayed").asInt()).isZero();
    }

    @Test
    void should_answer_400_naming_the_parameter_and_404_for_an_unknown_rejection() throws Exception {
        HttpResponse<String> badId = post("/api/rejections/abc/replay", new byte[0]);
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badId.body()).path("parameter").asText()).isEqualTo("id");

        long id = rejectionOf(Events.utf8("not json"));
        HttpResponse<String> tooLarge = post("/api/rejections/" + id + "/replay", new byte[64 * 1024 + 1]);
        assertThat(tooLarge.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tooLarge.body()).path("parameter").asText()).isEqualTo("body");
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where id = ? and replayed_at is null", id)).isEqualTo(1);

        HttpResponse<String> noReason = post("/api/rejections/replay", new byte[0]);
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noReason.body()).path("parameter").asText()).isEqualTo("reason");

        HttpResponse<String> badRange = post("/api/rejections/replay?reason=MALFORMED_JSON&from=2026-05-04&to=2026-05-03", new byte[0]);
        assertThat(badRange.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badRange.body()).path("parameter").asText()).isEqualTo("to");

        HttpResponse<String> unknown = post("/api/rejections/987654321/replay", new byte[0]);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("parameter").asText()).isEqualTo("id");
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

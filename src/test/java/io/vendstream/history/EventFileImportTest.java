package io.vendstream.history;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Events;
import io.vendstream.support.Ledger;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Files dropped into the import directory, through the real broker, the ingest route and the database. */
class EventFileImportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("import").with("vendstream.import.poll-millis", "200");
    private static Path importDir;

    @BeforeAll
    static void create_the_import_directory() throws Exception {
        importDir = Path.of(APP.properties().getProperty("vendstream.data-dir"), "import");
        Files.createDirectories(importDir);
    }

    @Test
    void should_import_a_jsonl_file_with_valid_duplicate_and_broken_lines_with_exact_counts_and_store_nothing_on_a_second_drop()
            throws Exception {
        Map<String, Object> a = Events.sale("IMP-01", "Aqua", 1, "5000", 9);
        Map<String, Object> b = Events.sale("IMP-01", "Teh", 2, "6000", 7);
        Map<String, Object> c = Events.restock("IMP-02", "Aqua", 10, 10);
        String file = String.join("\n",
                new String(Events.json(a), UTF_8),
                new String(Events.json(b), UTF_8),
                "",
                new String(Events.json(a), UTF_8),
                "{\"eventId\": broken",
                new String(Events.json(c), UTF_8)) + "\n";
        Ledger.Counters before = APP.ledger().counters();

        JsonNode report = drop("history.jsonl", file);
        assertThat(report.path("status").asText()).isEqualTo("done");
        assertThat(report.path("linesRead").asLong()).isEqualTo(6);
        assertThat(report.path("blankLines").asLong()).isEqualTo(1);
        assertThat(report.path("recordsPublished").asLong()).isEqualTo(5);
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() == before.consumed() + 5);
        Ledger.Counters after = APP.ledger().counters();
        assertThat(after.stored() - before.stored()).isEqualTo(3);
        assertThat(after.duplicates() - before.duplicates()).isEqualTo(1);
        assertThat(after.rejected() - before.rejected()).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where reason = 'MALFORMED_JSON' and payload = ?",
                Events.utf8("{\"eventId\": broken"))).isEqualTo(1);

        JsonNode again = drop("history.jsonl", file);
        assertThat(again.path("recordsPublished").asLong()).isEqualTo(5);
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() == before.consumed() + 10);
        assertThat(APP.ledger().counters().stored()).as("a second drop stores nothing").isEqualTo(after.stored());
        assertThat(APP.ledger().counters().duplicates() - after.duplicates()).isEqualTo(4);
    }

    @Test
    void should_import_a_csv_file_with_deterministic_ids_and_publish_unconvertible_rows_raw() throws Exception {
        String fixed = "7b0c5a2e-4a53-4c1f-9a77-0f5f3a1b2c3d";
        String now = Events.timestamp(java.time.Instant.now());
        String file = "eventId,type,machineId,location,product,category,unitPrice,currency,quantity,paymentMethod,stockAfter,occurredAt,legacyCode\r\n"
                + ",sale,CSV-01,\"Faculty of Law, Block A\",Aqua,drink,5000,IDR,1,cash,9," + now + ",X1\r\n"
                + fixed + ",sale,CSV-01,Law,Teh,drink,6000.50,IDR,2,qris,7," + now + ",X2\r\n"
                + fixed + ",sale,CSV-01,Law,Teh,drink,6000.50,IDR,2,qris,7," + now + ",X2\r\n"
                + ",restock,CSV-02,Law,Aqua,drink,,,10,,10," + now + ",\r\n"
                + ",sale,CSV-01,Law,Aqua,drink,5000,IDR,two,cash,9," + now + ",X3\r\n"
                + ",sale,CSV-01,Law,Aqua,drink\r\n"
                + ",sale,CSV-01,Law,Aqua,drink,-5,IDR,1,cash,9," + now + ",X4\r\n";
        Ledger.Counters before = APP.ledger().counters();

        JsonNode report = drop("semester.csv", file);
        assertThat(report.path("linesRead").asLong()).isEqualTo(8);
        assertThat(report.path("recordsPublished").asLong()).isEqualTo(7);
        assertThat(report.path("rowsPublishedRaw").asLong()).isEqualTo(2);
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() == before.consumed() + 7);
        Ledger.Counters after = APP.ledger().counters();
        assertThat(after.stored() - before.stored()).isEqualTo(3);
        assertThat(after.duplicates() - before.duplicates()).isEqualTo(1);
        assertThat(after.rejected() - before.rejected()).isEqualTo(3);
        assertThat(APP.ledger().queryLong("select count(*) from sales where location = 'Faculty of Law, Block A' and machine_id = 'CSV-01'"))
                .isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where reason = 'MALFORMED_JSON' and payload = ?",
                Events.utf8(",sale,CSV-01,Law,Aqua,drink"))).as("the raw row is kept").isEqualTo(1);

        drop("semester.csv", file);
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() == before.consumed() + 14);
        assertThat(APP.ledger().counters().stored()).as("the rows without eventId get the same ids again").isEqualTo(after.stored());
    }

    @Test
    void should_move_a_csv_without_header_to_failed_with_the_reason() throws Exception {
        Files.writeString(importDir.resolve(".noheader.tmp"), ",sale,CSV-09,Law,Aqua\n");
        Files.move(importDir.resolve(".noheader.tmp"), importDir.resolve("noheader.csv"), StandardCopyOption.ATOMIC_MOVE);
        Path report = importDir.resolve("failed").resolve("noheader.csv.report.json");
        await().atMost(30, SECONDS).until(() -> Files.exists(report) && Files.exists(importDir.resolve("failed/noheader.csv")));
        assertThat(JSON.readTree(report.toFile()).path("reason").asText()).contains("header");
    }

    @Test
    void should_accept_an_upload_and_list_its_report() throws Exception {
        Map<String, Object> a = Events.sale("UP-01", "Aqua", 1, "5000", 9);
        HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/imports?name=../x.csv"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("parameter").asText()).isEqualTo("name");
        HttpResponse<String> empty = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/imports?name=up.jsonl"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("parameter").asText()).isEqualTo("body");

        HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/imports?name=up.jsonl"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(Events.json(a))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        await().atMost(30, SECONDS).until(() -> APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid",
                a.get("eventId")) == 1);
        await().atMost(10, SECONDS).untilAsserted(() -> {
            JsonNode imports = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/imports")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            List<String> files = imports.path("reports").findValuesAsText("file");
            assertThat(files).contains("up.jsonl");
        });
    }

    /** Drops a file as a user would (written elsewhere, then moved in) and waits for its report. */
    private static JsonNode drop(String name, String content) throws Exception {
        Path report = importDir.resolve("done").resolve(name + ".report.json");
        Files.deleteIfExists(report);
        Path tmp = importDir.resolve("." + name + ".tmp");
        Files.writeString(tmp, content, UTF_8);
        Files.move(tmp, importDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        await().atMost(60, SECONDS).until(() -> Files.exists(report) && !Files.exists(importDir.resolve(name)));
        return await().atMost(10, SECONDS).ignoreExceptions().until(() -> JSON.readTree(report.toFile()), r -> r.has("recordsPublished"));
    }
}

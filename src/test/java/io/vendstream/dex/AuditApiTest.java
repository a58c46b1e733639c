package io.vendstream.dex;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.ContractSchemas;
import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ways audit reads come in and go out, through the running application: the file drop
 * directory, {@code POST /api/dex}, binding a held read, {@code GET /api/dex/reads} and
 * {@code GET /api/reconciliation} (JSON and CSV) checked against the contract, and a machine that
 * only DEX reports in the fleet and sales figures.
 */
class AuditApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ContractSchemas CONTRACT = new ContractSchemas();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("dex_api")
            .configured((ns, props) -> props.setProperty("vendstream.dex.dir",
                    Path.of("target", "test-data", ns.id(), "dex").toAbsolutePath().toString()))
            .with("vendstream.dex.poll-millis", "200");
    private static Path dropDirectory;
    private static ZonedDateTime yesterday;

    @BeforeAll
    static void start() throws Exception {
        dropDirectory = Path.of(APP.properties().getProperty("vendstream.dex.dir"));
        yesterday = LocalDate.now(Campus.ZONE).minusDays(1).atTime(6, 0).atZone(Campus.ZONE);
    }

    @Test
    void should_store_a_dropped_file_as_its_machines_read_and_move_it_to_done() throws Exception {
        Files.createDirectories(dropDirectory);
        // a name of this run's own: done/ keeps the files of earlier runs
        String name = "drop-01__visit-" + System.nanoTime() + ".dex";
        Files.writeString(dropDirectory.resolve(name), DexSamples.soundRead("SN-DROP", yesterday, 40, 40));

        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dropDirectory.resolve("done").resolve(name)));
        JsonNode reads = get("/api/dex/reads?machineId=drop-01");
        assertThat(reads.path("reads")).singleElement().satisfies(r -> {
            assertThat(r.path("status").asText()).isEqualTo("parsed");
            assertThat(r.path("source").asText()).isEqualTo("file");
            assertThat(r.path("serial").asText()).isEqualTo("SN-DROP");
            assertThat(r.path("paidVends").asLong()).isEqualTo(40);
        });
    }

    @Test
    void should_move_a_dropped_file_over_the_limit_to_failed_and_store_nothing() throws Exception {
        Files.createDirectories(dropDirectory);
        String name = "big-01__visit-" + System.nanoTime() + ".dex";
        Files.write(dropDirectory.resolve(name), new byte[(1 << 20) + 1]);

        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dropDirectory.resolve("failed").resolve(name)));
        assertThat(dropDirectory.resolve("done").resolve(name)).doesNotExist();
        assertThat(dropDirectory.resolve(name)).doesNotExist();
        assertThat(get("/api/dex/reads?machineId=big-01").path("reads")).isEmpty();
    }

    @Test
    void should_refuse_an_unreadable_upload_naming_the_reason_and_line_and_keep_it() throws Exception {
        // one byte changed on the way: the G85 CRC no longer matches
        String dex = DexSamples.soundRead("SN-BROKEN", yesterday, 3, 3).replace("VA1*", "VA1*9");

        HttpResponse<String> response = post("/api/dex?machineId=broken-01", dex);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.path("parameter").asText()).isEqualTo("body");
        assertThat(error.path("error").asText()).contains("BAD_CRC at line", "(G85)", "kept as read");
        JsonNode kept = get("/api/dex/reads?status=rejected");
        assertThat(kept.path("reads").findValuesAsText("reason")).isNotEmpty();
    }

    @Test
    void should_answer_a_second_upload_of_the_same_read_as_a_duplicate() throws Exception {
        String dex = DexSamples.soundRead("SN-TWICE", yesterday, 7, 7);
        JsonNode first = JSON.readTree(post("/api/dex?machineId=twice-01", dex).body());
        HttpResponse<String> again = post("/api/dex", dex);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asBoolean()).isTrue();
        assertThat(JSON.readTree(again.body()).path("readId").asLong()).isEqualTo(first.path("readId").asLong());
    }

    @Test
    void should_bind_a_held_read_over_http_and_refuse_an_unknown_read() throws Exception {
        JsonNode held = JSON.readTree(post("/api/dex", DexSamples.soundRead("SN-HELD", yesterday, 5, 5)).body());
        assertThat(held.path("status").asText()).isEqualTo("unknown_machine");
        assertThat(held.path("reason").asText()).isEqualTo("UNKNOWN_MACHINE");

        HttpResponse<String> bound = post("/api/dex/reads/" + held.path("readId").asLong() + "/bind?machineId=held-01", "");
        HttpResponse<String> unknown = post("/api/dex/reads/987654321/bind?machineId=held-01", "");
        HttpResponse<String> nameless = post("/api/dex/reads/" + held.path("readId").asLong() + "/bind", "");

        assertThat(bound.statusCode()).as(bound.body()).isEqualTo(200);
        assertThat(JSON.readTree(bound.body()).path("processed").asInt()).isEqualTo(1);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(nameless.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(nameless.body()).path("parameter").asText()).isEqualTo("machineId");
    }

    @Test
    void should_count_a_machine_only_audits_know_in_the_fleet_and_its_sales_spread_over_the_interval() throws Exception {
        String machine = "oldlib-01";
        ZonedDateTime first = ZonedDateTime.now(Campus.ZONE).minusHours(10).withMinute(0).withSecond(0).withNano(0);
        assertThat(post("/api/dex?machineId=" + machine + "&location=Old%20Library", DexSamples.soundRead("SN-OLD", first, 100, 100)).statusCode())
                .isEqualTo(200);
        assertThat(post("/api/dex?machineId=" + machine, DexSamples.soundRead("SN-OLD", first.plusHours(8), 124, 24)).statusCode()).isEqualTo(200);

        JsonNode machines = get("/api/machines?machineId=" + machine);
        assertThat(machines.path("auditOnly").asLong()).isEqualTo(1);
        assertThat(machines.path("machines")).singleElement().satisfies(m -> {
            assertThat(m.path("status").asText()).isEqualTo("audit");
            assertThat(m.path("telemetry").asText()).isEqualTo("audit");
            assertThat(m.path("location").asText()).isEqualTo("Old Library");
        });
        JsonNode reconciliation = get("/api/reconciliation?machineId=" + machine);
        assertThat(reconciliation.path("totals").path("dex").path("paidVends").asLong()).isEqualTo(24);
        // 24 vends over 8 hours: 3 an hour in the rollups the sales figures read
        JsonNode locations = get("/api/locations?from=" + first.toLocalDate() + "&to=" + first.toLocalDate().plusDays(2));
        JsonNode oldLibrary = null;
        for (JsonNode l : locations.path("locations")) {
            if (l.path("location").asText().equals("Old Library")) {
                oldLibrary = l;
            }
        }
        assertThat(oldLibrary).as("Old Library in %s", locations).isNotNull();
        assertThat(oldLibrary.path("units").asLong()).isEqualTo(24);
        assertThat(oldLibrary.path("revenue").decimalValue()).isEqualByComparingTo(new BigDecimal("120000.00"));
    }

    @Test
    void should_answer_reads_and_reconciliation_as_the_contract_describes_and_as_csv() throws Exception {
        String machine = "csv-01";
        post("/api/dex?machineId=" + machine, DexSamples.soundRead("SN-CSV", yesterday, 10, 10));
        post("/api/dex?machineId=" + machine, DexSamples.soundRead("SN-CSV", yesterday.plusHours(6), 15, 5));

        for (String path : List.of("/api/dex/reads", "/api/dex/reads?machineId=" + machine, "/api/reconciliation",
                "/api/reconciliation?machineId=" + machine, "/api/dex/reads?status=nonsense", "/api/reconciliation?format=xml")) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            CONTRACT.assertAnswers(path, response.statusCode(), response.body());
        }
        HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/reconciliation?machineId=" + machine))
                .header("Accept", "text/csv").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(csv.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("Content-Disposition")).hasValueSatisfying(d -> assertThat(d).contains("reconciliation.csv"));
        assertThat(csv.body().lines().toList()).hasSize(3).element(1).asString().startsWith("csv-01,").contains(",*,5,0,5,");
    }

    // ---------------------------------------------------------------------------------------------

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}

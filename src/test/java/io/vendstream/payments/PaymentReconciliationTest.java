package io.vendstream.payments;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.ContractSchemas;
import io.vendstream.simulator.EventJson;
import io.vendstream.simulator.FleetFile;
import io.vendstream.simulator.FleetSimulator;
import io.vendstream.simulator.PaymentProcessor;
import io.vendstream.simulator.SimulatedRecord;
import io.vendstream.simulator.WireEvent;
import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A simulated week of the campus's sales and its payment processor's events, with exceptions
 * injected at known rates, through the running application: both topics, the same ingest, route
 * match-payments. Matching must find exactly the injected exceptions, each kind counted and listed;
 * a late settlement resolves its exception and its alert; replaying the payment topic changes nothing.
 */
class PaymentReconciliationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ContractSchemas CONTRACT = new ContractSchemas();
    private static final long SEED = 20261206L;

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("payments")
            .configured((ns, props) -> props.setProperty("vendstream.import.dir",
                    java.nio.file.Path.of("target", "test-data", ns.id(), "import").toAbsolutePath().toString()))
            .with("vendstream.import.poll-millis", "200")
            .with("vendstream.payments.match-period-millis", "200")
            .with("vendstream.alerts.evaluate-period-millis", "300")
            .with("vendstream.alerts.first-evaluation-delay-millis", "300");

    private static Map<String, Set<String>> injected;
    private static final List<byte[]> paymentPayloads = new ArrayList<>();
    private static final List<String> paymentKeys = new ArrayList<>();
    private static long cashlessSales;

    @BeforeAll
    static void simulateAWeek() throws Exception {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(SEED), Campus.ZONE);
        // a week that ended three days ago: every window (authorization, settlement, grace) has closed
        ZonedDateTime start = LocalDate.now(Campus.ZONE).minusDays(10).atTime(6, 0).atZone(Campus.ZONE);
        ZonedDateTime end = start.plusDays(7);
        PaymentProcessor processor = PaymentProcessor.started(Map.of(
                "seed", String.valueOf(SEED),
                "refunded-failure-fraction", "0.01",
                "unrefunded-failure-fraction", "0.01",
                "missing-authorization-fraction", "0.01",
                "double-authorization-fraction", "0.01",
                "missing-settlement-fraction", "0.01",
                "short-settlement-fraction", "0.01",
                "late-event-fraction", "0.02"), Clock.system(Campus.ZONE));
        List<SimulatedRecord> records = new ArrayList<>();
        for (WireEvent e : fleet.history(start, end)) {
            records.add(new SimulatedRecord(e.machineId(), e.type(), e));
        }
        List<SimulatedRecord> vended = processor.vended(records);
        for (SimulatedRecord r : vended) {
            APP.kafka().sendAsync(APP.topic(), r.key(), EventJson.toBytes(r.payload()));
            if (r.payload() instanceof Map<?, ?> sale && sale.containsKey("transactionRef")) {
                cashlessSales++;
            }
        }
        for (SimulatedRecord p : processor.due()) {
            byte[] payload = EventJson.toBytes(p.payload());
            paymentPayloads.add(payload);
            paymentKeys.add(p.key());
            APP.kafka().sendAsync(APP.ns().paymentsTopic(), p.key(), payload);
        }
        APP.kafka().flush();
        assertThat(processor.pendingCount()).as("payment events still to come").isZero();
        injected = processor.injected();
        assertThat(injected.keySet()).as("every kind injected").containsExactlyInAnyOrderElementsOf(PaymentQueries.KINDS);
        awaitMatched(vended.size(), paymentPayloads.size());
    }

    /** Until both topics are stored and matching has nothing queued and nothing due. */
    private static void awaitMatched(long events, long payments) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(300)).until(() ->
                count("select coalesce(sum(consumed), 0) from ingest_partitions where topic = '" + APP.topic() + "'") >= events
                        && count("select coalesce(sum(consumed), 0) from ingest_partitions where topic = '"
                        + APP.ns().paymentsTopic() + "'") >= payments
                        && count("select count(*) from payment_match_queue") == 0
                        && count("select count(*) from payment_transactions where check_at <= now()") == 0);
    }

    @Test
    void should_find_exactly_the_injected_exceptions_of_a_week_each_kind_counted_and_listed() throws Exception {
        JsonNode answer = get("/api/payments/exceptions?status=open&limit=5000");
        Map<String, Set<String>> found = new TreeMap<>();
        answer.path("exceptions").forEach(e -> {
            // the other tests' own machines are not the simulated fleet's
            if (!e.path("machineId").asText().startsWith("late-") && !e.path("machineId").asText().startsWith("webhook-")) {
                found.computeIfAbsent(e.path("kind").asText(), k -> new TreeSet<>()).add(e.path("transactionRef").asText());
            }
        });
        assertThat(found).isEqualTo(injected);

        JsonNode reconciliation = get("/api/payments/reconciliation?from=" + LocalDate.now(Campus.ZONE).minusDays(11)
                + "&to=" + LocalDate.now(Campus.ZONE).minusDays(3) + "T06:00:00");
        JsonNode totals = reconciliation.path("totals");
        for (String kind : PaymentQueries.KINDS) {
            assertThat(totals.path("exceptions").path(kind).asLong()).as(kind).isEqualTo(injected.get(kind).size());
        }
        assertThat(totals.path("cashlessVends").asLong()).as("every cashless sale is a transaction").isEqualTo(cashlessSales);
        assertThat(totals.path("pending").asLong()).as("nothing left waiting in a closed week").isZero();
        // every cashless vend and payment ends matched, refunded or in one exception
        long exceptions = injected.values().stream().mapToLong(Set::size).sum();
        assertThat(totals.path("matched").asLong() + totals.path("refunds").asLong() + exceptions)
                .isEqualTo(totals.path("transactions").asLong());
        assertThat(reconciliation.path("kpis").path("settledShare").decimalValue()).isBetween(
                new java.math.BigDecimal("0.9"), java.math.BigDecimal.ONE);
        assertThat(reconciliation.path("kpis").path("vendToAuthorizationSecondsP50").asDouble()).isEqualTo(2.0);
    }

    @Test
    void should_list_the_exceptions_of_one_kind_and_machine_as_csv() throws Exception {
        String ref = injected.get("AMOUNT_MISMATCH").iterator().next();
        JsonNode one = get("/api/payments/exceptions?kind=AMOUNT_MISMATCH").path("exceptions");
        String machine = "";
        for (JsonNode e : one) {
            if (e.path("transactionRef").asText().equals(ref)) {
                machine = e.path("machineId").asText();
            }
        }
        HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl()
                + "/api/payments/exceptions?kind=AMOUNT_MISMATCH&format=csv&machineId=" + machine)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        assertThat(csv.body()).startsWith("id,kind,transactionRef,").contains(ref).doesNotContain("SETTLEMENT_MISSING");

        HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl()
                + "/api/payments/exceptions?kind=LOST")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("parameter").asText()).isEqualTo("kind");
    }

    @Test
    void should_change_nothing_when_the_payment_topic_is_replayed() throws Exception {
        long stored = count("select count(*) from payments");
        String before = get("/api/payments/exceptions?status=all&limit=5000").path("exceptions").toString();
        long duplicatesBefore = count("select coalesce(sum(duplicates), 0) from ingest_partitions where topic = '"
                + APP.ns().paymentsTopic() + "'");
        for (int i = 0; i < paymentPayloads.size(); i++) {
            APP.kafka().sendAsync(APP.ns().paymentsTopic(), paymentKeys.get(i), paymentPayloads.get(i));
        }
        APP.kafka().flush();
        await().atMost(Duration.ofMinutes(2)).until(() -> count("select coalesce(sum(duplicates), 0) from ingest_partitions "
                + "where topic = '" + APP.ns().paymentsTopic() + "'") >= duplicatesBefore + paymentPayloads.size());
        assertThat(count("select count(*) from payments")).isEqualTo(stored);
        assertThat(count("select count(*) from payment_match_queue")).as("a duplicate queues nothing").isZero();
        assertThat(get("/api/payments/exceptions?status=all&limit=5000").path("exceptions").toString()).isEqualTo(before);
    }

    @Test
    void should_resolve_a_missing_settlement_and_its_alert_when_the_settlement_comes_late() throws Exception {
        String machine = "late-settle-01";
        String ref = "TX-LATE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        // past the settlement window and its grace, after the simulated week
        ZonedDateTime vendAt = ZonedDateTime.now(Campus.ZONE).minusHours(60);
        APP.kafka().send(APP.topic(), machine, sale(machine, ref, vendAt));
        APP.kafka().send(APP.ns().paymentsTopic(), machine, payment("authorization", machine, ref, vendAt.minusSeconds(2)));

        await().atMost(Duration.ofSeconds(60)).until(() -> openExceptions(machine).contains("SETTLEMENT_MISSING"));
        await().atMost(Duration.ofSeconds(60)).until(() -> openAlerts(machine) == 1);

        APP.kafka().send(APP.ns().paymentsTopic(), machine, payment("settlement", machine, ref, vendAt.plusDays(2)));
        await().atMost(Duration.ofSeconds(60)).until(() -> openExceptions(machine).isEmpty());
        // the vend and its authorization travel on two topics: when the vend is matched first, its
        // VEND_WITHOUT_PAYMENT opens and is resolved by the authorization a moment later, as a late event does
        JsonNode resolved = get("/api/payments/exceptions?status=resolved&kind=SETTLEMENT_MISSING&machineId=" + machine)
                .path("exceptions");
        assertThat(resolved).singleElement().satisfies(e -> {
            assertThat(e.path("kind").asText()).isEqualTo("SETTLEMENT_MISSING");
            assertThat(e.path("resolvedAt").isNull()).isFalse();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> openAlerts(machine) == 0);
    }

    @Test
    void should_publish_a_webhooks_payment_events_and_refuse_an_invalid_one_naming_its_field() throws Exception {
        String machine = "webhook-01";
        String ref = "TX-HOOK-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        byte[] good = payment("authorization", machine, ref, ZonedDateTime.now(Campus.ZONE).minusMinutes(1));
        HttpResponse<String> ok = post("/api/payments/events", "[" + new String(good, java.nio.charset.StandardCharsets.UTF_8) + "]");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).path("accepted").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from payments where transaction_ref = '" + ref + "'") == 1);

        String negative = new String(good, java.nio.charset.StandardCharsets.UTF_8).replace("\"amount\":8000.00", "\"amount\":-1");
        assertThat(negative).contains("\"amount\":-1");
        HttpResponse<String> bad = post("/api/payments/events", negative);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("parameter").asText()).isEqualTo("amount");
        HttpResponse<String> missing = post("/api/payments/events", "{\"kind\":\"authorization\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).path("parameter").asText()).isNotEqualTo("body");
    }

    @Test
    void should_publish_a_dropped_payments_file_to_the_payments_topic() throws Exception {
        String machine = "import-01";
        String ref = "TX-FILE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        ZonedDateTime at = ZonedDateTime.now(Campus.ZONE).minusHours(1);
        String lines = new String(payment("authorization", machine, ref, at), java.nio.charset.StandardCharsets.UTF_8) + "\n"
                + new String(payment("settlement", machine, ref, at.plusMinutes(30)), java.nio.charset.StandardCharsets.UTF_8) + "\n";
        java.nio.file.Path dir = java.nio.file.Path.of(APP.properties().getProperty("vendstream.import.dir"));
        java.nio.file.Files.createDirectories(dir);
        String name = "processor-" + System.nanoTime() + ".payments.jsonl";
        java.nio.file.Files.writeString(dir.resolve(name), lines);

        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from payments where transaction_ref = '" + ref + "'") == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> java.nio.file.Files.exists(dir.resolve("done").resolve(name)));
        assertThat(count("select count(*) from rejected_events where source_topic = '" + APP.topic() + "' and convert_from(payload, 'UTF8') like '%" + ref + "%'"))
                .as("nothing went to the vending events' topic").isZero();
    }

    // ---------------------------------------------------------------------------------------------

    private static byte[] sale(String machine, String ref, ZonedDateTime at) {
        return EventJson.toBytes(Map.ofEntries(Map.entry("eventId", UUID.randomUUID().toString()), Map.entry("type", "sale"),
                Map.entry("machineId", machine), Map.entry("location", "Test Hall"), Map.entry("product", "Aqua 600ml"),
                Map.entry("unitPrice", new java.math.BigDecimal("8000.00")), Map.entry("quantity", 1),
                Map.entry("paymentMethod", "qris"), Map.entry("transactionRef", ref),
                Map.entry("occurredAt", WireEvent.timestamp(at))));
    }

    private static byte[] payment(String kind, String machine, String ref, ZonedDateTime at) {
        return EventJson.toBytes(new PaymentProcessor.PaymentWire(UUID.randomUUID().toString(), kind, ref, machine, "qris-switch",
                "qris", new java.math.BigDecimal("8000.00"), "IDR", null, WireEvent.timestamp(at)));
    }

    private static Set<String> openExceptions(String machine) throws Exception {
        Set<String> kinds = new TreeSet<>();
        get("/api/payments/exceptions?machineId=" + machine).path("exceptions").forEach(e -> kinds.add(e.path("kind").asText()));
        return kinds;
    }

    private static long openAlerts(String machine) throws SQLException {
        return count("select count(*) from alerts where rule = 'payment-exception' and machine_id = '" + machine
                + "' and resolved_at is null");
    }

    /** The answer, checked against the contract. */
    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        CONTRACT.assertAnswers(path, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = APP.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

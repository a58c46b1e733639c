package io.vendstream.alerts;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.vendstream.dex.DexWriter;
import io.vendstream.support.Campus;
import io.vendstream.support.Kafka;
import io.vendstream.support.Namespace;
import io.vendstream.support.RunningApp;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every alert rule of routes/evaluate-alert-rules.camel.yaml, run by the real application on a real
 * PostgreSQL whose tables are seeded the way ingest fills them. Each episode (condition starts,
 * persists over several evaluations, clears) must give exactly one opened and one resolved
 * transition; each test uses machines and locations of its own.
 */
class AlertRulesTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("alert_rules", AlertTables::fastRules);
    private static AlertTables db;

    @BeforeAll
    static void start_the_application_with_fast_rule_evaluation() {
        db = new AlertTables(APP.ns());
    }

    @Test
    void should_not_let_an_older_reading_that_reaches_the_lock_second_undo_a_newer_one() throws Exception {
        AlertStore store = APP.context().getRegistry().lookupByNameAndType("alertStore", AlertStore.class);
        java.sql.Timestamp older = store.readingStarts();
        java.sql.Timestamp newer = store.readingStarts();
        assertThat(newer).isAfter(older);
        Map<String, Object> found = Map.of("machine_id", "overlap-1", "product", "", "location", "Hall",
                "severity", "warning", "summary", "overlap-1 is in trouble", "details", "{}");
        // instance b read later and found the condition; its evaluation is applied first
        assertThat(store.reconcile("overlap", newer, List.of(found))).containsEntry("opened", 1L);
        // instance a read earlier, before the condition began, and reaches the lock second: it changes nothing
        assertThat(store.reconcile("overlap", older, List.of())).containsEntry("resolved", 0L);
        assertThat(openAlerts("overlap", "overlap-1")).isEqualTo(1L);
        // a newer reading that no longer finds it resolves it, once
        assertThat(store.reconcile("overlap", store.readingStarts(), List.of())).containsEntry("resolved", 1L);
        assertThat(transitions("overlap", "overlap-1")).containsExactly("opened", "resolved");
    }

    @Test
    void should_open_one_stock_out_alert_per_empty_slot_and_resolve_it_on_restock() throws Exception {
        db.stock("so-1", "Cola", "Stockout Hall", 0, 10);
        awaitTransitions("stock-out", "so-1", "opened");
        db.stock("so-1", "Cola", "Stockout Hall", 10, 10);
        awaitTransitions("stock-out", "so-1", "opened", "resolved");
        assertThat(summaries("stock-out", "so-1")).containsExactly("Cola is sold out in so-1 (Stockout Hall)");
    }

    @Test
    void should_warn_of_a_slot_the_restock_forecast_expects_to_run_out_within_the_horizon_and_resolve_after_a_restock()
            throws Exception {
        // four weeks of one Water an hour, every hour: the forecast's rate is one unit an hour
        LocalDate today = LocalDate.now(Campus.ZONE);
        db.machine("ls-1", "Lowstock Hall", Instant.now());
        for (int d = 1; d <= 28; d++) {
            db.dailyProduct(today.minusDays(d), "ls-1", "Water", "Lowstock Hall", 24);
            Instant midnight = today.minusDays(d).atStartOfDay(Campus.ZONE).toInstant();
            for (int h = 0; h < 24; h++) {
                db.hourly(midnight.plus(h, ChronoUnit.HOURS), "ls-1", "Lowstock Hall", 1);
            }
        }
        // 3 units: out within about 3 hours, inside the 6-hour horizon
        db.stock("ls-1", "Water", "Lowstock Hall", 3, 40);
        awaitTransitions("low-stock", "ls-1", "opened");
        // 100 units last four days
        db.stock("ls-1", "Water", "Lowstock Hall", 100, 100);
        awaitTransitions("low-stock", "ls-1", "opened", "resolved");
    }

    @Test
    void should_alert_a_busy_machine_gone_silent_but_not_one_quiet_at_its_usual_quiet_hour() throws Exception {
        Instant now = Instant.now();
        Instant thisHour = now.truncatedTo(ChronoUnit.HOURS);
        for (int week = 1; week <= 4; week++) {
            for (int h = -4; h <= 1; h++) {
                Instant hour = thisHour.plus(h, ChronoUnit.HOURS).minus(7L * week, ChronoUnit.DAYS);
                // busy at these hours of the week; the other machine sells only well before them
                db.hourly(hour, "busy-1", "Silence Hall", 6);
                db.hourly(hour.minus(8, ChronoUnit.HOURS), "quiet-1", "Silence Hall", 6);
            }
        }
        // the rest of the fleet is reporting, so the silence is the machines', not the pipeline's
        db.machine("chatty-1", "Silence Hall", now);
        db.machine("busy-1", "Silence Hall", now.minus(2, ChronoUnit.HOURS));
        db.machine("quiet-1", "Silence Hall", now.minus(2, ChronoUnit.HOURS));
        awaitTransitions("machine-silent", "busy-1", "opened");
        // a new event ends the silence
        db.exec("update machines set last_seen = now() where machine_id = ?", "busy-1");
        awaitTransitions("machine-silent", "busy-1", "opened", "resolved");
        assertThat(transitions("machine-silent", "quiet-1")).isEmpty();
    }

    @Test
    void should_alert_a_machine_whose_mqtt_session_ended_and_resolve_when_it_reconnects() throws Exception {
        java.net.http.HttpResponse<String> registered = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + "/api/devices"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"machineId\":\"gone-1\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String secret = new com.fasterxml.jackson.databind.ObjectMapper().readTree(registered.body()).path("secret").asText();
        String port = APP.properties().getProperty("vendstream.mqtt.port");
        java.util.function.Supplier<Process> connect = () -> {
            try {
                return new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", "gone-1", "-P", secret,
                        "-t", "vendstream/machines/gone-1/#", "--will-topic", "vendstream/machines/gone-1/status",
                        "--will-payload", "offline").redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        Process machine = connect.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("select count(*) from devices where machine_id = 'gone-1' and connected") == 1);
        machine.destroyForcibly();
        awaitTransitions("machine-offline", "gone-1", "opened");
        assertThat(summaries("machine-offline", "gone-1")).singleElement().asString().contains("offline since").contains("last will");
        Process back = connect.get();
        try {
            awaitTransitions("machine-offline", "gone-1", "opened", "resolved");
        } finally {
            back.destroy();
        }
    }

    @Test
    void should_not_alert_silent_machines_while_the_whole_fleet_is_silent() throws Exception {
        Namespace quiet = TestInfrastructure.get().namespace("alert_fleet_silent");
        AlertTables fleet = new AlertTables(quiet);
        try (VendstreamApp other = VendstreamApp.start(AlertTables.fastRules(quiet))) {
            Instant thisHour = Instant.now().truncatedTo(ChronoUnit.HOURS);
            for (int week = 1; week <= 4; week++) {
                for (int h = -4; h <= 1; h++) {
                    fleet.hourly(thisHour.plus(h, ChronoUnit.HOURS).minus(7L * week, ChronoUnit.DAYS), "backlog-1", "Backlog Hall", 6);
                }
            }
            // every machine's newest event is two hours old: ingest is behind, or the campus is offline
            fleet.machine("backlog-1", "Backlog Hall", Instant.now().minus(2, ChronoUnit.HOURS));
            fleet.machine("backlog-2", "Backlog Hall", Instant.now().minus(2, ChronoUnit.HOURS));
            AlertTables.awaitRounds(other, "evaluate-alert-rule-machine-silent", 4);
            assertThat(fleet.transitions("machine-silent", "backlog-1")).isEmpty();
            // one machine catches up: now the busy one's silence is its own
            fleet.machine("backlog-2", "Backlog Hall", Instant.now());
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.transitions("machine-silent", "backlog-1").size() == 1);
        }
    }

    @Test
    void should_judge_nothing_while_ingest_is_behind_and_catch_up_once_it_is_not() throws Exception {
        Namespace behind = TestInfrastructure.get().namespace("alert_ingest_behind");
        AlertTables tables = new AlertTables(behind);
        // nobody ingests here (fastRules): what is published stays unstored, as in a backlog
        Properties props = AlertTables.fastRules(behind);
        props.setProperty("vendstream.alerts.max-ingest-lag", "5");
        try (VendstreamApp other = VendstreamApp.start(props);
             Kafka kafka = new Kafka(TestInfrastructure.get().bootstrapServers())) {
            for (int i = 0; i < 10; i++) {
                kafka.send(behind.topic(), 0, "late-1", "{}".getBytes(StandardCharsets.UTF_8));
            }
            // the lag is read every vendstream.api.lag-refresh-millis: wait until the gate has seen it
            IngestGate gate = other.context().getRegistry().lookupByNameAndType("ingestGate", IngestGate.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> !gate.caughtUp(other.context()));
            tables.stock("late-1", "Cola", "Backlog Hall", 0, 10);
            AlertTables.awaitRounds(other, "evaluate-alert-rule-stock-out", 8);
            assertThat(tables.transitions("stock-out", "late-1")).isEmpty();
            // ingest catches up: the group's committed offsets reach the end of the topic
            Kafka.commitToEnd(TestInfrastructure.get().bootstrapServers(), behind.group(), behind.topic(), 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> tables.transitions("stock-out", "late-1").size() == 1);
        }
    }

    @Test
    void should_suspect_the_cashless_reader_when_only_cash_comes_in_and_the_coin_mechanism_in_reverse() throws Exception {
        LocalDate today = LocalDate.now(Campus.ZONE);
        Instant now = Instant.now();
        for (String machine : List.of("pay-cash-only", "pay-card-only")) {
            db.machine(machine, "Payment Hall", now);
            for (int d = 1; d <= 7; d++) {
                db.payment(today.minusDays(d), machine, "Payment Hall", "qris", 30);
                db.payment(today.minusDays(d), machine, "Payment Hall", "cash", 30);
            }
        }
        for (int i = 10; i >= 1; i--) {
            db.sale("pay-cash-only", "Payment Hall", "Cola", "cash", 10_000, null, now.minus(i, ChronoUnit.MINUTES));
            db.sale("pay-card-only", "Payment Hall", "Cola", "card", 10_000, null, now.minus(i, ChronoUnit.MINUTES));
        }
        awaitTransitions("cashless-reader-down", "pay-cash-only", "opened");
        awaitTransitions("coin-mechanism-down", "pay-card-only", "opened");
        db.sale("pay-cash-only", "Payment Hall", "Cola", "qris", 10_000, null, now);
        db.sale("pay-card-only", "Payment Hall", "Cola", "cash", 10_000, null, now);
        awaitTransitions("cashless-reader-down", "pay-cash-only", "opened", "resolved");
        awaitTransitions("coin-mechanism-down", "pay-card-only", "opened", "resolved");
        assertThat(transitions("cashless-reader-down", "pay-card-only")).isEmpty();
        assertThat(transitions("coin-mechanism-down", "pay-cash-only")).isEmpty();
    }

    @Test
    void should_flag_a_slot_whose_sales_were_judged_to_disagree_until_the_slot_is_restocked() throws Exception {
        // the verdicts ingest's stock judge keeps (StockContinuityTest judges them from real events)
        Instant now = Instant.now();
        db.restock("mis-1", "Mismatch Hall", "Chips", 10, 10, now.minus(60, ChronoUnit.MINUTES));
        // two units went missing before a sale that should have left 7
        db.mismatch("mis-1", "Mismatch Hall", "Chips", 7, 5, now.minus(40, ChronoUnit.MINUTES));
        // a slot whose disagreeing sale came before its last restock: the crew's count settled it
        db.mismatch("mis-1", "Mismatch Hall", "Water", 4, 3, now.minus(50, ChronoUnit.MINUTES));
        db.restock("mis-1", "Mismatch Hall", "Water", 8, 12, now.minus(45, ChronoUnit.MINUTES));
        // one older than the window
        db.mismatch("mis-1", "Mismatch Hall", "Candy", 4, 2, now.minus(25, ChronoUnit.HOURS));
        awaitTransitions("stock-mismatch", "mis-1", "opened");
        assertThat(summaries("stock-mismatch", "mis-1")).singleElement().asString().contains("Chips", "1 time(s), 2 unit(s) missing");
        db.restock("mis-1", "Mismatch Hall", "Chips", 5, 10, now.minus(1, ChronoUnit.MINUTES));
        awaitTransitions("stock-mismatch", "mis-1", "opened", "resolved");
    }

    @Test
    void should_raise_a_revenue_drop_once_and_keep_it_open_until_revenue_recovers_past_the_hysteresis() throws Exception {
        Instant now = Instant.now();
        // the rule reads the hourly rollup, which ingest keeps beside the sales it stores
        String zone = APP.context().resolvePropertyPlaceholders("{{vendstream.timezone}}");
        db.machine("drop-1", "Drop Hall", now);
        for (int week = 1; week <= 4; week++) {
            db.sale("drop-1", "Drop Hall", "Lunch", "cash", 100_000, null, now.minus(7L * week, ChronoUnit.DAYS).minus(1, ChronoUnit.HOURS));
            db.rollUpHours("drop-1", zone);
        }
        // 20 % of the usual: below half
        db.sale("drop-1", "Drop Hall", "Lunch", "cash", 20_000, null, now.minus(30, ChronoUnit.MINUTES));
        db.rollUpHours("drop-1", zone);
        awaitTransitionsAt("Drop Hall", "opened");
        // 60 %: no longer a drop, but not recovered either (70 %): the alert stays open
        db.sale("drop-1", "Drop Hall", "Lunch", "cash", 40_000, null, now.minus(20, ChronoUnit.MINUTES));
        db.rollUpHours("drop-1", zone);
        awaitFurtherEvaluations("evaluate-alert-rule-revenue-drop", 4);
        assertThat(transitionsAt("Drop Hall")).containsExactly("opened");
        // 80 %: recovered
        db.sale("drop-1", "Drop Hall", "Lunch", "cash", 20_000, null, now.minus(10, ChronoUnit.MINUTES));
        db.rollUpHours("drop-1", zone);
        awaitTransitionsAt("Drop Hall", "opened", "resolved");
    }

    @Test
    void should_raise_a_telemetry_gap_when_the_machines_books_count_vends_the_stream_never_delivered() throws Exception {
        ZonedDateTime now = ZonedDateTime.now(Campus.ZONE).withNano(0);
        db.machine("gap-1", "Gap Hall", now.toInstant());
        // the stream delivered 2 sales between the first two reads; the machine counted 6
        db.sale("gap-1", "Gap Hall", "Chips", "cash", 8_000, null, now.minusHours(2).toInstant());
        db.sale("gap-1", "Gap Hall", "Chips", "qris", 8_000, null, now.minusHours(1).toInstant());
        // the rule counts whole hours from the hourly rollup, which ingest keeps beside the sales it stores
        String zone = APP.context().resolvePropertyPlaceholders("{{vendstream.timezone}}");
        db.rollUpHours("gap-1", zone);
        assertThat(uploadDex("gap-1", dexRead(now.minusHours(3), 10, 0))).isEqualTo(200);
        assertThat(uploadDex("gap-1", dexRead(now.minusMinutes(30), 16, 6))).isEqualTo(200);
        awaitTransitions("telemetry-gap", "gap-1", "opened");
        assertThat(summaries("telemetry-gap", "gap-1")).singleElement().asString().contains("gap-1 counted 4 vends");
        // the next read's interval agrees with the stream: the gap is closed
        db.sale("gap-1", "Gap Hall", "Chips", "cash", 8_000, null, now.minusMinutes(10).toInstant());
        db.rollUpHours("gap-1", zone);
        assertThat(uploadDex("gap-1", dexRead(now.minusMinutes(5), 17, 1))).isEqualTo(200);
        awaitTransitions("telemetry-gap", "gap-1", "opened", "resolved");
    }

    @Test
    void should_raise_an_audit_event_for_faults_a_machines_audit_reports_since_its_previous_read() throws Exception {
        ZonedDateTime now = ZonedDateTime.now(Campus.ZONE).withNano(0);
        db.machine("evt-1", "Event Hall", now.toInstant());
        assertThat(uploadDex("evt-1", withEvents(dexRead(now.minusHours(6), 0, 0), List.of()))).isEqualTo(200);
        // two bill jams and a power cut between the reads; one jam from before the previous read is old news
        assertThat(uploadDex("evt-1", withEvents(dexRead(now.minusHours(1), 0, 0), List.of(
                "EA1*EJB*" + stamp(now.minusHours(7)), "EA1*EJB*" + stamp(now.minusHours(4)), "EA1*EJB*" + stamp(now.minusHours(3)),
                "EA1*EGQ*" + stamp(now.minusHours(2)))))).isEqualTo(200);
        // two subjects (one per event code), so two alerts open at once
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(transitions("audit-event", "evt-1"))
                .containsExactly("opened", "opened"));
        awaitFurtherEvaluations("evaluate-alert-rule-audit-event", 4);
        assertThat(transitions("audit-event", "evt-1")).containsExactly("opened", "opened");
        assertThat(openAlerts("audit-event", "evt-1")).isEqualTo(2);
        assertThat(summaries("audit-event", "evt-1")).containsExactlyInAnyOrder(
                "evt-1 reported event EJB 2 time(s) since its previous audit read",
                "evt-1 reported event EGQ 1 time(s) since its previous audit read");
        // the next read reports nothing new: both resolve
        assertThat(uploadDex("evt-1", withEvents(dexRead(now.minusMinutes(10), 0, 0), List.of()))).isEqualTo(200);
        awaitTransitions("audit-event", "evt-1", "opened", "opened", "resolved", "resolved");
    }

    /** The read with these EA1 lines before its EA3, its G85 left out and SE's count made right. */
    private static String withEvents(String dex, List<String> events) {
        List<String> lines = new java.util.ArrayList<>(dex.lines().filter(l -> !l.startsWith("G85")).toList());
        lines.addAll(lines.indexOf(lines.stream().filter(l -> l.startsWith("EA3")).findFirst().orElseThrow()), events);
        int st = lines.indexOf(lines.stream().filter(l -> l.startsWith("ST*")).findFirst().orElseThrow());
        int se = lines.indexOf(lines.stream().filter(l -> l.startsWith("SE*")).findFirst().orElseThrow());
        lines.set(se, "SE*" + (se - st + 1) + "*0001");
        return String.join("\r\n", lines) + "\r\n";
    }

    private static String stamp(ZonedDateTime at) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd*HHmm").format(at);
    }

    /** A sound DEX read of one selection (Chips at 8,000), as a machine's controller writes it. */
    private static String dexRead(ZonedDateTime at, long vendsSinceInit, long vendsSinceReset) {
        BigDecimal price = new BigDecimal("8000.00");
        DexWriter.Sales init = new DexWriter.Sales(vendsSinceInit, price.multiply(BigDecimal.valueOf(vendsSinceInit)));
        DexWriter.Sales reset = new DexWriter.Sales(vendsSinceReset, price.multiply(BigDecimal.valueOf(vendsSinceReset)));
        return DexWriter.write(DexWriter.consistentAudit("SN-GAP-1", at.toLocalDateTime(),
                List.of(new DexWriter.Selection("10", "Chips", price, init, reset)), init, reset,
                DexWriter.Sales.NONE, DexWriter.Sales.NONE, 1));
    }

    private static int uploadDex(String machineId, String dex) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(APP.baseUrl() + "/api/dex?machineId=" + machineId))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(dex)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    // ------------------------------------------------------------------------------ waiting

    /** Waits for exactly these transitions, then for further evaluations that must add none. */
    private static void awaitTransitions(String rule, String machineId, String... expected) throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(transitions(rule, machineId)).containsExactly(expected));
        awaitFurtherEvaluations("evaluate-alert-rule-" + rule, 4);
        assertThat(transitions(rule, machineId)).as("transitions of %s for %s", rule, machineId).containsExactly(expected);
        assertThat(openAlerts(rule, machineId)).isEqualTo("resolved".equals(expected[expected.length - 1]) ? 0 : 1);
        db.saveExample(rule, "machine_id", machineId);
    }

    private static void awaitTransitionsAt(String location, String... expected) throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(transitionsAt(location)).containsExactly(expected));
        awaitFurtherEvaluations("evaluate-alert-rule-revenue-drop", 4);
        assertThat(transitionsAt(location)).containsExactly(expected);
        db.saveExample("revenue-drop", "location", location);
    }

    private static void awaitFurtherEvaluations(String routeId, int rounds) {
        AlertTables.awaitRounds(APP.app(), routeId, rounds);
    }

    // ------------------------------------------------------------------------------ reading

    private static List<String> transitions(String rule, String machineId) throws SQLException {
        return db.transitions(rule, machineId);
    }

    private static List<String> transitionsAt(String location) throws SQLException {
        return db.strings("select t.transition from alert_transitions t join alerts a on a.id = t.alert_id "
                + "where a.rule = 'revenue-drop' and a.location = ? and a.machine_id = '' order by t.seq", location);
    }

    private static List<String> summaries(String rule, String machineId) throws SQLException {
        return db.strings("select summary from alerts where rule = ? and machine_id = ? order by id", rule, machineId);
    }

    private static long openAlerts(String rule, String machineId) throws SQLException {
        return db.count("select count(*) from alerts where rule = ? and machine_id = ? and resolved_at is null", rule, machineId);
    }
}

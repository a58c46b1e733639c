package io.vendstream.alerts;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.vendstream.ingest.StockContinuity;
import io.vendstream.support.Events;
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
 * Alert rule stock-mismatch from real events: published to the real broker, stored by ingest,
 * judged by ingest's stock judge after each commit (table stock_mismatches) and read by the rule.
 * Each test uses machines of its own.
 */
class StockContinuityTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("stock_continuity", StockContinuityTest::judging);
    private static AlertTables db;

    @BeforeAll
    static void open_the_tables() {
        db = new AlertTables(APP.ns());
    }

    /** Ingest on, the rules every 250 ms from the start. */
    static Properties judging(Namespace ns) {
        Properties props = AlertTables.fastRules(ns);
        props.setProperty("vendstream.ingest.enabled", "true");
        return props;
    }

    @Test
    void should_keep_the_sale_that_disagrees_with_the_level_before_it_and_alert_until_the_slot_is_restocked() throws Exception {
        Instant now = Instant.now();
        publish(APP.kafka(), APP.ns(), List.of(
                restock("judge-1", "Chips", 10, now.minus(60, ChronoUnit.MINUTES)),
                sale("judge-1", "Chips", 9, now.minus(50, ChronoUnit.MINUTES)),
                sale("judge-1", "Chips", 8, now.minus(45, ChronoUnit.MINUTES)),
                // two units went missing between these sales
                sale("judge-1", "Chips", 5, now.minus(40, ChronoUnit.MINUTES)),
                // a slot whose chain agrees; its first sale has nothing before it to be judged against
                sale("judge-1", "Water", 4, now.minus(40, ChronoUnit.MINUTES)),
                sale("judge-1", "Water", 3, now.minus(30, ChronoUnit.MINUTES))));
        awaitJudged(APP.app());
        assertThat(verdicts("judge-1")).containsExactly("Chips 7 5");
        awaitTransitions("judge-1", "opened");
        assertThat(db.strings("select summary from alerts where rule = 'stock-mismatch' and machine_id = 'judge-1'"))
                .singleElement().asString().contains("Chips", "1 time(s), 2 unit(s) missing");
        // the next sale continues from what was reported: nothing new
        publish(APP.kafka(), APP.ns(), List.of(sale("judge-1", "Chips", 4, now.minus(20, ChronoUnit.MINUTES))));
        awaitJudged(APP.app());
        assertThat(verdicts("judge-1")).containsExactly("Chips 7 5");
        publish(APP.kafka(), APP.ns(), List.of(restock("judge-1", "Chips", 10, now.minus(1, ChronoUnit.MINUTES))));
        awaitTransitions("judge-1", "opened", "resolved");
    }

    @Test
    void should_judge_the_chain_again_when_a_lost_sale_turns_up_late_and_not_alert_for_late_sales_before_a_restock()
            throws Exception {
        Instant now = Instant.now();
        publish(APP.kafka(), APP.ns(), List.of(
                restock("judge-2", "Chips", 10, now.minus(60, ChronoUnit.MINUTES)),
                sale("judge-2", "Chips", 9, now.minus(50, ChronoUnit.MINUTES)),
                // the sale that left 8 is still on its way
                sale("judge-2", "Chips", 7, now.minus(40, ChronoUnit.MINUTES))));
        awaitJudged(APP.app());
        assertThat(verdicts("judge-2")).containsExactly("Chips 8 7");
        awaitTransitions("judge-2", "opened");
        // it arrives after the sale after it was judged: the chain agrees again
        publish(APP.kafka(), APP.ns(), List.of(sale("judge-2", "Chips", 8, now.minus(45, ChronoUnit.MINUTES))));
        awaitJudged(APP.app());
        assertThat(verdicts("judge-2")).isEmpty();
        awaitTransitions("judge-2", "opened", "resolved");
        // late sales that disagree, but before the slot's last restock: the crew's count has settled them
        publish(APP.kafka(), APP.ns(), List.of(
                restock("judge-2", "Chips", 3, now.minus(30, ChronoUnit.MINUTES)),
                sale("judge-2", "Chips", 3, now.minus(55, ChronoUnit.MINUTES)),
                sale("judge-2", "Chips", 2, now.minus(58, ChronoUnit.MINUTES))));
        awaitJudged(APP.app());
        assertThat(verdicts("judge-2")).isNotEmpty();
        AlertTables.awaitRounds(APP.app(), "evaluate-alert-rule-stock-mismatch", 4);
        assertThat(db.transitions("stock-mismatch", "judge-2")).containsExactly("opened", "resolved");
    }

    @Test
    void should_judge_what_was_stored_before_it_started_once_it_stores_its_first_batch() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("stock_continuity_start");
        ns.migratedDataSource();
        AlertTables tables = new AlertTables(ns);
        // stored before this judge ran (by an earlier version, or by an instance that stopped before judging them)
        Instant now = Instant.now();
        tables.restock("start-1", "Mismatch Hall", "Chips", 10, 10, now.minus(60, ChronoUnit.MINUTES));
        tables.sale("start-1", "Mismatch Hall", "Chips", "cash", 8_000, 9, now.minus(50, ChronoUnit.MINUTES));
        tables.sale("start-1", "Mismatch Hall", "Chips", "cash", 8_000, 6, now.minus(40, ChronoUnit.MINUTES));
        try (VendstreamApp app = VendstreamApp.start(judging(ns)); Kafka kafka = new Kafka(TestInfrastructure.get().bootstrapServers())) {
            // any event stored starts the judge, which first judges the window from the tables
            publish(kafka, ns, List.of(sale("start-2", "Water", 4, now)));
            awaitJudged(app);
            assertThat(tables.strings("select product || ' ' || expected || ' ' || reported from stock_mismatches "
                    + "where machine_id = 'start-1'")).containsExactly("Chips 8 6");
            await().atMost(Duration.ofSeconds(60)).until(() -> tables.transitions("stock-mismatch", "start-1").size() == 1);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private static Map<String, Object> sale(String machine, String product, int stockAfter, Instant at) {
        Map<String, Object> e = Events.sale(machine, product, 1, "8000", stockAfter);
        e.put("occurredAt", Events.timestamp(at));
        return e;
    }

    private static Map<String, Object> restock(String machine, String product, int stockAfter, Instant at) {
        Map<String, Object> e = Events.restock(machine, product, 6, stockAfter);
        e.put("occurredAt", Events.timestamp(at));
        return e;
    }

    /** Publishes the events in order (keyed by machine, as machines do) and waits until ingest has stored them. */
    private static void publish(Kafka kafka, Namespace ns, List<Map<String, Object>> events) throws Exception {
        for (Map<String, Object> e : events) {
            kafka.send(ns.topic(), (String) e.get("machineId"), Events.json(e));
        }
        AlertTables tables = ns.equals(APP.ns()) ? db : new AlertTables(ns);
        String last = (String) events.get(events.size() - 1).get("eventId");
        await().atMost(Duration.ofSeconds(60)).until(() -> tables.count(
                "select count(*) from (select event_id from sales union all select event_id from restocks) e "
                        + "where event_id = ?::uuid", last) == 1);
    }

    /** Waits until the judge has judged everything committed. */
    private static void awaitJudged(VendstreamApp app) {
        StockContinuity judge = app.context().getRegistry().lookupByNameAndType("stockContinuity", StockContinuity.class);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(judge::idle);
    }

    private static List<String> verdicts(String machine) throws Exception {
        return db.strings("select product || ' ' || expected || ' ' || reported from stock_mismatches where machine_id = ? "
                + "order by occurred_at", machine);
    }

    private static void awaitTransitions(String machine, String... expected) throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(db.transitions("stock-mismatch", machine)).containsExactly(expected));
        AlertTables.awaitRounds(APP.app(), "evaluate-alert-rule-stock-mismatch", 4);
        assertThat(db.transitions("stock-mismatch", machine)).containsExactly(expected);
    }
}

package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.vendstream.support.Campus;
import io.vendstream.support.Events;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The projections of newly stored events, written on their own (no fences, no claim) into a real
 * PostgreSQL: machines, stock, the rollups in campus hours and days, the latency histogram.
 */
class ProjectionsTest {

    private static PGSimpleDataSource db;

    @BeforeAll
    static void migrate() {
        db = TestInfrastructure.get().namespace("projections").migratedDataSource();
    }

    @Test
    void should_put_a_latency_into_the_first_bucket_that_holds_it() {
        assertThat(Projections.bucket(0)).isEqualTo(1);
        assertThat(Projections.bucket(2)).isEqualTo(2);
        assertThat(Projections.bucket(3)).isEqualTo(5);
        assertThat(Projections.bucket(5)).isEqualTo(5);
        assertThat(Projections.bucket(6)).isEqualTo(10);
        assertThat(Projections.bucket(60_000)).isEqualTo(60_000);
        assertThat(Projections.bucket(60_001)).as("+Inf").isEqualTo(-1);
    }

    @Test
    void should_fold_a_batch_into_machines_stock_and_the_rollups_in_one_statement() throws Exception {
        List<VendingEvent> events = new ArrayList<>();
        for (byte[] payload : List.of(
                Events.json(Events.restock("proj-1", "Water", 12, 12)),
                Events.json(Events.sale("proj-1", "Water", 2, "5000", 10)),
                Events.json(Events.sale("proj-1", "Water", 1, "5000", 9)))) {
            events.add(EventValidator.configured(300, 65536, 0).validate(payload).event());
        }
        Writes writes = new Writes();
        // received a second after each occurred (the device's delay), and just now (the pipeline's)
        long[] receivedAt = events.stream().mapToLong(e -> e.occurredAt().toEpochMilli() + 1_000).toArray();
        new Projections(Campus.ZONE).write(writes, events, receivedAt, 0);
        try (Connection c = db.getConnection()) {
            writes.execute(c);
        }

        assertThat(one("select quantity from stock where machine_id = 'proj-1' and product = 'Water'")).isEqualTo("9");
        assertThat(one("select count(*) from machines where machine_id = 'proj-1'")).isEqualTo("1");
        assertThat(one("select sum(sales_count) || '/' || sum(units) || '/' || sum(revenue) from sales_hourly where machine_id = 'proj-1'"))
                .isEqualTo("2/3/15000.00");
        assertThat(one("select sum(units) from sales_daily_product where machine_id = 'proj-1' and product = 'Water'")).isEqualTo("3");
        assertThat(one("select sum(sales_count) from sales_daily_payment where machine_id = 'proj-1'")).isEqualTo("2");
        assertThat(new BigDecimal(one("select sum(count) from latency_minute where writer = 0 and stage = 'pipeline'")))
                .isGreaterThanOrEqualTo(BigDecimal.valueOf(3));
        assertThat(one("select sum(count) from latency_minute where writer = 0 and stage = 'device' and le_ms = 1000"))
                .as("a second between occurredAt and the record's timestamp is the device's delay").isEqualTo("3");
    }

    @Test
    void should_keep_a_sale_that_breaks_its_slots_reported_chain_and_mark_a_slot_that_receives_a_late_event() throws Exception {
        java.time.ZonedDateTime t = java.time.ZonedDateTime.now(Campus.ZONE).minusHours(1);
        // one poll: a restock, then a sale that agrees, one that does not (two units gone), one that agrees again
        fold(at(Events.restock("proj-2", "Chips", 10, 10), t),
                at(Events.sale("proj-2", "Chips", 1, "5000", 9), t.plusMinutes(1)),
                at(Events.sale("proj-2", "Chips", 1, "5000", 6), t.plusMinutes(2)),
                at(Events.sale("proj-2", "Chips", 2, "5000", 4), t.plusMinutes(3)));
        assertThat(mismatches("proj-2")).containsExactly("8 -> 6");
        // the next poll's first sale continues from the level the last one reported (4): one unit gone
        fold(at(Events.sale("proj-2", "Chips", 1, "5000", 2), t.plusMinutes(4)));
        assertThat(mismatches("proj-2")).containsExactly("8 -> 6", "3 -> 2");
        assertThat(one("select reported_level from stock where machine_id = 'proj-2'")).isEqualTo("2");
        assertThat(one("select count(*) from stock_mismatch_rejudge where machine_id = 'proj-2'")).isEqualTo("0");
        // an event older than the slot's latest is not judged here: the slot is marked for the rule
        fold(at(Events.sale("proj-2", "Chips", 1, "5000", 0), t.plusSeconds(90)),
                at(Events.sale("proj-2", "Chips", 1, "5000", 7), t.plusSeconds(100)));
        assertThat(mismatches("proj-2")).containsExactly("8 -> 6", "3 -> 2");
        assertThat(one("select count(*) from stock_mismatch_rejudge where machine_id = 'proj-2'")).isEqualTo("1");
        assertThat(one("select reported_level from stock where machine_id = 'proj-2'")).as("still the latest event's").isEqualTo("2");
    }

    private static Map<String, Object> at(Map<String, Object> event, java.time.ZonedDateTime when) {
        event.put("occurredAt", io.vendstream.simulator.WireEvent.timestamp(when));
        return event;
    }

    @SafeVarargs
    private static void fold(Map<String, Object>... poll) throws Exception {
        List<VendingEvent> events = new ArrayList<>();
        for (Map<String, Object> e : poll) {
            events.add(EventValidator.configured(300, 65536, 0).validate(Events.json(e)).event());
        }
        Writes writes = new Writes();
        new Projections(Campus.ZONE).write(writes, events, 0);
        try (Connection c = db.getConnection()) {
            writes.execute(c);
        }
    }

    private static List<String> mismatches(String machineId) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select expected || ' -> ' || reported from stock_mismatches where machine_id = '" + machineId + "' order by occurred_at")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    private static String one(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}

package io.vendstream.ingest;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.sql.DataSource;

import io.vendstream.simulator.EventJson;
import io.vendstream.simulator.FleetFile;
import io.vendstream.simulator.FleetSimulator;
import io.vendstream.simulator.WireEvent;
import io.vendstream.support.Campus;
import io.vendstream.support.Events;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stock continuity judged as events are stored (stock_mismatches, V13__stock_mismatches.sql) holds
 * exactly the mismatches a judgement of the whole chain finds, whatever order the events come in:
 * in order, with lost sales turning up late, shuffled across polls, and redelivered.
 */
class StockContinuityTest {

    /** Every sale whose stock_after disagrees with the slot's previous event, judged over the whole history. */
    private static final String WHOLE_CHAIN = "select event_id, expected, reported from ("
            + "select event_id, is_sale, stock_after, previous_level - quantity as expected, stock_after as reported from ("
            + "select e.*, lag(e.stock_after) over (partition by e.machine_id, e.product "
            + "order by e.occurred_at, e.source_offset, e.event_id) as previous_level from ("
            + "select event_id, true as is_sale, machine_id, product, quantity, stock_after, occurred_at, source_offset from sales "
            + "union all select event_id, false, machine_id, product, quantity, stock_after, occurred_at, source_offset "
            + "from restocks) e) c) j where is_sale and reported <> expected order by event_id";
    private static final String INCREMENTAL = "select event_id, expected, reported from stock_mismatches order by event_id";

    private static final List<EventStore> stores = new ArrayList<>();
    private static final List<byte[]> delivered = new ArrayList<>();
    private static final List<byte[]> lost = new ArrayList<>();

    @BeforeAll
    static void simulate_a_day_and_a_half_with_sales_lost_on_the_way() {
        FleetSimulator sim = new FleetSimulator(FleetFile.builtIn(), new Random(20261206L), Campus.ZONE);
        List<WireEvent> missing = new ArrayList<>();
        sim.loseEvents(0.02, missing::add);
        ZonedDateTime from = ZonedDateTime.now(Campus.ZONE).minusDays(2).withHour(6).withMinute(0);
        sim.history(from, from.plusHours(36)).forEach(e -> delivered.add(EventJson.toBytes(e)));
        missing.forEach(e -> lost.add(EventJson.toBytes(e)));
        assertThat(lost).as("sales lost on the way").hasSizeGreaterThan(20);
    }

    @AfterAll
    static void close() {
        stores.forEach(EventStore::close);
    }

    @Test
    void should_judge_each_sale_against_the_previous_event_of_its_slot_and_clear_it_when_the_lost_sale_turns_up()
            throws Exception {
        DataSource db = schema("in_order");
        DirectIngest ingest = ingest(db);
        ingest.store(delivered, 200);
        List<String> withGaps = rows(db, INCREMENTAL);
        assertThat(withGaps).as("mismatches where sales were lost").isNotEmpty().isEqualTo(rows(db, WHOLE_CHAIN));
        // the lost sales arrive a day and a half late: each lands between its neighbours, and the sale
        // after it agrees again (what is left are the simulated machines' own miscounts)
        ingest.store(lost, 50);
        List<String> left = rows(db, INCREMENTAL);
        assertThat(left).isEqualTo(rows(db, WHOLE_CHAIN)).hasSizeLessThan(withGaps.size());
    }

    @Test
    void should_judge_events_that_come_in_any_order_as_the_whole_chain_does_and_judge_nothing_again_on_redelivery()
            throws Exception {
        DataSource db = schema("shuffled");
        DirectIngest ingest = ingest(db);
        List<byte[]> shuffled = new ArrayList<>(delivered);
        shuffled.addAll(lost.subList(0, lost.size() / 2));
        Collections.shuffle(shuffled, new Random(7));
        ingest.store(shuffled, 100);
        List<String> judged = rows(db, INCREMENTAL);
        assertThat(judged).as("mismatches where sales are still missing").isNotEmpty().isEqualTo(rows(db, WHOLE_CHAIN));
        // every event again, redelivered in other polls: all duplicates, the verdicts unchanged
        Collections.shuffle(shuffled, new Random(8));
        List<EventStore.Outcome> again = ingest.store(shuffled, 300);
        assertThat(again.stream().mapToInt(EventStore.Outcome::stored).sum()).isZero();
        assertThat(rows(db, INCREMENTAL)).isEqualTo(judged);
        ingest.store(lost.subList(lost.size() / 2, lost.size()), 50);
        assertThat(rows(db, INCREMENTAL)).hasSizeLessThan(judged.size()).isEqualTo(rows(db, WHOLE_CHAIN));
    }

    @Test
    void should_judge_a_late_restock_and_a_late_sale_where_they_land() throws Exception {
        DataSource db = schema("late");
        DirectIngest ingest = ingest(db);
        ZonedDateTime t = ZonedDateTime.now(Campus.ZONE).minusHours(3);
        Map<String, Object> restock = at(Events.restock("late-1", "Chips", 10, 10), t);
        Map<String, Object> nine = at(Events.sale("late-1", "Chips", 1, "8000", 9), t.plusMinutes(10));
        Map<String, Object> eight = at(Events.sale("late-1", "Chips", 1, "8000", 8), t.plusMinutes(20));
        Map<String, Object> five = at(Events.sale("late-1", "Chips", 1, "8000", 5), t.plusMinutes(30));
        Map<String, Object> four = at(Events.sale("late-1", "Chips", 1, "8000", 4), t.plusMinutes(40));
        Map<String, Object> recount = at(Events.restock("late-1", "Chips", 1, 7), t.plusMinutes(25));
        ingest.store(List.of(Events.json(five), Events.json(nine), Events.json(four)), 10);
        // 9 then 5: expected 8; the first sale has nothing before it
        assertThat(rows(db, INCREMENTAL)).singleElement().asString().endsWith("|8|5");
        // the restock before them comes late: the first sale is judged against it and agrees
        ingest.store(List.of(Events.json(restock)), 10);
        assertThat(rows(db, INCREMENTAL)).hasSize(1).isEqualTo(rows(db, WHOLE_CHAIN));
        // the lost sale turns up between 9 and 5: 8 agrees, and after it 7 was expected, not 5
        ingest.store(List.of(Events.json(eight)), 10);
        assertThat(rows(db, INCREMENTAL)).singleElement().asString().endsWith("|7|5");
        // a recount between 8 and 5 sets the level afresh at 7: then 6 was expected, 5 reported
        ingest.store(List.of(Events.json(recount)), 10);
        assertThat(rows(db, INCREMENTAL)).singleElement().asString().endsWith("|6|5").isEqualTo(rows(db, WHOLE_CHAIN).get(0));
    }

    private static Map<String, Object> at(Map<String, Object> event, ZonedDateTime t) {
        event.put("occurredAt", Events.timestamp(t.toInstant()));
        return event;
    }

    private static DataSource schema(String name) {
        return TestInfrastructure.get().namespace("continuity_" + name).migratedDataSource();
    }

    private static DirectIngest ingest(DataSource db) {
        EventStore store = new EventStore(db, Campus.ZONE.getId(), 2, 1);
        stores.add(store);
        return new DirectIngest(store, EventValidator.configured(300, 65536, 0), "vending.events");
    }

    private static List<String> rows(DataSource db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1) + "|" + rs.getInt(2) + "|" + rs.getInt(3));
            }
        }
        return rows;
    }
}

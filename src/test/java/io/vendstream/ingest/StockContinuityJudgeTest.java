package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stock judge on its own, on a real PostgreSQL, handed what a store committed as
 * {@link EventStore} hands it: what it does when its view of a partition has a hole (another
 * instance stored part of it) and when commits come faster than its queue holds.
 */
class StockContinuityJudgeTest {

    private static final String TOPIC = "vending.events";
    private final Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    @Test
    void should_look_up_a_slots_chain_again_once_another_instance_stored_part_of_its_partition() throws Exception {
        DataSource db = TestInfrastructure.get().namespace("judge_rebalance").migratedDataSource();
        try (StockContinuity judge = new StockContinuity(db, 24, 100)) {
            Event restock = store(db, restock("reb-1", 10, 0, 0));
            Event first = store(db, sale("reb-1", 9, 1, 1));
            hand(judge, List.of(restock, first), 0, 2);
            // a rebalance: another instance stores the next two sales of partition 0 and judges them itself
            store(db, sale("reb-1", 8, 2, 2));
            store(db, sale("reb-1", 7, 3, 3));
            // the partition comes back: its next batch starts at offset 4, not where this judge left it (2)
            hand(judge, List.of(store(db, sale("reb-1", 6, 4, 4))), 4, 5);
            assertThat(verdicts(db)).as("judged against the sale before it, not this judge's stale tail").isEmpty();
            assertThat(judge.judged()).isEqualTo(3);
        }
    }

    @Test
    void should_judge_a_sale_again_when_the_sale_before_it_comes_after_it_in_the_same_batch() throws Exception {
        DataSource db = TestInfrastructure.get().namespace("judge_reordered").migratedDataSource();
        try (StockContinuity judge = new StockContinuity(db, 24, 100)) {
            hand(judge, List.of(store(db, restock("late-1", 10, 0, 0)), store(db, sale("late-1", 9, 1, 1))), 0, 2);
            // the sale that left 7 comes before the one that left 8 (a device that resent what it held back)
            hand(judge, List.of(store(db, sale("late-1", 7, 3, 2)), store(db, sale("late-1", 8, 2, 3))), 2, 4);
            assertThat(verdicts(db)).as("the chain 10, 9, 8, 7 agrees").isEmpty();
            assertThat(judge.late()).isEqualTo(1);
            // and one that does disagree after it, judged in order again
            hand(judge, List.of(store(db, sale("late-1", 5, 4, 4))), 4, 5);
            assertThat(verdicts(db)).containsExactly("6 5");
        }
    }

    @Test
    void should_find_a_lost_sale_that_turns_up_after_a_start_late_against_the_slots_latest_stored_event() throws Exception {
        DataSource db = TestInfrastructure.get().namespace("judge_late_after_start").migratedDataSource();
        try (StockContinuity judge = new StockContinuity(db, 24, 100)) {
            // stored before the judge started: the sale that left 8 is missing from the chain
            store(db, restock("start-1", 10, 0, 0));
            store(db, sale("start-1", 9, 1, 1));
            store(db, sale("start-1", 7, 3, 2));
            // another machine's commit starts the judge, which judges the window from the tables
            hand(judge, List.of(store(db, sale("start-other", 4, 0, 0).on(1))), 1, 0, 1);
            assertThat(verdicts(db)).containsExactly("8 7");
            // the lost sale turns up: the slot's latest stored event (7, left at 3) comes after it
            hand(judge, List.of(store(db, sale("start-1", 8, 2, 3))), 0, 3, 4);
            assertThat(verdicts(db)).as("the chain 10, 9, 8, 7 agrees").isEmpty();
            hand(judge, List.of(store(db, sale("start-1", 6, 4, 4))), 0, 4, 5);
            assertThat(verdicts(db)).isEmpty();
        }
    }

    @Test
    void should_look_up_a_slots_latest_event_among_history_stored_from_another_topic_with_larger_offsets() throws Exception {
        DataSource db = TestInfrastructure.get().namespace("judge_other_topic").migratedDataSource();
        try (StockContinuity judge = new StockContinuity(db, 24, 100)) {
            // history stored from an earlier topic: the same partition number, offsets of its own
            store(db, sale("hist-1", 20, -60, 0));
            store(db, restock("hist-1", 10, 0, 1000));
            store(db, sale("hist-1", 9, 1, 1001));
            // another machine's commit starts the judge, which judges the window from the tables
            hand(judge, List.of(store(db, sale("hist-other", 4, 0, 0).on(1))), 1, 0, 1);
            assertThat(verdicts(db)).isEmpty();
            // this topic's partition 0 has stored up to offset 3 (its fence); its sale at offset 2 follows the
            // history's latest sale (9), not the old one at offset 0 (20)
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "insert into ingest_partitions (topic, partition, next_offset, consumed, stored, duplicates, rejected) "
                            + "values (?, 0, 3, 3, 3, 0, 0)")) {
                ps.setString(1, TOPIC);
                ps.executeUpdate();
            }
            hand(judge, List.of(store(db, sale("hist-1", 8, 2, 2))), 0, 2, 3);
            assertThat(verdicts(db)).as("10, 9, 8 agrees").isEmpty();
            hand(judge, List.of(store(db, sale("hist-1", 6, 3, 3))), 0, 3, 4);
            assertThat(verdicts(db)).containsExactly("7 6");
        }
    }

    @Test
    void should_not_judge_a_sale_after_an_event_without_stock_after_looked_up_from_the_tables() throws Exception {
        DataSource db = TestInfrastructure.get().namespace("judge_broken_chain").migratedDataSource();
        try (StockContinuity judge = new StockContinuity(db, 24, 100)) {
            hand(judge, List.of(store(db, sale("other-1", 4, 0, 0).on(1))), 1, 0, 1);
            store(db, restock("broken-1", 10, 0, 0));
            // a machine that reports no stock level for this sale
            store(db, sale("broken-1", null, 1, 1));
            hand(judge, List.of(store(db, sale("broken-1", 5, 2, 2))), 0, 2, 3);
            assertThat(verdicts(db)).isEmpty();
            assertThat(judge.judged()).isEqualTo(2);
        }
    }

    @Test
    void should_judge_the_window_afresh_when_commits_come_faster_than_it_can_hold_them() throws Exception {
        DataSource tables = TestInfrastructure.get().namespace("judge_overflow").migratedDataSource();
        // the judge's connections wait while the gate is closed: it is held up on a commit it took
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate =
                new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0));
        DataSource held = (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        gate.get().await();
                    }
                    try {
                        return method.invoke(tables, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (StockContinuity judge = new StockContinuity(held, 24, 1)) {
            hand(judge, List.of(store(tables, sale("other-2", 4, 0, 0).on(1))), 1, 0, 1);
            assertThat(judge.windowsJudged()).isEqualTo(1);
            gate.set(new java.util.concurrent.CountDownLatch(1));
            List<Event> events = List.of(store(tables, restock("over-1", 10, 0, 0)), store(tables, sale("over-1", 9, 1, 1)),
                    // two units gone
                    store(tables, sale("over-1", 6, 2, 2)), store(tables, sale("over-1", 5, 3, 3)));
            // one commit at a time into a queue of one event while the judge is held up (at the latest on the first
            // of them): the last ones do not fit
            for (int i = 0; i < events.size(); i++) {
                judge.committing();
                judge.committed(StockContinuity.Committed.of(TOPIC, List.of(events.get(i).event()), List.of(events.get(i).source()),
                        Map.of(0, new long[] {i, i + 1})));
            }
            gate.get().countDown();
            await().atMost(Duration.ofSeconds(30)).until(judge::idle);
            assertThat(verdicts(tables)).containsExactly("8 6");
            assertThat(judge.windowsJudged()).as("once after the start, once for what did not fit").isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private record Event(VendingEvent event, SourceRecord source) {
        /** The same event from another partition. */
        Event on(int partition) {
            return new Event(event, new SourceRecord(TOPIC, partition, source.offset(), null, null, null));
        }
    }

    private Event sale(String machine, Integer stockAfter, int minute, long offset) {
        return new Event(new VendingEvent(UUID.randomUUID(), VendingEvent.Type.SALE, machine, "Judge Hall", "Chips", "snack",
                new BigDecimal("8000"), "IDR", 1, "cash", stockAfter, base.plus(minute, ChronoUnit.MINUTES)),
                new SourceRecord(TOPIC, 0, offset, null, null, null));
    }

    private Event restock(String machine, int stockAfter, int minute, long offset) {
        return new Event(new VendingEvent(UUID.randomUUID(), VendingEvent.Type.RESTOCK, machine, "Judge Hall", "Chips", "snack",
                null, null, 6, null, stockAfter, base.plus(minute, ChronoUnit.MINUTES)),
                new SourceRecord(TOPIC, 0, offset, null, null, null));
    }

    /** Stores the event as ingest does (the columns the judge reads). */
    private static Event store(DataSource db, Event e) throws SQLException {
        VendingEvent v = e.event();
        String sql = v.isSale()
                ? "insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                        + "payment_method, stock_after, occurred_at, source_partition, source_offset) "
                        + "values (?, ?, ?, ?, 'snack', 8000, 'IDR', ?, 8000, 'cash', ?, ?, ?, ?)"
                : "insert into restocks (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at, "
                        + "source_partition, source_offset) values (?, ?, ?, ?, 'snack', ?, ?, ?, ?, ?)";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, v.eventId());
            ps.setString(2, v.machineId());
            ps.setString(3, v.location());
            ps.setString(4, v.product());
            ps.setInt(5, v.quantity());
            ps.setObject(6, v.stockAfter(), java.sql.Types.INTEGER);
            ps.setTimestamp(7, Timestamp.from(v.occurredAt()));
            ps.setInt(8, e.source().partition());
            ps.setLong(9, e.source().offset());
            ps.executeUpdate();
        }
        return e;
    }

    /** Hands over one committed transaction of partition 0 that covered offsets [from, to), and waits until it is judged. */
    private static void hand(StockContinuity judge, List<Event> events, long from, long to) {
        hand(judge, events, 0, from, to);
    }

    private static void hand(StockContinuity judge, List<Event> events, int partition, long from, long to) {
        judge.committing();
        judge.committed(StockContinuity.Committed.of(TOPIC, events.stream().map(Event::event).toList(),
                events.stream().map(Event::source).toList(), Map.of(partition, new long[] {from, to})));
        await().atMost(Duration.ofSeconds(30)).until(judge::idle);
    }

    private static List<String> verdicts(DataSource db) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select expected || ' ' || reported from stock_mismatches order by occurred_at");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}

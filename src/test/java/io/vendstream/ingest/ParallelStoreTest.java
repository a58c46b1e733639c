package io.vendstream.ingest;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import javax.sql.DataSource;

import io.vendstream.simulator.EventJson;
import io.vendstream.simulator.FleetFile;
import io.vendstream.simulator.FleetSimulator;
import io.vendstream.simulator.WireEvent;
import io.vendstream.support.Campus;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A large poll from several partitions stored as parallel transactions (the writers) leaves exactly
 * what one transaction per poll leaves, in a real PostgreSQL: events, stock, rollups, dead letters
 * and the fences' counters. And when one part fails, the poll's retry stores the rest without
 * counting the parts already committed twice.
 */
class ParallelStoreTest {

    private static final int PARTITIONS = 3;
    private static final int POLL = 1500;

    private static final List<EventStore> stores = new ArrayList<>();
    private static List<List<SourceRecord>> polls;
    private static List<WireEvent> day;

    @BeforeAll
    static void simulate_a_day_of_the_fleet_as_polls_across_partitions() {
        FleetSimulator sim = new FleetSimulator(FleetFile.builtIn(), new Random(20261201L), Campus.ZONE);
        ZonedDateTime from = ZonedDateTime.now(Campus.ZONE).minusDays(2).withHour(6).withMinute(0);
        day = sim.history(from, from.plusHours(36));
        record Keyed(String machine, byte[] payload) {
        }
        List<Keyed> stream = new ArrayList<>(day.stream().map(e -> new Keyed(e.machineId(), EventJson.toBytes(e))).toList());
        // an exact re-send, and records that are no valid event
        stream.add(stream.size() / 2, stream.get(10));
        stream.add(stream.size() / 3, new Keyed(day.get(20).machineId(), "{\"eventId\":".getBytes()));
        stream.add(stream.size() / 4, new Keyed(day.get(30).machineId(), "[1,2]".getBytes()));
        // keyed by machine as the producers key them: a machine's events stay in one partition, in order
        Map<Integer, Long> nextOffset = new LinkedHashMap<>();
        List<SourceRecord> records = new ArrayList<>();
        for (Keyed k : stream) {
            int partition = partition(k.machine());
            long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
            records.add(new SourceRecord("vending.events", partition, offset, k.machine().getBytes(), k.payload(), null));
        }
        polls = new ArrayList<>();
        for (int i = 0; i < records.size(); i += POLL) {
            polls.add(records.subList(i, Math.min(records.size(), i + POLL)));
        }
        assertThat(day.size()).as("events simulated").isGreaterThan(3 * POLL);
    }

    @AfterAll
    static void close() {
        stores.forEach(EventStore::close);
    }

    @Test
    void should_store_a_large_poll_as_parallel_parts_with_the_result_of_one_transaction() throws Exception {
        DataSource serial = schema("serial");
        DataSource parallel = schema("parallel");
        EventStore one = store(serial, 1);
        EventStore three = store(parallel, 3);
        storeEveryPoll(one, batch -> {
            assertThat(batch.byPartition(3)).as("parts of a poll").hasSizeGreaterThan(1);
            three.store(batch);
        });
        assertThat(contents(parallel)).isEqualTo(contents(serial));
        assertThat(count(parallel, "select count(*) from rejected_events")).isEqualTo(2);
        assertThat(count(parallel, "select sum(duplicates) from ingest_partitions")).isEqualTo(1);
    }

    @Test
    void should_retry_a_poll_whose_part_failed_without_storing_or_counting_the_committed_parts_twice() throws Exception {
        DataSource serial = schema("serial_again");
        FailingOnce failing = new FailingOnce(schema("failing"));
        EventStore one = store(serial, 1);
        EventStore three = store(failing, 3);
        storeEveryPoll(one, batch -> {
            failing.armed.set(true);
            assertThatThrownBy(() -> three.store(batch)).isInstanceOf(SQLException.class).hasMessageContaining("injected");
            // the other parts committed; the retry of the whole poll finds them below their fences
            three.store(batch);
        });
        assertThat(contents(failing.target)).isEqualTo(contents(serial));
        assertThat(count(failing.target, "select sum(consumed) from ingest_partitions"))
                .isEqualTo(polls.stream().mapToLong(List::size).sum());
    }

    @Test
    void should_store_a_poll_whose_event_id_or_machine_comes_from_two_partitions_as_one_transaction() throws Exception {
        WireEvent sale = day.stream().filter(WireEvent::isSale).findFirst().orElseThrow();
        WireEvent restock = day.stream()
                .filter(e -> !e.isSale() && partition(e.machineId()) != partition(sale.machineId())).findFirst().orElseThrow();
        byte[] sameId = EventJson.toJson(restock).replace(restock.eventId(), sale.eventId()).getBytes();
        List<SourceRecord> poll = List.of(
                new SourceRecord("vending.events", partition(sale.machineId()), 0, null, EventJson.toBytes(sale), null),
                new SourceRecord("vending.events", partition(restock.machineId()), 0, null, sameId, null));
        List<SourceRecord> distinct = List.of(poll.get(0),
                new SourceRecord("vending.events", partition(restock.machineId()), 0, null, EventJson.toBytes(restock), null));
        EventValidator validator = EventValidator.configured(300, 65536, 0);
        assertThat(DirectIngest.batch(distinct, validator, false).byPartition(3)).as("distinct ids, two partitions").hasSize(2);

        WireEvent sameMachine = day.stream()
                .filter(e -> e.machineId().equals(sale.machineId()) && !e.eventId().equals(sale.eventId())).findFirst().orElseThrow();
        List<SourceRecord> oneMachine = List.of(poll.get(0), new SourceRecord("vending.events",
                (partition(sale.machineId()) + 1) % PARTITIONS, 0, null, EventJson.toBytes(sameMachine), null));
        assertThat(DirectIngest.batch(oneMachine, validator, false).byPartition(3)).as("one machine from two partitions")
                .hasSize(1);

        IngestBatch batch = DirectIngest.batch(poll, validator, false);
        assertThat(batch.byPartition(3)).as("one eventId from two partitions").hasSize(1);
        DataSource db = schema("same_id");
        store(db, 3).store(batch);
        assertThat(count(db, "select count(*) from processed_events")).isEqualTo(1);
        assertThat(count(db, "select sum(stored) from ingest_partitions")).isEqualTo(1);
        assertThat(count(db, "select sum(duplicates) from ingest_partitions")).isEqualTo(1);
    }

    private interface PollStore {
        void store(IngestBatch batch) throws Exception;
    }

    /** Each poll stored by {@code reference} (one transaction per poll) and, validated afresh, by {@code other}. */
    private static void storeEveryPoll(EventStore reference, PollStore other) throws Exception {
        EventValidator validator = EventValidator.configured(300, 65536, 0);
        for (List<SourceRecord> poll : polls) {
            reference.store(DirectIngest.batch(poll, validator, false));
            other.store(DirectIngest.batch(poll, validator, false));
        }
    }

    private static int partition(String machineId) {
        return Math.floorMod(machineId.hashCode(), PARTITIONS);
    }

    private static EventStore store(DataSource dataSource, int writers) {
        EventStore store = new EventStore(dataSource, Campus.ZONE.getId(), writers, 1);
        stores.add(store);
        return store;
    }

    private static DataSource schema(String name) {
        return TestInfrastructure.get().namespace("parallel_" + name).migratedDataSource();
    }

    /** Every stored table as text, in key order, without the times of ingest itself. */
    private static Map<String, String> contents(DataSource db) throws SQLException {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("sales", "select event_id, machine_id, product, quantity, amount, payment_method, stock_after, occurred_at, "
                + "source_partition, source_offset from sales order by event_id");
        tables.put("restocks", "select event_id, machine_id, product, quantity, stock_after, occurred_at, source_partition, "
                + "source_offset from restocks order by event_id");
        tables.put("stock", "select machine_id, product, quantity, capacity, as_of from stock order by 1, 2");
        tables.put("machines", "select machine_id, location, first_seen, last_seen, last_sale_at from machines order by 1");
        tables.put("sales_hourly", "select * from sales_hourly order by hour, machine_id");
        tables.put("sales_daily_product", "select * from sales_daily_product order by day, machine_id, product");
        tables.put("sales_daily_payment", "select * from sales_daily_payment order by day, machine_id, payment_method");
        tables.put("rejected_events", "select source_partition, source_offset, reason, payload from rejected_events order by 1, 2");
        tables.put("ingest_partitions", "select partition, next_offset, consumed, stored, duplicates, rejected "
                + "from ingest_partitions order by partition");
        Map<String, String> contents = new LinkedHashMap<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            for (Map.Entry<String, String> table : tables.entrySet()) {
                try (ResultSet rs = st.executeQuery("select count(*), md5(coalesce(string_agg(t::text, '|'), '')) from ("
                        + table.getValue() + ") t")) {
                    rs.next();
                    contents.put(table.getKey(), rs.getLong(1) + " rows " + rs.getString(2));
                }
            }
        }
        return contents;
    }

    private static long count(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The real database, whose next connection taken by a writer thread fails once when armed. */
    private static final class FailingOnce implements DataSource {
        final DataSource target;
        final AtomicBoolean armed = new AtomicBoolean();

        FailingOnce(DataSource target) {
            this.target = target;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (Thread.currentThread().getName().startsWith("vendstream-ingest-writer") && armed.compareAndSet(true, false)) {
                throw new SQLException("injected: connection refused");
            }
            return target.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return target.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            target.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            target.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return target.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return target.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return target.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return target.isWrapperFor(iface);
        }
    }
}

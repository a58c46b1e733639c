package io.vendstream.dex;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

import io.vendstream.ingest.DirectIngest;
import io.vendstream.ingest.EventStore;
import io.vendstream.ingest.EventValidator;
import io.vendstream.simulator.EventJson;
import io.vendstream.simulator.Fleet;
import io.vendstream.simulator.FleetFile;
import io.vendstream.simulator.FleetSimulator;
import io.vendstream.simulator.WireEvent;
import io.vendstream.support.Campus;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DEX audit reads against the stream on a real PostgreSQL: a simulated campus week in which 2 % of
 * the sale events are lost on the way while every machine's books count them, stored through the
 * real ingest, with an audit read at every restock visit. The reconciliation must find exactly the
 * lost vends, per machine and product, and split them into cash and cashless exactly.
 */
class AuditReconciliationTest {

    private static final long SEED = 20261206L;
    private static final Path SAMPLES = Path.of("src/test/resources/dex/samples");

    private static PGSimpleDataSource db;
    private static DexIntake intake;
    private static DexQueries queries;
    private static final List<WireEvent> lost = new ArrayList<>();
    private static ZonedDateTime start;
    private static ZonedDateTime end;
    private static int reads;
    private static java.util.Set<String> fleet;

    @BeforeAll
    static void simulate_a_week_that_loses_two_percent_of_its_sale_events() throws Exception {
        db = TestInfrastructure.get().namespace("dex_audits").migratedDataSource();
        intake = new DexIntake(db, Campus.ZONE.getId(), 1 << 20);
        queries = new DexQueries(db, Campus.ZONE.getId());
        FleetSimulator sim = new FleetSimulator(FleetFile.builtIn(), new Random(SEED), Campus.ZONE);
        fleet = new java.util.TreeSet<>(sim.machines().stream().map(Fleet.Machine::id).toList());
        sim.keepAudits(true);
        sim.loseEvents(0.02, lost::add);
        start = LocalDate.now(Campus.ZONE).minusDays(8).atTime(6, 0).atZone(Campus.ZONE);
        end = start.plusDays(7);

        List<WireEvent> events = new ArrayList<>();
        // the crew reads every machine at the start and at the end of the week; visits in between read it too
        for (Fleet.Machine m : sim.machines()) {
            events.addAll(sim.restock(m, start));
        }
        events.addAll(sim.history(start.plusSeconds(1), end));
        for (Fleet.Machine m : sim.machines()) {
            events.addAll(sim.restock(m, end));
        }
        new DirectIngest(new EventStore(db, Campus.ZONE.getId()), EventValidator.configured(300, 65536, 0), "dex-audits")
                .store(events.stream().map(EventJson::toBytes).toList(), 2000);
        for (FleetSimulator.AuditRead read : sim.takeAudits()) {
            Map<String, Object> outcome = intake.receive(read.dex().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    "file", read.fileName(), Optional.of(read.machineId()), "test");
            assertThat(outcome).containsEntry("status", "parsed").containsEntry("duplicate", false);
            reads++;
        }
        assertThat(lost).as("sale events lost on the way").hasSizeGreaterThan(100);
    }

    @Test
    void should_reconcile_a_week_to_exactly_the_lost_vends_per_machine_and_product() throws Exception {
        Map<String, Long> found = new TreeMap<>();
        for (Map<String, Object> interval : fleetIntervals()) {
            for (Map<String, Object> p : list(interval.get("products"))) {
                long missing = ((Number) p.get("missingVends")).longValue();
                if (missing != 0) {
                    found.merge(interval.get("machineId") + " / " + p.get("product"), missing, Long::sum);
                }
            }
            assertThat(interval.get("counterReset")).isEqualTo(false);
        }
        Map<String, Long> expected = new TreeMap<>();
        for (WireEvent e : lost) {
            expected.merge(e.machineId() + " / " + e.product(), (long) e.quantity(), Long::sum);
        }

        assertThat(found).isEqualTo(expected);
        assertThat(fleetIntervals()).as("one interval per read after each machine's first").hasSize(reads - fleet.size());
    }

    @Test
    void should_split_the_lost_vends_and_their_value_into_cash_and_cashless() throws Exception {
        Map<String, Number> totals = new TreeMap<>();
        for (Map<String, Object> interval : fleetIntervals()) {
            for (String key : List.of("missingVends", "cashMissingVends", "cashlessMissingVends", "missingValue", "cashDifference",
                    "cashlessDifference")) {
                Number n = (Number) interval.get(key);
                totals.merge(key, n, (a, b) -> a instanceof BigDecimal x ? x.add((BigDecimal) b) : (Number) (a.longValue() + b.longValue()));
            }
        }
        long cashUnits = lost.stream().filter(e -> "cash".equals(e.paymentMethod())).mapToLong(WireEvent::quantity).sum();
        long otherUnits = lost.stream().filter(e -> !"cash".equals(e.paymentMethod())).mapToLong(WireEvent::quantity).sum();
        BigDecimal cashValue = value(lost.stream().filter(e -> "cash".equals(e.paymentMethod())).toList());
        BigDecimal otherValue = value(lost.stream().filter(e -> !"cash".equals(e.paymentMethod())).toList());

        assertThat(totals.get("missingVends")).isEqualTo(cashUnits + otherUnits);
        assertThat(totals.get("cashMissingVends")).isEqualTo(cashUnits);
        assertThat(totals.get("cashlessMissingVends")).isEqualTo(otherUnits);
        assertThat((BigDecimal) totals.get("cashDifference")).isEqualByComparingTo(cashValue);
        assertThat((BigDecimal) totals.get("cashlessDifference")).isEqualByComparingTo(otherValue);
        assertThat((BigDecimal) totals.get("missingValue")).isEqualByComparingTo(cashValue.add(otherValue));
    }

    @Test
    void should_store_the_same_read_once_and_change_nothing_on_a_second_import() throws Exception {
        String machine = "twice-01";
        String dex = DexSamples.soundRead("SN-TWICE", start.plusHours(1), 5, 5);
        Map<String, Object> first = intake.receive(dex.getBytes(), "http", null, Optional.of(machine), "test");
        String before = reconciliationCsv(machine);

        Map<String, Object> again = intake.receive(dex.getBytes(), "file", "again.dex", Optional.empty(), "test");

        assertThat(again).containsEntry("duplicate", true).containsEntry("readId", first.get("readId"));
        assertThat(count("select count(*) from dex_reads where serial = 'SN-TWICE'")).isEqualTo(1);
        assertThat(reconciliationCsv(machine)).isEqualTo(before);
    }

    @Test
    void should_hold_a_read_of_an_unknown_serial_and_process_it_once_the_serial_is_bound() throws Exception {
        Map<String, Object> a = intake.receive(DexSamples.soundRead("SN-NEW", start.plusHours(1), 3, 3).getBytes(), "file", "a.dex", Optional.empty(), "test");
        Map<String, Object> b = intake.receive(DexSamples.soundRead("SN-NEW", start.plusHours(5), 10, 7).getBytes(), "file", "b.dex", Optional.empty(), "test");
        assertThat(a).containsEntry("status", "unknown_machine").containsEntry("reason", "UNKNOWN_MACHINE");
        assertThat(b).containsEntry("status", "unknown_machine");
        assertThat(intervals(reconciliation("new-01"))).isEmpty();

        int processed = bind((Long) b.get("readId"), "new-01");

        assertThat(processed).isEqualTo(2);
        List<Map<String, Object>> intervals = intervals(reconciliation("new-01"));
        assertThat(intervals).singleElement().satisfies(i -> {
            assertThat(map(i.get("dex"))).containsEntry("paidVends", 7L);
            assertThat(i.get("missingVends")).isEqualTo(7L);
        });
        // a later read of the serial finds its machine by itself
        Map<String, Object> c = intake.receive(DexSamples.soundRead("SN-NEW", start.plusHours(9), 12, 2).getBytes(), "file", "c.dex", Optional.empty(), "test");
        assertThat(c).containsEntry("status", "parsed").containsEntry("machineId", "new-01");
    }

    @Test
    void should_use_the_since_reset_counters_of_an_interval_in_which_the_machine_was_reset() throws Exception {
        intake.receive(DexSamples.soundRead("SN-RESET", start.plusHours(1), 500, 20).getBytes(), "http", null, Optional.of("reset-01"), "test");
        // the controller was replaced: its counters start again
        intake.receive(DexSamples.soundRead("SN-RESET", start.plusHours(6), 9, 9).getBytes(), "http", null, Optional.of("reset-01"), "test");

        assertThat(intervals(reconciliation("reset-01"))).singleElement().satisfies(i -> {
            assertThat(i.get("counterReset")).isEqualTo(true);
            assertThat(map(i.get("dex"))).containsEntry("paidVends", 9L);
        });
    }

    @Test
    void should_put_a_read_that_arrives_late_between_its_neighbours() throws Exception {
        intake.receive(DexSamples.soundRead("SN-LATE", start.plusHours(1), 10, 10).getBytes(), "http", null, Optional.of("late-01"), "test");
        intake.receive(DexSamples.soundRead("SN-LATE", start.plusHours(9), 30, 12).getBytes(), "http", null, Optional.of("late-01"), "test");
        // the driver's handheld uploads the read of the visit in between only now
        intake.receive(DexSamples.soundRead("SN-LATE", start.plusHours(5), 18, 8).getBytes(), "http", null, Optional.of("late-01"), "test");

        List<Long> vends = intervals(reconciliation("late-01")).stream().map(i -> (Long) map(i.get("dex")).get("paidVends")).toList();
        assertThat(vends).as("newest first").containsExactly(12L, 8L);
    }

    @Test
    void should_spread_an_audit_only_machines_vends_into_the_rollups_and_keep_them_exact_when_a_late_read_splits_the_interval()
            throws Exception {
        intake.receive(DexSamples.soundRead("SN-AUDIT", start.plusHours(1), 100, 100).getBytes(), "http", null, Optional.of("audit-01"),
                Optional.of("Old Library"), "test");
        intake.receive(DexSamples.soundRead("SN-AUDIT", start.plusHours(9), 124, 24).getBytes(), "http", null, Optional.of("audit-01"), "test");
        assertThat(count("select sum(units) from sales_hourly where machine_id = 'audit-01'")).isEqualTo(24);
        assertThat(count("select count(*) from sales_hourly where machine_id = 'audit-01'")).as("hours of the interval").isEqualTo(8);

        // the read of the visit in between arrives late: two intervals, the same 24 vends
        intake.receive(DexSamples.soundRead("SN-AUDIT", start.plusHours(3), 110, 10).getBytes(), "http", null, Optional.of("audit-01"), "test");

        assertThat(count("select sum(units) from sales_hourly where machine_id = 'audit-01'")).isEqualTo(24);
        assertThat(count("select sum(units) from sales_hourly where machine_id = 'audit-01' and hour < '"
                + start.plusHours(3).toOffsetDateTime() + "'")).as("vends of the first interval").isEqualTo(10);
        assertThat(count("select sum(units) from sales_daily_product where machine_id = 'audit-01'")).isEqualTo(24);
        assertThat(count("select sum(sales_count) from sales_daily_payment where machine_id = 'audit-01' and payment_method = 'cash'"))
                .isEqualTo(24);
        assertThat(count("select count(*) from audit_machines where machine_id = 'audit-01' and location = 'Old Library'")).isEqualTo(1);
    }

    @Test
    void should_leave_the_rollups_of_machines_the_stream_reports_to_the_stream() throws Exception {
        assertThat(count("select count(*) from dex_audit_sales x join dex_intervals i using (read_id) join machines m using (machine_id)"))
                .isZero();
    }

    @Test
    void should_count_a_product_new_to_a_read_by_its_since_reset_counters_not_the_selections_lifetime() throws Exception {
        intake.receive(DexSamples.soundRead("SN-SLOT", start.plusHours(1), "Water", 100, 100).getBytes(), "http", null,
                Optional.of("slot-01"), "test");
        // the crew put Juice in Water's slot: the selection's lifetime count goes on, its interim count is Juice's
        intake.receive(DexSamples.soundRead("SN-SLOT", start.plusHours(6), "Juice", 104, 4).getBytes(), "http", null,
                Optional.of("slot-01"), "test");

        assertThat(list(intervals(reconciliation("slot-01")).get(0).get("products")))
                .filteredOn(p -> "Juice".equals(p.get("product"))).singleElement()
                .satisfies(p -> assertThat(p.get("dexVends")).isEqualTo(4L));
    }

    @Test
    void should_bind_a_held_read_that_names_no_serial_on_its_own() throws Exception {
        Map<String, Object> held = intake.receive(DexSamples.soundRead("", start.plusHours(2), 7, 7).getBytes(), "file", "x.dex",
                Optional.empty(), "test");
        assertThat(held).containsEntry("status", "unknown_machine");

        assertThat(bind((Long) held.get("readId"), "noserial-01")).isEqualTo(1);
        assertThat(count("select count(*) from dex_reads where machine_id = 'noserial-01' and status = 'parsed'")).isEqualTo(1);
    }

    @Test
    void should_keep_a_file_that_cannot_be_read_with_its_reason_and_line() throws Exception {
        byte[] truncated = Files.readAllBytes(SAMPLES.resolve("sielaff.eva_dts"));

        Map<String, Object> outcome = intake.receive(truncated, "file", "sielaff.eva_dts", Optional.empty(), "test");

        assertThat(outcome).containsEntry("status", "rejected").containsEntry("reason", "TRUNCATED");
        assertThat(outcome.get("line")).isNotNull();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("select raw, reason, line_no from dex_reads where read_id = ?")) {
            ps.setLong(1, (Long) outcome.get("readId"));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBytes(1)).isEqualTo(truncated);
                assertThat(rs.getString(2)).isEqualTo("TRUNCATED");
            }
        }
    }

    @Test
    void should_parse_and_hold_a_real_read_whose_serial_no_machine_is_bound_to() throws Exception {
        Map<String, Object> outcome = intake.receive(Files.readAllBytes(SAMPLES.resolve("rhevendors.eva_dts")), "file",
                "rhevendors.eva_dts", Optional.empty(), "test");

        assertThat(outcome).containsEntry("status", "unknown_machine").containsEntry("paidVends", 9612L);
        assertThat((BigDecimal) outcome.get("paidValue")).isEqualByComparingTo("5865.30");
    }

    // ---------------------------------------------------------------------------------------------

    private static int bind(long readId, String machineId) throws SQLException {
        org.apache.camel.impl.DefaultCamelContext context = new org.apache.camel.impl.DefaultCamelContext();
        org.apache.camel.Exchange exchange = new org.apache.camel.support.DefaultExchange(context);
        exchange.getMessage().setHeader("id", readId);
        exchange.getMessage().setHeader("machineId", machineId);
        return (Integer) intake.bind(exchange).get("processed");
    }

    private static Map<String, Object> reconciliation(String machineId) throws SQLException {
        return queries.reconciliation(machineId, new Instant[] {start.minusDays(1).toInstant(), end.plusDays(1).toInstant()}, 2000);
    }

    private static String reconciliationCsv(String machineId) throws SQLException {
        return queries.reconciliationCsv(reconciliation(machineId));
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static BigDecimal value(List<WireEvent> events) {
        return events.stream().map(e -> e.unitPrice().multiply(BigDecimal.valueOf(e.quantity()))).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** The intervals of the simulated fleet's machines (other tests add machines of their own). */
    private static List<Map<String, Object>> fleetIntervals() throws SQLException {
        return intervals(reconciliation(null)).stream().filter(i -> fleet.contains((String) i.get("machineId"))).toList();
    }

    private static List<Map<String, Object>> intervals(Map<String, Object> answer) {
        return list(answer.get("intervals"));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}

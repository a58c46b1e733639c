package io.vendstream.restock;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.config.StartupException;
import io.vendstream.http.ContractSchemas;
import io.vendstream.http.Csv;
import io.vendstream.http.Window;
import io.vendstream.queries.AnswerCache;
import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Restock planning on seeded history with a fixed campus clock (Wednesday 2026-11-18 10:30), so
 * every forecast figure can be worked out by hand:
 * <ul>
 * <li>R-1 (Hall) sells, every weekday, the units of {@link #PATTERN} per hour (averaged over four
 * weeks seeded 0x, 1x, 1x and 2x), split Cola 1/2, Chips 1/4, Water 1/4 by its product rollup;</li>
 * <li>R-2 (Hall) sells half of that, all of it Tea; R-3 (Annex) one unit a day at noon.</li>
 * </ul>
 */
class RestockTest {

    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 11, 18, 10, 30, 0, 0, Campus.ZONE);
    private static final LocalDate TODAY = NOW.toLocalDate();
    /** R-1's units per campus hour on a weekday, hours 7 to 20. */
    private static final int[] PATTERN = {2, 4, 4, 8, 8, 12, 12, 4, 2, 2, 6, 6, 2, 1};
    private static final String PLANOGRAM = """
            machines:
              "R-*":
                "Water": 10
                "Snack Bar": 6
              "R-1":
                "Cola": 20
            """;

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("restock")
            .with("vendstream.ingest.enabled", "false")
            .with("vendstream.api.cache-millis", "0");
    private static RestockQueries restock;
    private static StockoutQueries stockouts;
    private static DemandForecast.Model model;

    @BeforeAll
    static void start_on_seeded_history() throws Exception {
        seed();
        Clock clock = Clock.fixed(NOW.toInstant(), Campus.ZONE);
        DemandForecast forecast = new DemandForecast(APP.dataSource(), Campus.ZONE, 28, Duration.ofMinutes(5), clock);
        AnswerCache noCache = new AnswerCache("restock-test", 0, 100);
        Planogram planogram = Planogram.parse(new ByteArrayInputStream(PLANOGRAM.getBytes(StandardCharsets.UTF_8)), "test planogram");
        // safety factor 0: stock-outs at the bare expectation, so the figures below can be worked out by hand
        restock = new RestockQueries(APP.dataSource(), Campus.ZONE, planogram, forecast, noCache, 24, 2, 7, 21, 0.0, clock);
        model = forecast.model();
        stockouts = new StockoutQueries(APP.dataSource(), Campus.ZONE, forecast, noCache, clock);
    }

    private static void seed() throws SQLException {
        try (Connection c = APP.ledger().connect()) {
            OffsetDateTime longAgo = NOW.minusDays(60).toOffsetDateTime();
            for (String[] m : new String[][] {{"R-1", "Hall"}, {"R-2", "Hall"}, {"R-3", "Annex"}}) {
                exec(c, "insert into machines (machine_id, location, first_seen, last_seen) values (?, ?, ?, ?)",
                        m[0], m[1], longAgo, NOW.toOffsetDateTime());
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) values (?, ?, ?, ?, ?, 0)")) {
                for (int d = 1; d <= 28; d++) {
                    LocalDate day = TODAY.minusDays(d);
                    if (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
                        continue;
                    }
                    // four weeks at 0x, 1x, 1x and 2x: the average is the pattern, no single week is
                    int multiplier = new int[] {2, 1, 1, 0}[(d - 1) / 7];
                    for (int h = 0; h < PATTERN.length; h++) {
                        ZonedDateTime hour = day.atStartOfDay(Campus.ZONE).plusHours(7 + h);
                        hourly(ps, hour, "R-1", "Hall", (long) PATTERN[h] * multiplier);
                        // two weeks at 1x, two at nothing: half of R-1
                        hourly(ps, hour, "R-2", "Hall", (long) PATTERN[h] * (d <= 14 ? 1 : 0));
                    }
                    hourly(ps, day.atStartOfDay(Campus.ZONE).plusHours(12), "R-3", "Annex", 4L * multiplier / 2 / 2);
                }
                // today's hours are not complete history: the forecast must not count them
                hourly(ps, TODAY.atStartOfDay(Campus.ZONE).plusHours(9), "R-1", "Hall", 1000);
                ps.executeBatch();
            }
            String product = "insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) "
                    + "values (?, ?, ?, ?, 'drink', ?, ?, ?)";
            LocalDate someDay = TODAY.minusDays(5);
            exec(c, product, someDay, "R-1", "Cola", "Hall", 400, 400, new BigDecimal("2000000"));
            exec(c, product, someDay, "R-1", "Chips", "Hall", 200, 200, new BigDecimal("1600000"));
            exec(c, product, someDay, "R-1", "Water", "Hall", 200, 200, new BigDecimal("800000"));
            exec(c, product, someDay, "R-2", "Tea", "Hall", 100, 100, new BigDecimal("600000"));
            exec(c, product, someDay, "R-3", "Juice", "Annex", 20, 20, new BigDecimal("200000"));
            exec(c, product, TODAY, "R-1", "Chips", "Hall", 1000, 1000, new BigDecimal("8000000"));

            String stock = "insert into stock (machine_id, product, location, category, quantity, capacity, as_of) values (?, ?, ?, 'drink', ?, ?, ?)";
            exec(c, stock, "R-1", "Cola", "Hall", 5, 20, NOW.minusMinutes(10).toOffsetDateTime());
            exec(c, stock, "R-1", "Chips", "Hall", 10, 12, NOW.minusMinutes(10).toOffsetDateTime());
            // emptied at 09:00 today and still out (the trigger opens the episode)
            exec(c, stock, "R-1", "Water", "Hall", 0, 12, NOW.minusMinutes(90).toOffsetDateTime());
            // out yesterday 12:00-13:30, then selling again
            exec(c, stock, "R-2", "Tea", "Hall", 0, 24, NOW.minusDays(1).withHour(12).withMinute(0).toOffsetDateTime());
            exec(c, "update stock set quantity = 24, as_of = ? where machine_id = 'R-2' and product = 'Tea'",
                    NOW.minusDays(1).withHour(13).toOffsetDateTime());
            exec(c, "update stock set quantity = 20, as_of = ? where machine_id = 'R-2' and product = 'Tea'",
                    NOW.minusMinutes(5).toOffsetDateTime());
            exec(c, stock, "R-3", "Juice", "Annex", 100, 100, NOW.minusMinutes(20).toOffsetDateTime());
            // an episode of ten days ago lies outside the windows asked below
            exec(c, "insert into stockout_episodes (machine_id, product, location, started_at, ended_at) values (?, ?, ?, ?, ?)",
                    "R-3", "Juice", "Annex", NOW.minusDays(10).toOffsetDateTime(), NOW.minusDays(10).plusHours(1).toOffsetDateTime());
        }
    }

    private static void hourly(PreparedStatement ps, ZonedDateTime hour, String machine, String location, long units) throws SQLException {
        ps.setObject(1, hour.toOffsetDateTime());
        ps.setString(2, machine);
        ps.setString(3, location);
        ps.setLong(4, units);
        ps.setLong(5, units);
        ps.addBatch();
    }

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object json, Object... path) {
        Object node = json;
        for (Object key : path) {
            node = key instanceof Integer i ? ((List<?>) node).get(i) : ((Map<?, ?>) node).get(key);
        }
        return (T) node;
    }

    // ------------------------------------------------------------------------------ par levels

    @Test
    void should_take_the_par_of_the_most_specific_planogram_entry_and_mark_unlisted_slots_inferred() {
        Map<String, Object> list = restock.picklist("Hall", null, NOW.plusMinutes(150).toInstant());
        List<Map<String, Object>> lines = at(list, "lines");
        assertThat(lines).extracting(l -> l.get("machineId") + "/" + l.get("product") + " par " + l.get("par") + " "
                + l.get("parSource") + " " + l.get("parFrom")).containsExactly(
                "R-1/Chips par 12 inferred null",
                "R-1/Cola par 20 configured R-1",
                "R-1/Snack Bar par 6 configured R-*",
                "R-1/Water par 10 configured R-*",
                "R-2/Snack Bar par 6 configured R-*",
                "R-2/Tea par 24 inferred null",
                "R-2/Water par 10 configured R-*");
    }

    @Test
    void should_prefer_an_exact_machine_id_then_the_longest_pattern_then_the_first_written() {
        Planogram p = Planogram.parse(new ByteArrayInputStream("""
                machines:
                  "*": { "Cola": 1, "Tea": 1, "Water": 1 }
                  "ENG-*": { "Cola": 2, "Tea": 2 }
                  "E*": { "Tea": 3 }
                  "ENG-0?": { "Water": 4 }
                  "ENG-*1": { "Water": 5 }
                  "ENG-01": { "Cola": 6 }
                """.getBytes(StandardCharsets.UTF_8)), "precedence");
        assertThat(p.par("ENG-01", "Cola")).isEqualTo(new Planogram.Par(6, "ENG-01"));
        assertThat(p.par("ENG-02", "Cola")).isEqualTo(new Planogram.Par(2, "ENG-*"));
        assertThat(p.par("ENG-02", "Tea")).isEqualTo(new Planogram.Par(2, "ENG-*"));
        assertThat(p.par("ENG-01", "Water")).isEqualTo(new Planogram.Par(4, "ENG-0?"));
        assertThat(p.par("LAW-01", "Water")).isEqualTo(new Planogram.Par(1, "*"));
        assertThat(p.par("LAW-01", "Chips")).isNull();
    }

    @Test
    void should_refuse_an_invalid_planogram_naming_the_file_and_line() {
        assertThatThrownBy(() -> Planogram.parse(new ByteArrayInputStream("""
                machines:
                  "R-1":
                    "Cola": 12
                    "Tea": -3
                """.getBytes(StandardCharsets.UTF_8)), "config/planogram.yaml"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("config/planogram.yaml line 4")
                .hasMessageContaining("'Tea' for 'R-1' must be a whole number from 0 to 1000 (was -3)");
        assertThatThrownBy(() -> Planogram.parse(new ByteArrayInputStream("machines:\n  \"R 1\":\n    Cola: 3\n"
                .getBytes(StandardCharsets.UTF_8)), "p.yaml"))
                .hasMessageContaining("p.yaml line 2").hasMessageContaining("'R 1' is not a machine id or pattern");
        assertThatThrownBy(() -> Planogram.parse(new ByteArrayInputStream("machines:\n  R-1: {Cola: 3\n"
                .getBytes(StandardCharsets.UTF_8)), "p.yaml"))
                .hasMessageContaining("p.yaml line 2").hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> Planogram.parse(new ByteArrayInputStream("machine:\n  R-1: {Cola: 3}\n"
                .getBytes(StandardCharsets.UTF_8)), "p.yaml"))
                .hasMessageContaining("p.yaml line 1").hasMessageContaining("unknown key 'machine'");
    }

    @Test
    void should_not_start_with_an_invalid_planogram_file_and_say_which_line_is_wrong() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("planogram", ".yaml");
        java.nio.file.Files.writeString(file, "machines:\n  \"ENG-*\":\n    \"Aqua 600ml\": twelve\n");
        Properties props = TestInfrastructure.get().namespace("bad_planogram").appProperties();
        props.setProperty("vendstream.ingest.enabled", "false");
        props.setProperty("vendstream.restock.planogram-file", file.toString());
        assertThatThrownBy(() -> VendstreamApp.start(props).close())
                .hasStackTraceContaining("Planogram file " + file + " line 3: the par of 'Aqua 600ml' for 'ENG-*' must be a whole number");
    }

    // ---------------------------------------------------------------------------- the forecast

    @Test
    void should_project_the_stock_out_when_expected_demand_reaches_what_is_on_hand() {
        Map<String, Object> plan = restock.plan(24, null, null);
        assertThat((Integer) at(plan, "machinesToVisit")).isEqualTo(2);
        Map<String, Object> r1 = at(plan, "plan", 0);
        assertThat(r1.get("machineId")).isEqualTo("R-1");
        // Cola: 5 on hand; 2 expected by 11:00, 4 per hour from 11:00, so the fifth goes at 11:45
        assertThat((Object) at(r1, "firstStockOut")).isEqualTo(Map.of("product", "Cola", "at", "2026-11-18T04:45:00Z"));
        assertThat((String) at(r1, "atRisk", 0, "stockOutAt")).isEqualTo("2026-11-18T04:45:00Z");
        assertThat((BigDecimal) at(r1, "atRisk", 0, "unitsPerDay")).isEqualByComparingTo("14.3");
        // Chips: 10 on hand; 1 + 2 + 3 + 3 + 1 expected by 15:00
        assertThat((String) at(r1, "atRisk", 1, "product")).isEqualTo("Chips");
        assertThat((String) at(r1, "atRisk", 1, "stockOutAt")).isEqualTo("2026-11-18T08:00:00Z");
        assertThat((String) at(r1, "atRisk", 1, "parSource")).isEqualTo("inferred");
        // Water has been out since 09:00 (its open episode)
        assertThat((Object) at(r1, "outNow")).asList().hasSize(1);
        assertThat((String) at(r1, "outNow", 0, "product")).isEqualTo("Water");
        assertThat((String) at(r1, "outNow", 0, "since")).isEqualTo("2026-11-18T02:00:00Z");
        assertThat((Object) at(r1, "outNow", 0, "outForMinutes")).isEqualTo(90L);
    }

    @Test
    void should_date_a_stock_out_from_the_last_refill_when_one_poll_refilled_and_emptied_the_slot_again() throws Exception {
        // a backlog (or a first start's history) brings hours of events in one poll: the slot emptied
        // yesterday, was refilled at 09:00 and sold out again at 10:00, all folded into one update per poll
        try (Connection c = APP.dataSource().getConnection()) {
            exec(c, "insert into stock (machine_id, product, location, category, quantity, capacity, as_of) values "
                    + "('R-9', 'Soda', 'Hall', 'drink', 0, 12, ?)", NOW.minusDays(1).toOffsetDateTime());
            exec(c, "update stock set as_of = ? where machine_id = 'R-9' and product = 'Soda'", NOW.minusMinutes(30).toOffsetDateTime());
            exec(c, "insert into restocks (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at) "
                    + "values (gen_random_uuid(), 'R-9', 'Hall', 'Soda', 'drink', 12, 12, ?)", NOW.minusMinutes(90).toOffsetDateTime());
        }
        try {
            Map<String, Object> plan = restock.plan(24, null, "R-9");
            assertThat((String) at(plan, "plan", 0, "outNow", 0, "since")).isEqualTo(NOW.minusMinutes(90).toInstant().toString());
            assertThat((Object) at(plan, "plan", 0, "outNow", 0, "outForMinutes")).isEqualTo(90L);
        } finally {
            try (Connection c = APP.dataSource().getConnection()) {
                exec(c, "delete from stockout_episodes where machine_id = 'R-9'");
                exec(c, "delete from restocks where machine_id = 'R-9'");
                exec(c, "delete from stock where machine_id = 'R-9'");
            }
        }
    }

    @Test
    void should_count_a_slot_out_earlier_with_a_safety_factor_for_the_scatter_of_demand() {
        Instant now = NOW.toInstant();
        Instant until = NOW.plusHours(24).toInstant();
        // 6 on hand, z = 1: out once E + sqrt(E) reaches 6, at E = 4: 2 by 11:00, then 4 an hour
        assertThat(model.stockOut("R-1", "Cola", 6, now, until, 1.0)).isEqualTo(NOW.withHour(11).withMinute(30).toInstant());
        assertThat(model.stockOut("R-1", "Cola", 6, now, until, 0.0)).isEqualTo(NOW.withHour(12).withMinute(0).toInstant());
        assertThat(model.stockOut("R-1", "Cola", 0, now, until, 1.0)).isEqualTo(now);
        assertThat(model.stockOut("R-3", "Juice", 100, now, until, 1.0)).isNull();
    }

    @Test
    void should_price_the_revenue_at_risk_as_expected_demand_while_out_until_the_horizon() {
        Map<String, Object> r1 = at(restock.plan(24, null, null), "plan", 0);
        // Cola 31.5 units x 5000 + Chips 8.25 x 8000 + Water 18.25 x 4000
        assertThat((BigDecimal) at(r1, "revenueAtRisk")).isEqualByComparingTo("296500.00");
        assertThat((BigDecimal) at(r1, "atRisk", 0, "expectedLostUnits")).isEqualByComparingTo("31.5");
        assertThat((BigDecimal) at(r1, "outNow", 0, "revenueAtRisk")).isEqualByComparingTo("73000.00");
    }

    @Test
    void should_order_the_plan_most_urgent_first_and_leave_out_machines_that_last_the_horizon() {
        Map<String, Object> plan = restock.plan(24, null, null);
        assertThat((List<Map<String, Object>>) at(plan, "plan")).extracting(m -> m.get("machineId")).containsExactly("R-1", "R-2");
        assertThat((Integer) at(restock.plan(24, "Annex", null), "machinesToVisit")).isZero();
        // R-2's tea lasts until 15:00: with a 4-hour horizon it is not yet due
        assertThat((List<Map<String, Object>>) at(restock.plan(4, null, null), "plan"))
                .extracting(m -> m.get("machineId")).containsExactly("R-1");
    }

    @Test
    void should_suggest_the_quietest_hours_at_the_location_before_the_first_stock_out() {
        Map<String, Object> r2 = at(restock.plan(24, null, null), "plan", 1);
        assertThat((String) at(r2, "firstStockOut", "at")).isEqualTo("2026-11-18T08:00:00Z");
        // Hall sells 6+12+9 (10:30-12:30), 12+18 (11-13), 18+18 (12-14), 18+6 (13-15): the quietest before 15:00 is 13-15
        assertThat((Object) at(r2, "suggestedWindow")).isEqualTo(Map.of("from", "2026-11-18T06:00:00Z", "to", "2026-11-18T08:00:00Z",
                "expectedSalesAtLocation", new BigDecimal("24.0"), "beforeStockOut", true));
        // a deadline at 13:00 leaves 10:30-12:30 (27 sales) and 11-13 (30): now is the quieter and still in time
        assertThat(restock.window(model, "Hall", NOW.toInstant(), NOW.plusMinutes(150).toInstant())).isEqualTo(Map.of(
                "from", "2026-11-18T03:30:00Z", "to", "2026-11-18T05:30:00Z", "expectedSalesAtLocation", new BigDecimal("27.0"),
                "beforeStockOut", true));
        // after the visit hours (21:00) the earliest window is tomorrow 07:00
        assertThat(restock.window(model, "Hall", NOW.withHour(22).toInstant(), NOW.withHour(23).toInstant()).get("from"))
                .isEqualTo("2026-11-19T00:00:00Z");
        // R-1 is already out: go now, 10:30-12:30, when Hall expects 6 + 12 + 9 sales
        Map<String, Object> r1 = at(restock.plan(24, null, null), "plan", 0);
        assertThat((Object) at(r1, "suggestedWindow")).isEqualTo(Map.of("from", "2026-11-18T03:30:00Z", "to", "2026-11-18T05:30:00Z",
                "expectedSalesAtLocation", new BigDecimal("27.0"), "beforeStockOut", false));
    }

    // ----------------------------------------------------------------------------- pick list

    @Test
    void should_load_each_slot_up_to_its_par_from_what_will_be_left_at_the_visit() {
        Map<String, Object> list = restock.picklist("Hall", null, NOW.plusMinutes(150).toInstant());
        assertThat((String) at(list, "visitAt")).isEqualTo("2026-11-18T06:00:00Z");
        List<Map<String, Object>> lines = at(list, "lines");
        assertThat(lines).extracting(l -> l.get("machineId") + "/" + l.get("product") + " on hand " + l.get("onHand")
                + " projected " + l.get("projectedOnHand") + " load " + l.get("unitsToLoad")).containsExactly(
                "R-1/Chips on hand 10 projected 4.0 load 8",
                "R-1/Cola on hand 5 projected 0.0 load 20",
                "R-1/Snack Bar on hand 0 projected 0.0 load 6",
                "R-1/Water on hand 0 projected 0.0 load 10",
                "R-2/Snack Bar on hand 0 projected 0.0 load 6",
                "R-2/Tea on hand 20 projected 8.0 load 16",
                "R-2/Water on hand 0 projected 0.0 load 10");
        assertThat((List<Map<String, Object>>) at(list, "totals")).extracting(t -> t.get("product") + " " + t.get("unitsToLoad")
                + " in " + t.get("machines")).containsExactly("Chips 8 in 1", "Cola 20 in 1", "Snack Bar 12 in 2", "Tea 16 in 1",
                "Water 20 in 2");
        assertThat((Object) at(list, "unitsToLoad")).isEqualTo(76L);
        assertThat((Object) at(list, "machines")).isEqualTo(2);
    }

    @Test
    void should_write_the_pick_list_as_csv_with_a_header_row_and_product_totals() {
        Map<String, Object> list = restock.picklist(null, "R-2", NOW.plusMinutes(150).toInstant());
        assertThat(restock.picklistCsv(list)).isEqualTo(
                "machineId,location,product,onHand,par,parSource,projectedOnHand,unitsToLoad\r\n"
                        + "R-2,Hall,Snack Bar,0,6,configured,0.0,6\r\n"
                        + "R-2,Hall,Tea,20,24,inferred,8.0,16\r\n"
                        + "R-2,Hall,Water,0,10,configured,0.0,10\r\n"
                        + "TOTAL,,Snack Bar,,,,,6\r\n"
                        + "TOTAL,,Tea,,,,,16\r\n"
                        + "TOTAL,,Water,,,,,10\r\n");
        assertThat(Csv.row("a,b", "say \"hi\"", "=cmd()", -1)).isEqualTo("\"a,b\",\"say \"\"hi\"\"\",'=cmd(),-1\r\n");
    }

    // ------------------------------------------------------------------------ stock-out history

    @Test
    void should_list_stock_out_episodes_with_their_duration_and_lost_sales() {
        Map<String, Object> answer = stockouts.stockouts(new Window(TODAY.minusDays(1).atStartOfDay(Campus.ZONE).toInstant(), null, Campus.ZONE),
                null, null, 200);
        List<Map<String, Object>> episodes = at(answer, "stockouts");
        assertThat(episodes).extracting(e -> e.get("machineId") + "/" + e.get("product") + " " + e.get("startedAt") + " - "
                + e.get("endedAt") + " " + e.get("durationMinutes") + " min, lost " + e.get("estimatedLostUnits") + " = "
                + e.get("estimatedLostRevenue")).containsExactly(
                // 09:00-10:30 today: 1 + 1 water at 4000
                "R-1/Water 2026-11-18T02:00:00Z - null 90 min, lost 2.0 = 8000.00",
                // yesterday 12:00-13:30: 6 + 3 teas at 6000
                "R-2/Tea 2026-11-17T05:00:00Z - 2026-11-17T06:30:00Z 90 min, lost 9.0 = 54000.00");
        assertThat((Object) at(answer, "totals")).isEqualTo(List.of(Map.of("location", "Hall", "episodes", 2L, "open", 1L,
                "durationMinutes", 180L, "estimatedLostUnits", new BigDecimal("11.0"), "estimatedLostRevenue", new BigDecimal("62000.00"))));
        Map<String, Object> todayOnly = stockouts.stockouts(new Window(TODAY.atStartOfDay(Campus.ZONE).toInstant(), null, Campus.ZONE),
                "Hall", null, 200);
        assertThat((Object) at(todayOnly, "episodes")).isEqualTo(1);
        assertThat((Object) at(stockouts.stockouts(new Window(TODAY.minusDays(1).atStartOfDay(Campus.ZONE).toInstant(), null, Campus.ZONE),
                "Annex", null, 200), "episodes")).isEqualTo(0);
    }

    // ---------------------------------------------------------------------------------- HTTP

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ContractSchemas CONTRACT = new ContractSchemas();

    private static HttpResponse<String> get(String pathAndQuery, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(APP.baseUrl() + pathAndQuery));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void should_answer_the_three_endpoints_as_the_contract_describes() throws Exception {
        String[][] cases = {{"/api/restock/plan?horizonHours=48&location=Hall"}, {"/api/restock/picklist?location=Hall"},
                {"/api/stockouts?from=2026-11-01"}};
        for (String[] c : cases) {
            HttpResponse<String> response = get(c[0], null);
            assertThat(response.statusCode()).as(c[0]).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
            CONTRACT.assertAnswers(c[0], 200, response.body());
        }
        // R-1's water is out: the plan lists the machine whatever the clock says
        JsonNode plan = JSON.readTree(get("/api/restock/plan?location=Hall", null).body());
        assertThat(plan.get("plan").get(0).get("machineId").asText()).isEqualTo("R-1");
        assertThat(plan.get("plan").get(0).get("outNow").get(0).get("product").asText()).isEqualTo("Water");
    }

    @Test
    void should_answer_the_pick_list_as_csv_when_asked_by_accept_header_or_format() throws Exception {
        // R-3 on the real clock: its history is too old to expect sales, the planogram's "*" entry adds the food slots
        String expected = "machineId,location,product,onHand,par,parSource,projectedOnHand,unitsToLoad\r\n"
                + "R-3,Annex,Indomie Goreng Cup,0,8,configured,0.0,8\r\n"
                + "R-3,Annex,Juice,100,100,inferred,100.0,0\r\n"
                + "R-3,Annex,Onigiri Tuna Mayo,0,6,configured,0.0,6\r\n"
                + "R-3,Annex,Pop Mie Ayam Bawang,0,8,configured,0.0,8\r\n"
                + "R-3,Annex,Roti Isi Abon Sapi,0,6,configured,0.0,6\r\n"
                + "R-3,Annex,Sari Roti Sandwich Cokelat,0,8,configured,0.0,8\r\n"
                + "TOTAL,,Indomie Goreng Cup,,,,,8\r\n"
                + "TOTAL,,Onigiri Tuna Mayo,,,,,6\r\n"
                + "TOTAL,,Pop Mie Ayam Bawang,,,,,8\r\n"
                + "TOTAL,,Roti Isi Abon Sapi,,,,,6\r\n"
                + "TOTAL,,Sari Roti Sandwich Cokelat,,,,,8\r\n";
        for (HttpResponse<String> response : List.of(get("/api/restock/picklist?machineId=R-3", "text/csv"),
                get("/api/restock/picklist?machineId=R-3&format=csv", null))) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("text/csv");
            assertThat(response.headers().firstValue("Content-Disposition")).get().asString().contains("picklist.csv");
            assertThat(response.body()).isEqualTo(expected);
        }
        assertThat(get("/api/restock/picklist?machineId=R-3&format=json", "text/csv").body()).startsWith("{");
    }

    @Test
    void should_answer_400_naming_the_parameter_for_bad_input() throws Exception {
        String[][] cases = {
                {"/api/restock/plan?horizonHours=0", "horizonHours"},
                {"/api/restock/plan?horizonHours=337", "horizonHours"},
                {"/api/restock/plan?horizonHours=soon", "horizonHours"},
                {"/api/restock/plan?machineId=R%201", "machineId"},
                {"/api/restock/picklist?visitAt=2020-01-01", "visitAt"},
                {"/api/restock/picklist?visitAt=tomorrow", "visitAt"},
                {"/api/restock/picklist?format=xlsx", "format"},
                {"/api/stockouts?from=yesterday", "from"},
                {"/api/stockouts?from=2026-11-10&to=2026-11-01", "to"},
                {"/api/stockouts?limit=0", "limit"}};
        for (String[] c : cases) {
            HttpResponse<String> response = get(c[0], null);
            assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode error = JSON.readTree(response.body());
            assertThat(error.get("parameter").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(error.get("error").asText()).as(c[0]).contains(c[1]);
            CONTRACT.assertAnswers(c[0], 400, response.body());
        }
    }
}

package io.vendstream.restock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import io.vendstream.ingest.DirectIngest;
import io.vendstream.ingest.EventStore;
import io.vendstream.ingest.EventValidator;
import io.vendstream.queries.AnswerCache;
import io.vendstream.simulator.EventJson;
import io.vendstream.simulator.Fleet;
import io.vendstream.simulator.FleetFile;
import io.vendstream.simulator.FleetSimulator;
import io.vendstream.simulator.WireEvent;
import io.vendstream.support.Campus;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forecast against the simulator, whose demand is known. The built-in campus (36 machines) is
 * simulated for four weeks, restocked once a day at 05:00 so that popular slots do run out; every
 * event goes through the real validator and the real ingest store into PostgreSQL. At 05:40 on a
 * Monday, after the restock round, the plan forecasts the next 23 hours (to the next round); then
 * that day is simulated and stored too, and the forecast is compared with what happened:
 * <ul>
 * <li>units per machine over the day: WAPE (sum of |forecast - actual| / sum of actual) and MAPE,
 * next to two broken forecasts, zero and yesterday-only (a Sunday: the weekday profile matters);</li>
 * <li>slots that ran out: how many the plan foresaw (recall) and how many it predicted that did not
 * run out (false alarms), and how far off the predicted time was;</li>
 * <li>the stock-out episodes the ingest transaction recorded, against the simulator's own record.</li>
 * </ul>
 */
class ForecastBacktestTest {

    private static final long SEED = 20261118L;
    private static final int HORIZON_HOURS = 23;

    private static PGSimpleDataSource db;
    private static FleetSimulator sim;
    private static ZonedDateTime t0;
    private static ZonedDateTime t1;
    private static List<WireEvent> history;
    private static List<WireEvent> day;
    private static Map<String, Object> plan;
    private static DemandForecast.Model model;
    private static final double SAFETY = 1.0;
    /** On hand per slot when the forecast was made. */
    private static final Map<String, Integer> onHandAtT0 = new TreeMap<>();

    @BeforeAll
    static void simulate_four_weeks_forecast_and_simulate_the_next_day() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("backtest");
        db = ns.migratedDataSource();

        Fleet campus = FleetFile.builtIn();
        // one round a day at 05:00, a minute per machine, no visits on demand: slots do run out
        Fleet fleet = new Fleet(campus.campus(), campus.peakSalesPerMachineHour(), campus.slotCapacity(), campus.initialFill(),
                campus.paymentMethods(), campus.quantities(), new Fleet.Restock(List.of("05:00"), List.of("05:00"), 1, 1000),
                campus.profiles(), campus.hourlyMix(), campus.products(), campus.locations());
        sim = new FleetSimulator(fleet, new Random(SEED), Campus.ZONE);
        // the latest Monday whose forecast day is over
        LocalDate monday = LocalDate.now(Campus.ZONE).minusDays(2).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        t0 = monday.atTime(5, 40).atZone(Campus.ZONE);
        t1 = t0.plusHours(HORIZON_HOURS);
        DirectIngest ingest = new DirectIngest(new EventStore(db, Campus.ZONE.getId()), EventValidator.configured(300, 65536, 0), ns.topic());

        long started = System.nanoTime();
        history = sim.history(monday.minusDays(28).atStartOfDay(Campus.ZONE), t0);
        long simulated = System.nanoTime();
        ingest.store(history.stream().map(EventJson::toBytes).toList(), 2000);
        long stored = System.nanoTime();

        Clock clock = Clock.fixed(t0.toInstant(), Campus.ZONE);
        DemandForecast forecast = new DemandForecast(db, Campus.ZONE, 28, Duration.ofMinutes(5), clock);
        RestockQueries restock = new RestockQueries(db, Campus.ZONE, Planogram.empty(), forecast, new AnswerCache("restock-test", 0, 100), 24, 2, 7, 21, SAFETY, clock);
        plan = restock.plan(HORIZON_HOURS, null, null);
        model = forecast.model();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select machine_id, product, quantity from stock");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                onHandAtT0.put(slot(rs.getString(1), rs.getString(2)), rs.getInt(3));
            }
        }

        day = sim.history(t0, t1);
        ingest.store(day.stream().map(EventJson::toBytes).toList(), 500);
        System.out.printf(Locale.ROOT, "Backtest: %d history events simulated in %.1f s, validated and stored in %.1f s; "
                + "%d events on the forecast day%n", history.size(), (simulated - started) / 1e9, (stored - simulated) / 1e9, day.size());
    }

    private static String slot(String machine, String product) {
        return machine + " / " + product;
    }

    /** Units per machine in [from, to) of the simulated events. */
    private static Map<String, Double> unitsPerMachine(List<WireEvent> events, ZonedDateTime from, ZonedDateTime to) {
        Map<String, Double> units = new TreeMap<>();
        sim.machines().forEach(m -> units.put(m.id(), 0.0));
        for (WireEvent e : events) {
            Instant at = e.occurredAtTime().toInstant();
            if (e.isSale() && !at.isBefore(from.toInstant()) && at.isBefore(to.toInstant())) {
                units.merge(e.machineId(), (double) e.quantity(), Double::sum);
            }
        }
        return units;
    }

    private static double wape(Map<String, Double> forecast, Map<String, Double> actual) {
        double error = 0;
        double total = 0;
        for (String m : actual.keySet()) {
            error += Math.abs(forecast.getOrDefault(m, 0.0) - actual.get(m));
            total += actual.get(m);
        }
        return error / total;
    }

    private static double mape(Map<String, Double> forecast, Map<String, Double> actual) {
        double sum = 0;
        int n = 0;
        for (String m : actual.keySet()) {
            if (actual.get(m) > 0) {
                sum += Math.abs(forecast.getOrDefault(m, 0.0) - actual.get(m)) / actual.get(m);
                n++;
            }
        }
        return sum / n;
    }

    private static Map<String, Double> forecastPerMachine() {
        Map<String, Double> units = new TreeMap<>();
        for (var m : sim.machines()) {
            double sum = 0;
            for (Fleet.Product p : sim.fleet().products()) {
                sum += model.expected(m.id(), p.name(), t0.toInstant(), t1.toInstant());
            }
            units.put(m.id(), sum);
        }
        return units;
    }

    @Test
    void should_forecast_each_machines_units_for_the_day_far_better_than_a_zero_or_yesterday_only_forecast() {
        Map<String, Double> actual = unitsPerMachine(day, t0, t1);
        Map<String, Double> forecast = forecastPerMachine();
        Map<String, Double> zero = new HashMap<>();
        Map<String, Double> yesterday = unitsPerMachine(history, t0.minusDays(1), t1.minusDays(1));
        Map<String, Double> lastWeek = unitsPerMachine(history, t0.minusDays(7), t1.minusDays(7));
        double wape = wape(forecast, actual);
        System.out.printf(Locale.ROOT, "Backtest units per machine-day (%d machines, %.0f units sold): forecast WAPE %.3f MAPE %.3f | "
                        + "zero WAPE %.3f | yesterday-only WAPE %.3f MAPE %.3f | same day last week WAPE %.3f MAPE %.3f%n",
                actual.size(), actual.values().stream().mapToDouble(Double::doubleValue).sum(), wape, mape(forecast, actual),
                wape(zero, actual), wape(yesterday, actual), mape(yesterday, actual), wape(lastWeek, actual), mape(lastWeek, actual));
        assertThat(wape).isLessThan(0.15);
        assertThat(mape(forecast, actual)).isLessThan(0.20);
        // the bound means something: both broken forecasts fail it
        assertThat(wape(zero, actual)).isGreaterThan(0.15);
        assertThat(wape(yesterday, actual)).isGreaterThan(0.15);
    }

    @Test
    void should_foresee_most_real_stock_outs_with_few_false_alarms() {
        Map<String, Instant> predicted = new HashMap<>();
        for (Object o : (List<?>) plan.get("plan")) {
            Map<?, ?> machine = (Map<?, ?>) o;
            for (Object s : (List<?>) machine.get("atRisk")) {
                Map<?, ?> slot = (Map<?, ?>) s;
                predicted.put(slot(machine.get("machineId").toString(), slot.get("product").toString()),
                        Instant.parse(slot.get("stockOutAt").toString()));
            }
            for (Object s : (List<?>) machine.get("outNow")) {
                predicted.put(slot(machine.get("machineId").toString(), ((Map<?, ?>) s).get("product").toString()), t0.toInstant());
            }
        }
        Map<String, Instant> actual = realStockOuts();
        Set<String> foreseen = new HashSet<>(actual.keySet());
        foreseen.retainAll(predicted.keySet());
        Set<String> falseAlarms = new HashSet<>(predicted.keySet());
        falseAlarms.removeAll(actual.keySet());
        List<Long> minutesOff = new ArrayList<>();
        foreseen.forEach(s -> minutesOff.add(Math.abs(Duration.between(actual.get(s), predicted.get(s)).toMinutes())));
        minutesOff.sort(Long::compare);
        double recall = (double) foreseen.size() / actual.size();
        System.out.printf(Locale.ROOT, "Backtest stock-outs within %d h: %d real, %d predicted, %d foreseen (recall %.2f), "
                        + "%d false alarms (%.2f of predicted); median error of the predicted time %d min%n",
                HORIZON_HOURS, actual.size(), predicted.size(), foreseen.size(), recall, falseAlarms.size(),
                (double) falseAlarms.size() / predicted.size(), minutesOff.isEmpty() ? 0 : minutesOff.get(minutesOff.size() / 2));
        for (double z : new double[] {0, 0.5, 1, 1.5, 2}) {
            Set<String> p = new HashSet<>();
            onHandAtT0.forEach((slot, onHand) -> {
                String[] key = slot.split(" / ", 2);
                if (model.stockOut(key[0], key[1], onHand, t0.toInstant(), t1.toInstant(), z) != null) {
                    p.add(slot);
                }
            });
            long hits = p.stream().filter(actual::containsKey).count();
            Set<String> pm = machines(p);
            Set<String> am = machines(actual.keySet());
            long machineHits = pm.stream().filter(am::contains).count();
            System.out.printf(Locale.ROOT, "Backtest safety factor %.1f: slots %d predicted, recall %.2f, %d false alarms | "
                            + "machines %d of %d to visit, recall %.2f, %d false alarms%n",
                    z, p.size(), (double) hits / actual.size(), p.size() - hits, pm.size(), am.size(),
                    (double) machineHits / am.size(), pm.size() - machineHits);
        }
        // yesterday-only: a slot runs out if yesterday's sales in the same hours reached what is on hand now
        Map<String, Integer> yesterdayUnits = new HashMap<>();
        for (WireEvent e : history) {
            Instant at = e.occurredAtTime().toInstant();
            if (e.isSale() && !at.isBefore(t0.minusDays(1).toInstant()) && at.isBefore(t1.minusDays(1).toInstant())) {
                yesterdayUnits.merge(slot(e.machineId(), e.product()), e.quantity(), Integer::sum);
            }
        }
        Set<String> naive = new HashSet<>();
        onHandAtT0.forEach((slot, onHand) -> {
            if (yesterdayUnits.getOrDefault(slot, 0) >= onHand) {
                naive.add(slot);
            }
        });
        Set<String> realMachines = machines(actual.keySet());
        Set<String> planned = machines(predicted.keySet());
        long plannedHits = planned.stream().filter(realMachines::contains).count();
        double machineRecall = (double) plannedHits / realMachines.size();
        double naiveMachineRecall = (double) machines(naive).stream().filter(realMachines::contains).count() / realMachines.size();
        System.out.printf(Locale.ROOT, "Backtest machines to visit: %d had a stock-out, the plan listed %d, foreseen %d (recall %.2f), "
                        + "%d false alarms | yesterday-only listed %d, recall %.2f%n", realMachines.size(), planned.size(), plannedHits,
                machineRecall, planned.size() - plannedHits, machines(naive).size(), naiveMachineRecall);

        assertThat(actual).hasSizeGreaterThan(20);
        assertThat(machineRecall).isGreaterThanOrEqualTo(0.7);
        assertThat((double) (planned.size() - plannedHits) / planned.size()).isLessThanOrEqualTo(0.4);
        assertThat(recall).isGreaterThanOrEqualTo(0.35);
        assertThat((double) falseAlarms.size() / predicted.size()).isLessThanOrEqualTo(0.7);
        // the bounds mean something: a zero forecast foresees nothing, yesterday-only (a Sunday) too little
        assertThat(naiveMachineRecall).isLessThan(0.7);
    }

    private static Set<String> machines(Set<String> slots) {
        Set<String> machines = new HashSet<>();
        slots.forEach(s -> machines.add(s.substring(0, s.indexOf(" / "))));
        return machines;
    }

    /** Each slot that ran out on the forecast day, and the time of the sale that emptied it. */
    private static Map<String, Instant> realStockOuts() {
        Map<String, Instant> actual = new TreeMap<>();
        for (WireEvent e : day) {
            if (e.isSale() && Integer.valueOf(0).equals(e.stockAfter())) {
                actual.putIfAbsent(slot(e.machineId(), e.product()), e.occurredAtTime().toInstant());
            }
        }
        return actual;
    }

    @Test
    void should_record_each_stock_out_of_the_day_as_an_episode_starting_at_the_sale_that_emptied_the_slot() throws Exception {
        Map<String, Instant> actual = realStockOuts();
        Map<String, Instant> recorded = new TreeMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select machine_id, product, started_at from stockout_episodes where started_at >= ? and started_at < ?")) {
            ps.setObject(1, t0.toOffsetDateTime());
            ps.setObject(2, t1.toOffsetDateTime());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recorded.put(slot(rs.getString(1), rs.getString(2)), rs.getObject(3, java.time.OffsetDateTime.class).toInstant());
                }
            }
        }
        assertThat(recorded).isEqualTo(actual);
    }
}

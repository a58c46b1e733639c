package io.vendstream.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import io.vendstream.support.Campus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The timer-facing bean, driven by a simulated clock: the rate holds whatever the ticks do. */
class VendingSimulatorTest {

    @Test
    void should_honour_the_rate_across_ticks_of_any_length() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        VendingSimulator simulator = simulator(settings(SimulatorSettings.Mode.NORMAL, 0, false), clock);

        int total = count(simulator.tick());
        for (int i = 0; i < 300; i++) {
            // irregular ticks, as a busy timer thread delivers them
            clock.advance(Duration.ofMillis(i % 3 == 0 ? 130 : 270));
            total += count(simulator.tick());
        }
        double seconds = 0.2 + 100 * 0.13 + 200 * 0.27;
        assertThat(total).isCloseTo((int) (seconds * 10), org.assertj.core.data.Offset.offset(2));
    }

    @Test
    void should_not_flood_the_topic_after_a_long_stall() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        VendingSimulator simulator = simulator(settings(SimulatorSettings.Mode.NORMAL, 0, false), clock);
        simulator.tick();
        clock.advance(Duration.ofMinutes(10));
        // at most 25 periods of 200 ms are caught up: 5 s at 10/s
        assertThat(count(simulator.tick())).isEqualTo(50);
    }

    @Test
    void should_follow_the_campus_day_when_asked() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        // 10:00 in Jakarta on a Tuesday: the busiest hour
        VendingSimulator day = simulator(settings(SimulatorSettings.Mode.NORMAL, 0, true), clock);
        day.tick();
        clock.advance(Duration.ofSeconds(5));
        int atTen = count(day.tick());
        SimulatedClock night = new SimulatedClock(Instant.parse("2026-03-09T20:00:00Z"));
        // 03:00 in Jakarta
        VendingSimulator quiet = simulator(settings(SimulatorSettings.Mode.NORMAL, 0, true), night);
        quiet.tick();
        night.advance(Duration.ofSeconds(5));
        int atThree = count(quiet.tick());
        assertThat(atTen).isBetween(40, 50);
        assertThat(atThree).isLessThan(atTen / 10);
    }

    @Test
    void should_publish_the_burst_in_slices_and_then_nothing() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        VendingSimulator simulator = simulator(settings(SimulatorSettings.Mode.BURST, 0, false), clock);
        List<Integer> slices = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            slices.add(count(simulator.tick()));
        }
        assertThat(slices).containsExactly(VendingSimulator.BURST_SLICE, VendingSimulator.BURST_SLICE, 5_000, 0, 0);
    }

    @Test
    void should_publish_the_backfilled_history_a_day_per_tick_before_the_live_stream() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        VendingSimulator simulator = simulator(settings(SimulatorSettings.Mode.CAMPUS, 2, false), clock);
        List<WireEvent> first = new ArrayList<>();
        simulator.tick().forEachRemaining(r -> first.add((WireEvent) r.payload()));
        List<WireEvent> second = new ArrayList<>();
        simulator.tick().forEachRemaining(r -> second.add((WireEvent) r.payload()));

        Instant twoDaysAgo = clock.instant().minus(Duration.ofDays(2));
        Instant oneDayAgo = clock.instant().minus(Duration.ofDays(1));
        assertThat(first).as("the first day").hasSizeGreaterThan(3000)
                .allMatch(e -> !e.occurredAtTime().toInstant().isBefore(twoDaysAgo) && e.occurredAtTime().toInstant().isBefore(oneDayAgo));
        assertThat(second).as("the second day, up to now").hasSizeGreaterThan(3000)
                .allMatch(e -> !e.occurredAtTime().toInstant().isBefore(oneDayAgo) && !e.occurredAtTime().toInstant().isAfter(clock.instant()));
        List<WireEvent> history = new ArrayList<>(first);
        history.addAll(second);
        for (int i = 1; i < history.size(); i++) {
            assertThat(history.get(i).occurredAtTime()).isAfterOrEqualTo(history.get(i - 1).occurredAtTime());
        }
        // then the live campus: a few seconds of it are a sale or two, not another day
        clock.advance(Duration.ofSeconds(5));
        assertThat(count(simulator.tick())).isLessThan(20);
    }

    @Test
    void should_backfill_no_history_when_the_topic_holds_records_already() {
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        Random random = new Random(1);
        EventSource source = new EventSource(new FleetSimulator(FleetFile.builtIn(), random, Campus.ZONE), Faults.NONE, random);
        VendingSimulator restarted = new VendingSimulator(source, settings(SimulatorSettings.Mode.CAMPUS, 28, false), clock, () -> 1234L);
        assertThat(count(restarted.tick())).as("a restart publishes no history again").isLessThan(20);
    }

    @Test
    void should_sell_at_the_rate_real_machines_see_at_each_campus_hour() {
        // Tuesday 10:00 in Jakarta, the class break: one simulated hour in ticks of 200 ms
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-10T03:00:00Z"));
        VendingSimulator simulator = simulator(settings(SimulatorSettings.Mode.CAMPUS, 0, false), clock);
        java.util.Map<String, Integer> salesPerMachine = new java.util.TreeMap<>();
        for (int i = 0; i < 18_000; i++) {
            clock.advance(Duration.ofMillis(200));
            simulator.tick().forEachRemaining(r -> {
                if (r.type().equals("sale")) {
                    salesPerMachine.merge(r.key(), 1, Integer::sum);
                }
            });
        }
        // a busy corridor sells a few dozen an hour at the break, a dormitory a handful, nowhere hundreds
        assertThat(salesPerMachine.get("STC-01")).isBetween(20, 60);
        assertThat(salesPerMachine.get("ENG-01")).isBetween(20, 60);
        assertThat(salesPerMachine.getOrDefault("DRA-01", 0)).isBetween(0, 10);
        assertThat(salesPerMachine.values()).allMatch(n -> n < 80);
    }

    private static SimulatorSettings settings(SimulatorSettings.Mode mode, int backfillDays, boolean followCampusDay) {
        return new SimulatorSettings(mode, 10, 200, followCampusDay, 25_000, backfillDays, 1);
    }

    private static VendingSimulator simulator(SimulatorSettings settings, Clock clock) {
        Random random = new Random(1);
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), random, Campus.ZONE);
        // as VendingSimulator.from sets it up
        fleet.delayCallOuts(settings.mode() == SimulatorSettings.Mode.CAMPUS);
        EventSource source = new EventSource(fleet, Faults.NONE, random);
        return new VendingSimulator(source, settings, clock);
    }

    private static int count(Iterator<SimulatedRecord> records) {
        int n = 0;
        while (records.hasNext()) {
            records.next();
            n++;
        }
        return n;
    }

    /** A clock the test moves by hand. */
    static final class SimulatedClock extends Clock {
        private Instant now;

        SimulatedClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return Campus.ZONE;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

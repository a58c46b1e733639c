package io.vendstream.simulator;

import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.vendstream.support.Campus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Stock as an operator sees it on the dashboard: consistent with every sale and restock, never negative. */
class FleetStockTest {

    // a Monday
    private static final ZonedDateTime START = ZonedDateTime.of(2026, 3, 2, 0, 0, 0, 0, Campus.ZONE);

    @Test
    void should_keep_stock_consistent_and_never_negative_over_a_simulated_week() {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(21), Campus.ZONE);
        Map<String, Integer> levels = new HashMap<>();
        for (Fleet.Machine m : fleet.machines()) {
            for (Fleet.Product p : fleet.fleet().products()) {
                levels.put(m.id() + "|" + p.name(), fleet.stock(m.id(), p.name()));
            }
        }
        List<WireEvent> week = fleet.history(START, START.plusDays(7));

        int sales = 0;
        int stockOuts = 0;
        int restocks = 0;
        for (WireEvent e : week) {
            String slot = e.machineId() + "|" + e.product();
            int before = levels.get(slot);
            if (e.isSale()) {
                sales++;
                // no sale from an empty slot, and never more than is left
                assertThat(before).as("stock before a sale at %s", slot).isGreaterThanOrEqualTo(e.quantity()).isPositive();
                assertThat(e.stockAfter()).isEqualTo(before - e.quantity()).isNotNegative();
                if (e.stockAfter() == 0) {
                    stockOuts++;
                }
            } else {
                restocks++;
                assertThat(e.stockAfter()).isEqualTo(before + e.quantity()).isEqualTo(fleet.capacity(e.product()));
                assertThat(e.quantity()).isPositive();
            }
            levels.put(slot, e.stockAfter());
        }
        for (Map.Entry<String, Integer> slot : levels.entrySet()) {
            String[] parts = slot.getKey().split("\\|");
            assertThat(fleet.stock(parts[0], parts[1])).isEqualTo(slot.getValue()).isNotNegative();
        }
        assertThat(sales).isGreaterThan(10_000);
        assertThat(restocks).isGreaterThan(500);
        // slots do run empty between visits: the stock-outs the dashboard is there to show
        assertThat(stockOuts).isGreaterThan(20);
    }

    @Test
    void should_never_sell_from_an_empty_slot_even_when_students_keep_coming() {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(5), Campus.ZONE);
        ZonedDateTime lunch = START.plusHours(12);
        Map<String, Integer> emptied = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            for (WireEvent e : fleet.nextSale(lunch)) {
                String slot = e.machineId() + "|" + e.product();
                if (e.isSale()) {
                    assertThat(emptied).as("a sale from the empty slot %s", slot).doesNotContainKey(slot);
                    if (e.stockAfter() == 0) {
                        emptied.put(slot, i);
                    }
                } else {
                    emptied.remove(slot);
                }
            }
        }
        assertThat(emptied).isNotEmpty();
    }

    @Test
    void should_raise_stock_to_capacity_when_the_operator_visits() {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(8), Campus.ZONE);
        Fleet.Machine machine = fleet.machine("ENG-01");
        String aqua = "Aqua 600ml";
        while (fleet.stock("ENG-01", aqua) > 2) {
            fleet.history(START.plusHours(10), START.plusHours(11));
        }
        int before = fleet.stock("ENG-01", aqua);

        List<WireEvent> visit = fleet.restock(machine, START.plusHours(11));

        WireEvent refill = visit.stream().filter(e -> e.product().equals(aqua)).findFirst().orElseThrow();
        assertThat(refill.type()).isEqualTo("restock");
        assertThat(refill.quantity()).isEqualTo(fleet.capacity(aqua) - before);
        assertThat(refill.stockAfter()).isEqualTo(fleet.capacity(aqua));
        assertThat(fleet.stock("ENG-01", aqua)).isGreaterThan(before).isEqualTo(fleet.capacity(aqua));
    }

    @Test
    void should_visit_machines_on_the_restock_schedule_one_after_another() {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(3), Campus.ZONE);
        // empty a little so every machine needs a visit
        fleet.history(START.plusHours(7), START.plusHours(13));
        List<WireEvent> visits = fleet.scheduledRestocks(START.plusHours(13), START.plusHours(16));

        Map<String, ZonedDateTime> firstVisit = new HashMap<>();
        visits.forEach(e -> firstVisit.putIfAbsent(e.machineId(), e.occurredAtTime().atZoneSameInstant(Campus.ZONE)));
        // weekday round at 13:30, 4 minutes per machine in file order
        assertThat(firstVisit.get("ENG-01")).isEqualTo(START.withHour(13).withMinute(30));
        assertThat(firstVisit.get("ENG-02")).isEqualTo(START.withHour(13).withMinute(34));
        assertThat(firstVisit).hasSize(fleet.machines().size());
        assertThat(visits).allMatch(e -> e.type().equals("restock"));
    }

    @Test
    void should_send_the_crew_some_time_after_slots_run_empty_never_the_same_instant() {
        FleetSimulator fleet = new FleetSimulator(FleetFile.builtIn(), new Random(11), Campus.ZONE);
        fleet.delayCallOuts(true);
        int callOut = fleet.fleet().restock().callOutMinutes();
        assertThat(callOut).as("call-out delay of the campus fleet file").isPositive();
        // a busy Tuesday from 07:00: machines run slots empty long before the 13:30 round
        List<WireEvent> day = fleet.history(START.plusHours(7), START.plusHours(13));
        Map<String, ZonedDateTime> emptiedAt = new HashMap<>();
        Map<String, Integer> empty = new HashMap<>();
        int calledOut = 0;
        for (WireEvent e : day) {
            ZonedDateTime at = e.occurredAtTime().atZoneSameInstant(Campus.ZONE);
            if (e.isSale() && e.stockAfter() == 0) {
                int n = empty.merge(e.machineId(), 1, Integer::sum);
                if (n == fleet.fleet().restock().emptySlotsTrigger()) {
                    emptiedAt.putIfAbsent(e.machineId(), at);
                }
            } else if (!e.isSale()) {
                ZonedDateTime reported = emptiedAt.remove(e.machineId());
                if (reported != null) {
                    assertThat(java.time.Duration.between(reported, at).toMinutes()).as("call-out to %s", e.machineId())
                            .isEqualTo(callOut);
                    calledOut++;
                }
                empty.remove(e.machineId());
            }
        }
        assertThat(calledOut).as("call-outs in a busy morning").isPositive();
    }
}

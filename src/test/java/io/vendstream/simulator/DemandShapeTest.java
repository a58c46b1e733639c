package io.vendstream.simulator;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import io.vendstream.support.Campus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The campus day as the heatmap will show it, over one simulated week (Monday to Sunday) driven
 * by simulated time: the model runs a week in a second, no real clock involved.
 */
class DemandShapeTest {

    private static final ZonedDateTime MONDAY = ZonedDateTime.of(2026, 3, 2, 0, 0, 0, 0, Campus.ZONE);
    private static Fleet fleet;
    private static List<WireEvent> sales;
    private static Map<String, String> profileByMachine;

    @BeforeAll
    static void simulate_a_week() {
        Fleet campus = FleetFile.builtIn();
        // the demand itself, not what is left to sell: slots large enough never to run out (at the campus's
        // rates the small food slots do sell out before lunch, which would hide the lunch peak)
        fleet = new Fleet(campus.campus(), campus.peakSalesPerMachineHour(), 10_000, campus.initialFill(), campus.paymentMethods(),
                campus.quantities(), campus.restock(), campus.profiles(), campus.hourlyMix(),
                campus.products().stream().map(p -> new Fleet.Product(p.name(), p.category(), p.price(), p.popularity(), null)).toList(),
                campus.locations());
        profileByMachine = new HashMap<>();
        fleet.machines().forEach(m -> profileByMachine.put(m.id(), m.location().profile()));
        sales = new FleetSimulator(fleet, new Random(2026), Campus.ZONE).history(MONDAY, MONDAY.plusDays(7)).stream()
                .filter(WireEvent::isSale).toList();
    }

    @Test
    void should_peak_at_the_configured_class_break_and_lunch_hours_on_weekdays() {
        int[] byHour = hourly(true, "faculty");
        List<Integer> busiest = IntStream.range(0, 24).boxed()
                .sorted(Comparator.comparingInt((Integer h) -> byHour[h]).reversed()).limit(4).toList();
        List<Integer> configured = topHours(fleet.profiles().get("faculty").weekday(), 4);
        assertThat(configured).containsExactlyInAnyOrder(10, 12, 13, 15);
        assertThat(busiest).containsExactlyInAnyOrderElementsOf(configured);
        // the 10:00 break sells clearly more than the lecture hour before it
        assertThat(byHour[10]).isGreaterThan((int) (byHour[9] * 1.4));
    }

    @Test
    void should_be_quiet_at_night() {
        int total = sales.size();
        long night = sales.stream().filter(e -> hour(e) < 6).count();
        System.out.printf("week: %d sales, %d between 00:00 and 06:00 (%.2f %%)%n", total, night, 100.0 * night / total);
        assertThat(night / (double) total).isLessThan(0.03);
        int[] faculty = hourly(true, "faculty");
        assertThat(IntStream.rangeClosed(1, 5).map(h -> faculty[h]).sum()).isLessThan(faculty[10] / 20);
    }

    @Test
    void should_sell_less_at_weekends_except_in_the_dormitories() {
        double facultyWeekday = IntStream.of(hourly(true, "faculty")).sum() / 5.0;
        double facultyWeekend = IntStream.of(hourly(false, "faculty")).sum() / 2.0;
        double dormWeekday = IntStream.of(hourly(true, "dormitory")).sum() / 5.0;
        double dormWeekend = IntStream.of(hourly(false, "dormitory")).sum() / 2.0;
        assertThat(facultyWeekend).isLessThan(facultyWeekday * 0.3);
        assertThat(dormWeekend).isGreaterThan(dormWeekday * 0.9);
    }

    @Test
    void should_give_each_kind_of_location_its_own_rhythm() {
        int[] dorm = hourly(true, "dormitory");
        int[] sports = hourly(true, "sports");
        assertThat(argmax(dorm)).isBetween(19, 21);
        assertThat(argmax(sports)).isBetween(17, 18);
    }

    @Test
    void should_sell_more_food_at_lunch_and_more_drinks_in_the_sports_hall() {
        assertThat(share("food", e -> hour(e) == 12)).isGreaterThan(share("food", e -> hour(e) == 9) * 1.8);
        double gymDrinks = share("drink", e -> e.machineId().startsWith("GYM"));
        double libraryDrinks = share("drink", e -> e.machineId().startsWith("LIB"));
        assertThat(gymDrinks).isGreaterThan(0.7).isGreaterThan(libraryDrinks);
    }

    @Test
    void should_be_paid_mostly_by_qris_then_cash_then_ewallet_then_card() {
        Map<String, Integer> methods = new HashMap<>();
        sales.forEach(e -> methods.merge(e.paymentMethod(), 1, Integer::sum));
        double qris = methods.get("qris") / (double) sales.size();
        assertThat(qris).isBetween(0.47, 0.57);
        assertThat(methods.get("qris")).isGreaterThan(methods.get("cash"));
        assertThat(methods.get("cash")).isGreaterThan(methods.get("ewallet"));
        assertThat(methods.get("ewallet")).isGreaterThan(methods.get("card"));
        assertThat(methods.get("card")).isPositive();
    }

    private static int[] hourly(boolean weekday, String profile) {
        int[] counts = new int[24];
        for (WireEvent e : sales) {
            ZonedDateTime t = e.occurredAtTime().atZoneSameInstant(Campus.ZONE);
            if (DemandModel.isWeekend(t) != weekday && profileByMachine.get(e.machineId()).equals(profile)) {
                counts[t.getHour()] += 1;
            }
        }
        return counts;
    }

    private static double share(String category, java.util.function.Predicate<WireEvent> where) {
        List<WireEvent> selected = new ArrayList<>(sales.stream().filter(where).toList());
        return selected.stream().filter(e -> e.category().equals(category)).count() / (double) selected.size();
    }

    private static int hour(WireEvent e) {
        return e.occurredAtTime().atZoneSameInstant(Campus.ZONE).getHour();
    }

    private static int argmax(int[] values) {
        return IntStream.range(0, values.length).reduce((a, b) -> values[b] > values[a] ? b : a).orElseThrow();
    }

    private static List<Integer> topHours(List<Double> curve, int n) {
        return IntStream.range(0, 24).boxed().sorted(Comparator.comparingDouble((Integer h) -> curve.get(h)).reversed())
                .limit(n).toList();
    }
}

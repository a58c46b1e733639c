package io.vendstream.simulator;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import io.vendstream.simulator.Fleet.Machine;
import io.vendstream.simulator.Fleet.Product;

/**
 * The fleet in motion: stock per machine and product, sales drawn from the {@link DemandModel},
 * restock visits on the crew's schedule, and a call-out visit when a machine reports too many empty
 * slots: some time later in the campus mode ({@link #delayCallOuts}), at once in the load modes.
 *
 * <p>Stock is never negative: a sale takes at most what is left in the slot, and an empty slot
 * is never chosen (the student walks to another product, or the sale does not happen). Time is
 * always passed in, never read from a clock, so the same model drives the live route, history
 * backfill and tests that simulate a whole week in a second. Not thread-safe: one caller at a time.
 */
public final class FleetSimulator {

    private final Fleet fleet;
    private final DemandModel demand;
    private final Random random;
    private final ZoneId zone;
    private final List<Machine> machines;
    private final List<Product> products;
    private final Map<String, Machine> machinesById = new LinkedHashMap<>();
    private final Map<String, int[]> stock = new LinkedHashMap<>();
    private final String[] paymentMethods;
    private final double[] paymentWeights;
    private final int[] quantities;
    private final double[] quantityWeights;
    private final Map<String, AuditBooks> books = new LinkedHashMap<>();
    private final List<AuditRead> audits = new ArrayList<>();
    // call-outs the crew has accepted: machine id -> when it will be there
    private final Map<String, ZonedDateTime> callOuts = new LinkedHashMap<>();
    private boolean keepAudits;
    private boolean delayedCallOuts;
    private double lossFraction;
    private Consumer<WireEvent> onLost = e -> { };

    /** A DEX audit read the crew took at a visit: the machine's books as the file states them. */
    public record AuditRead(String machineId, ZonedDateTime at, String dex) {

        private static final java.time.format.DateTimeFormatter STAMP =
                java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

        /** {@code <machineId>__<read time, UTC>.dex}: a name that says whose read it is (route import-dex-files). */
        public String fileName() {
            return machineId + "__" + STAMP.format(at.withZoneSameInstant(java.time.ZoneOffset.UTC)) + ".dex";
        }
    }

    public FleetSimulator(Fleet fleet, Random random, ZoneId zone) {
        this.fleet = fleet;
        this.demand = new DemandModel(fleet);
        this.random = random;
        this.zone = zone;
        this.machines = fleet.machines();
        this.products = fleet.products();
        this.paymentMethods = fleet.paymentMethods().keySet().toArray(String[]::new);
        this.paymentWeights = fleet.paymentMethods().values().stream().mapToDouble(Double::doubleValue).toArray();
        this.quantities = fleet.quantities().keySet().stream().mapToInt(Integer::intValue).toArray();
        this.quantityWeights = fleet.quantities().values().stream().mapToDouble(Double::doubleValue).toArray();
        for (Machine m : machines) {
            machinesById.put(m.id(), m);
            int[] levels = new int[products.size()];
            for (int i = 0; i < levels.length; i++) {
                double fill = fleet.initialFill().min() + random.nextDouble() * (fleet.initialFill().max() - fleet.initialFill().min());
                levels[i] = (int) Math.round(fill * fleet.capacity(products.get(i)));
            }
            stock.put(m.id(), levels);
            books.put(m.id(), new AuditBooks(m.id(), products));
        }
    }

    /**
     * Whether a call-out takes the crew {@code restock.callOutMinutes} (the campus mode: a slot stays
     * empty and loses sales until the crew is there) or is answered the instant the machine reports
     * its empty slots (the load modes, whose thousand sales per machine and hour would otherwise
     * empty the fleet within minutes).
     */
    public void delayCallOuts(boolean delayed) {
        this.delayedCallOuts = delayed;
    }

    /** Whether each restock visit also takes a DEX audit read of the machine, for {@link #takeAudits()}. */
    public void keepAudits(boolean keep) {
        this.keepAudits = keep;
    }

    /**
     * The audit reads taken since the last call, oldest first. Safe to call from another thread than
     * the one driving the fleet (route simulate-dex-audits takes them while a burst is generated).
     */
    public List<AuditRead> takeAudits() {
        synchronized (audits) {
            List<AuditRead> taken = List.copyOf(audits);
            audits.clear();
            return taken;
        }
    }

    /**
     * Loses this fraction of sale events on the way (a flaky telemetry link): the machine sells and
     * counts the sale in its books, but the event is handed to {@code onLost} instead of being
     * published, so audit reconciliation has something real to find.
     */
    public void loseEvents(double fraction, Consumer<WireEvent> onLost) {
        if (fraction < 0 || fraction >= 1) {
            throw new IllegalArgumentException("vendstream.simulator.event-loss-fraction must be from 0 up to 1, not " + fraction);
        }
        this.lossFraction = fraction;
        this.onLost = onLost;
    }

    public Fleet fleet() {
        return fleet;
    }

    public DemandModel demand() {
        return demand;
    }

    public ZoneId zone() {
        return zone;
    }

    public List<Machine> machines() {
        return machines;
    }

    public int stock(String machineId, String product) {
        return stock.get(machineId)[indexOf(product)];
    }

    public int capacity(String product) {
        return fleet.capacity(products.get(indexOf(product)));
    }

    /**
     * One purchase somewhere on campus at {@code time}: the machine is drawn by current demand,
     * the product by the location's taste at that hour among the slots that are not empty.
     * Returns the sale, followed by restock events if the sale triggered an operator visit;
     * empty only if the whole fleet is sold out.
     */
    public List<WireEvent> nextSale(ZonedDateTime time) {
        double[] weights = new double[machines.size()];
        for (int i = 0; i < weights.length; i++) {
            Machine m = machines.get(i);
            // a sold-out machine sells nothing, however busy its corridor
            weights[i] = hasStock(m) ? Math.max(demand.salesPerHour(m, time), 1e-6) : 0;
        }
        int chosen = pick(weights);
        return chosen < 0 ? List.of() : sellAt(machines.get(chosen), time);
    }

    /** Restock visits of the schedule that fall in (after, until], each stamped with its visit time. */
    public List<WireEvent> scheduledRestocks(ZonedDateTime after, ZonedDateTime until) {
        List<Visit> visits = visitsBetween(after, until);
        List<WireEvent> events = new ArrayList<>();
        for (Visit visit : visits) {
            events.addAll(restock(visit.machine(), visit.time()));
        }
        return events;
    }

    /**
     * What the fleet did between {@code from} and {@code to}: in each minute every machine sells
     * a Poisson-distributed number of times with its demand at that minute, and the scheduled
     * restock visits happen; all in time order, as the machines would have reported them.
     */
    public List<WireEvent> history(ZonedDateTime from, ZonedDateTime to) {
        List<WireEvent> events = new ArrayList<>();
        ZonedDateTime minute = from;
        while (minute.isBefore(to)) {
            ZonedDateTime end = minute.plusMinutes(1).isAfter(to) ? to : minute.plusMinutes(1);
            long spanMillis = ChronoUnit.MILLIS.between(minute, end);
            List<Visit> actions = new ArrayList<>();
            for (Machine m : machines) {
                double expected = demand.salesPerHour(m, minute) * spanMillis / 3_600_000.0;
                int sales = poisson(expected);
                for (int k = 0; k < sales; k++) {
                    actions.add(new Visit(m, minute.plus((long) (random.nextDouble() * spanMillis), ChronoUnit.MILLIS), false));
                }
            }
            // visits in [minute, end): a visit exactly at 'from' belongs to this history
            actions.addAll(visitsBetween(minute.minusNanos(1), end.minusNanos(1)));
            actions.sort(Comparator.comparing(Visit::time));
            for (Visit action : actions) {
                events.addAll(action.restock() ? restock(action.machine(), action.time()) : sellAt(action.machine(), action.time()));
            }
            minute = end;
        }
        return events;
    }

    private List<WireEvent> sellAt(Machine machine, ZonedDateTime time) {
        int[] levels = stock.get(machine.id());
        int hour = time.getHour();
        double[] weights = new double[products.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = levels[i] > 0 ? demand.productWeight(machine.location(), products.get(i), hour) : 0;
        }
        int chosen = pick(weights);
        if (chosen < 0) {
            return List.of();
        }
        Product product = products.get(chosen);
        int quantity = Math.min(levels[chosen], quantities[pick(quantityWeights)]);
        levels[chosen] -= quantity;
        WireEvent sale = new WireEvent(WireEvent.newEventId(random), WireEvent.SALE, machine.id(),
                machine.location().name(), product.name(), product.category(), product.price(), "IDR", quantity,
                paymentMethods[pick(paymentWeights)], levels[chosen], WireEvent.timestamp(time));
        books.get(machine.id()).sold(chosen, quantity, product.price(), sale.paymentMethod());
        List<WireEvent> events = new ArrayList<>();
        if (lossFraction > 0 && random.nextDouble() < lossFraction) {
            onLost.accept(sale);
        } else {
            events.add(sale);
        }
        if (emptySlots(levels) >= fleet.restock().emptySlotsTrigger()) {
            int callOut = delayedCallOuts ? fleet.restock().callOutMinutes() : 0;
            if (callOut == 0) {
                events.addAll(restock(machine, time));
            } else {
                callOuts.putIfAbsent(machine.id(), time.plusMinutes(callOut));
            }
        }
        return events;
    }

    /** Fills every slot of the machine to capacity; one restock event per product that needed it. */
    public List<WireEvent> restock(Machine machine, ZonedDateTime time) {
        if (keepAudits) {
            // the file states whole seconds: stamped at the end of the visit's second, so the sale
            // that triggered the visit falls inside the interval the read closes
            LocalDateTime at = time.withZoneSameInstant(zone).toLocalDateTime();
            LocalDateTime whole = at.getNano() == 0 ? at : at.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            AuditRead read = new AuditRead(machine.id(), whole.atZone(zone), books.get(machine.id()).read(whole));
            synchronized (audits) {
                audits.add(read);
            }
        }
        callOuts.remove(machine.id());
        int[] levels = stock.get(machine.id());
        List<WireEvent> events = new ArrayList<>();
        for (int i = 0; i < levels.length; i++) {
            Product product = products.get(i);
            int capacity = fleet.capacity(product);
            if (levels[i] < capacity) {
                int added = capacity - levels[i];
                levels[i] = capacity;
                events.add(new WireEvent(WireEvent.newEventId(random), WireEvent.RESTOCK, machine.id(),
                        machine.location().name(), product.name(), product.category(), null, null, added, null,
                        capacity, WireEvent.timestamp(time)));
            }
        }
        return events;
    }

    public Machine machine(String id) {
        return machinesById.get(id);
    }

    /** A machine drawn uniformly: where an invalid event "comes from". */
    public Machine anyMachine() {
        return machines.get(random.nextInt(machines.size()));
    }

    private List<Visit> visitsBetween(ZonedDateTime after, ZonedDateTime until) {
        List<Visit> visits = new ArrayList<>();
        if (!until.isAfter(after)) {
            return visits;
        }
        int between = fleet.restock().minutesBetweenMachines();
        long routeMinutes = (long) between * machines.size();
        // a visit round that started the day before may still be under way
        LocalDate day = after.withZoneSameInstant(zone).toLocalDate().minusDays(1 + routeMinutes / 1440);
        LocalDate last = until.withZoneSameInstant(zone).toLocalDate();
        for (; !day.isAfter(last); day = day.plusDays(1)) {
            boolean weekend = DemandModel.isWeekend(day.atStartOfDay(zone));
            for (LocalTime start : fleet.restock().times(weekend)) {
                ZonedDateTime round = day.atTime(start).atZone(zone);
                for (int i = 0; i < machines.size(); i++) {
                    ZonedDateTime at = round.plusMinutes((long) i * between);
                    if (at.isAfter(after) && !at.isAfter(until)) {
                        visits.add(new Visit(machines.get(i), at, true));
                    }
                }
            }
        }
        // a call-out falls due in this span (or was missed by a skipped span: then it is now)
        callOuts.forEach((id, at) -> {
            if (!at.isAfter(until)) {
                visits.add(new Visit(machinesById.get(id), at.isAfter(after) ? at : until, true));
            }
        });
        visits.sort(Comparator.comparing(Visit::time));
        return visits;
    }

    private boolean hasStock(Machine machine) {
        for (int level : stock.get(machine.id())) {
            if (level > 0) {
                return true;
            }
        }
        return false;
    }

    private static int emptySlots(int[] levels) {
        int empty = 0;
        for (int level : levels) {
            if (level == 0) {
                empty++;
            }
        }
        return empty;
    }

    private int indexOf(String product) {
        for (int i = 0; i < products.size(); i++) {
            if (products.get(i).name().equals(product)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no product " + product);
    }

    /** Index drawn with probability proportional to its weight; -1 if all weights are zero. */
    private int pick(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        if (total <= 0) {
            return -1;
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0 && weights[i] > 0) {
                return i;
            }
        }
        for (int i = weights.length - 1; i >= 0; i--) {
            if (weights[i] > 0) {
                return i;
            }
        }
        return -1;
    }

    /** Knuth's method; fine for the small per-minute means of a vending machine. */
    private int poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        double limit = Math.exp(-mean);
        double product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            product *= random.nextDouble();
            count++;
        }
        return count;
    }

    private record Visit(Machine machine, ZonedDateTime time, boolean restock) {
    }
}

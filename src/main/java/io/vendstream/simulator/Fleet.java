package io.vendstream.simulator;

import java.math.BigDecimal;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The campus fleet as the fleet file describes it: locations and their machines, the product
 * catalogue, demand profiles, payment habits and the restock plan. Immutable; the changing
 * part (stock) lives in {@link FleetSimulator}.
 */
public record Fleet(
        String campus,
        double peakSalesPerMachineHour,
        int slotCapacity,
        Fill initialFill,
        Map<String, Double> paymentMethods,
        Map<Integer, Double> quantities,
        Restock restock,
        Map<String, Profile> profiles,
        List<HourlyMix> hourlyMix,
        List<Product> products,
        List<Location> locations) {

    public static final Set<String> CATEGORIES = Set.of("drink", "snack", "food", "other");
    public static final Set<String> PAYMENT_METHODS = Set.of("cash", "qris", "card", "ewallet");

    public record Fill(double min, double max) {
    }

    /**
     * The crew: its rounds (weekdays, weekends, minutesBetweenMachines) and its call-outs: a machine
     * with emptySlotsTrigger empty slots gets a visit callOutMinutes later (0: at once).
     */
    public record Restock(List<String> weekdays, List<String> weekends, int minutesBetweenMachines, int emptySlotsTrigger,
                          Integer callOutMinutes) {

        public Restock {
            callOutMinutes = callOutMinutes == null ? 0 : callOutMinutes;
        }

        public Restock(List<String> weekdays, List<String> weekends, int minutesBetweenMachines, int emptySlotsTrigger) {
            this(weekdays, weekends, minutesBetweenMachines, emptySlotsTrigger, 0);
        }

        public List<LocalTime> times(boolean weekend) {
            return (weekend ? weekends : weekdays).stream().map(LocalTime::parse).toList();
        }
    }

    /** Relative demand per hour of day (24 values, peak = 1.0) on weekdays and at weekends. */
    public record Profile(List<Double> weekday, List<Double> weekend) {

        public double at(int hour, boolean isWeekend) {
            return (isWeekend ? weekend : weekday).get(hour);
        }
    }

    public record HourlyMix(String category, List<Integer> hours, double factor) {
    }

    public record Product(String name, String category, BigDecimal price, double popularity, Integer capacity) {
    }

    public record Location(String code, String name, int machines, double traffic, String profile, Map<String, Double> mix) {

        public double preference(String category) {
            return mix == null ? 1.0 : mix.getOrDefault(category, 1.0);
        }
    }

    /** One vending machine: {@code ENG-01} is the first machine of location {@code ENG}. */
    public record Machine(String id, Location location, int number) {
    }

    /** All machines, location by location, in file order (the order the restock van drives). */
    public List<Machine> machines() {
        List<Machine> machines = new ArrayList<>();
        for (Location location : locations) {
            for (int i = 1; i <= location.machines(); i++) {
                machines.add(new Machine(String.format("%s-%02d", location.code(), i), location, i));
            }
        }
        return machines;
    }

    public int capacity(Product product) {
        return product.capacity() != null ? product.capacity() : slotCapacity;
    }

    public Profile profile(Location location) {
        return profiles.get(location.profile());
    }

    /**
     * Checks what the event contract and the model need, so that a typo in the fleet file is
     * reported at start-up with the field that is wrong instead of as odd events later.
     */
    public Fleet validated(String source) {
        List<String> problems = new ArrayList<>();
        require(problems, peakSalesPerMachineHour > 0, "peakSalesPerMachineHour must be > 0");
        require(problems, slotCapacity >= 1 && slotCapacity <= 1000, "slotCapacity must be 1..1000");
        require(problems, initialFill != null && initialFill.min() >= 0 && initialFill.max() <= 1
                && initialFill.min() <= initialFill.max(), "initialFill needs 0 <= min <= max <= 1");
        require(problems, paymentMethods != null && !paymentMethods.isEmpty()
                && PAYMENT_METHODS.containsAll(paymentMethods.keySet()), "paymentMethods must use " + PAYMENT_METHODS);
        require(problems, quantities != null && !quantities.isEmpty()
                && quantities.keySet().stream().allMatch(q -> q >= 1 && q <= 50), "quantities must be 1..50");
        if (restock == null) {
            problems.add("restock is missing");
        } else {
            try {
                restock.times(false);
                restock.times(true);
            } catch (DateTimeParseException | NullPointerException e) {
                problems.add("restock times must be HH:mm lists (weekdays, weekends)");
            }
            require(problems, restock.emptySlotsTrigger() >= 1, "restock.emptySlotsTrigger must be >= 1");
            require(problems, restock.minutesBetweenMachines() >= 0, "restock.minutesBetweenMachines must be >= 0");
            require(problems, restock.callOutMinutes() >= 0, "restock.callOutMinutes must be >= 0");
        }
        if (profiles == null || profiles.isEmpty()) {
            problems.add("profiles are missing");
        } else {
            profiles.forEach((name, p) -> require(problems, p.weekday() != null && p.weekday().size() == 24
                    && p.weekend() != null && p.weekend().size() == 24, "profile " + name + " needs 24 weekday and 24 weekend values"));
        }
        for (HourlyMix mix : hourlyMix == null ? List.<HourlyMix>of() : hourlyMix) {
            require(problems, CATEGORIES.contains(mix.category()), "hourlyMix category " + mix.category() + " is not one of " + CATEGORIES);
        }
        require(problems, products != null && !products.isEmpty(), "products are missing");
        Set<String> names = new HashSet<>();
        for (Product p : products == null ? List.<Product>of() : products) {
            String at = "product '" + p.name() + "': ";
            require(problems, p.name() != null && !p.name().isBlank() && p.name().length() <= 100, at + "name must be 1..100 characters");
            require(problems, names.add(p.name()), at + "appears twice");
            require(problems, CATEGORIES.contains(p.category()), at + "category must be one of " + CATEGORIES);
            require(problems, p.price() != null && p.price().signum() >= 0 && p.price().scale() <= 2
                    && p.price().compareTo(BigDecimal.valueOf(100_000_000)) <= 0, at + "price must be 0..100000000 with at most 2 decimals");
            require(problems, p.popularity() > 0, at + "popularity must be > 0");
            require(problems, p.capacity() == null || (p.capacity() >= 1 && p.capacity() <= 1000), at + "capacity must be 1..1000");
        }
        require(problems, locations != null && !locations.isEmpty(), "locations are missing");
        Set<String> codes = new HashSet<>();
        for (Location l : locations == null ? List.<Location>of() : locations) {
            String at = "location '" + l.code() + "': ";
            require(problems, l.code() != null && l.code().matches("[A-Za-z0-9._-]{1,60}"), at + "code must be 1..60 of A-Za-z0-9._-");
            require(problems, codes.add(l.code()), at + "appears twice");
            require(problems, l.name() != null && !l.name().isBlank() && l.name().length() <= 100, at + "name must be 1..100 characters");
            require(problems, l.machines() >= 1 && l.machines() <= 99, at + "machines must be 1..99");
            require(problems, l.traffic() > 0, at + "traffic must be > 0");
            require(problems, profiles != null && profiles.containsKey(l.profile()), at + "profile '" + l.profile() + "' is not defined");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Fleet file " + source + " is not valid: " + String.join("; ", problems));
        }
        return this;
    }

    private static void require(List<String> problems, boolean ok, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }
}

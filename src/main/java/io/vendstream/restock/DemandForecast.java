package io.vendstream.restock;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.queries.QueryContext;
import io.vendstream.queries.Sql;

/**
 * Expected sales per machine and product for the coming hours, from the rollups:
 * <ul>
 * <li>the machine's <b>weekday × hour profile</b>: its units in each of the 168 hours of the week,
 * averaged over the last {@code history-days} complete campus days ({@code sales_hourly});</li>
 * <li>each product's <b>share</b> of the machine's units over the same days ({@code sales_daily_product}).</li>
 * </ul>
 * Expected units of a product in a campus hour = profile(machine, weekday, hour) × share(product).
 * The profile keeps what students do on a Monday at 10 apart from a Saturday at 10; the share is
 * per machine because tastes differ by building. The model changes only with the history it is
 * built from (complete days), so it is kept until the campus date changes or
 * {@code model-refresh-seconds} pass, whatever the number of requests.
 */
public final class DemandForecast {

    static final int HOURS_PER_WEEK = 168;

    private final Sql sql;
    private final ZoneId zone;
    private final int historyDays;
    private final Duration refresh;
    static final int EMPTY_MODEL_REFRESH_SECONDS = 10;
    private final Clock clock;
    private Model cached;
    private Instant cachedAt;

    public DemandForecast(QueryContext context, RestockSettings settings) {
        this(context.dataSource(), context.zone(), settings.historyDays(), settings.modelRefresh(), context.clock());
    }

    DemandForecast(DataSource dataSource, ZoneId zone, int historyDays, Duration refresh, Clock clock) {
        this.sql = new Sql(dataSource);
        this.zone = zone;
        this.historyDays = historyDays;
        this.refresh = refresh;
        this.clock = clock;
    }

    ZoneId zone() {
        return zone;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The model for today's campus date, rebuilt at most every {@code refresh}; a model that has
     * learnt nothing yet (a first start, while its history is still arriving) at most every
     * {@value #EMPTY_MODEL_REFRESH_SECONDS} s, so the visit plan means something minutes sooner.
     */
    public synchronized Model model() {
        Instant now = clock.instant();
        Duration wait = cached != null && !cached.learnt() && refresh.getSeconds() > EMPTY_MODEL_REFRESH_SECONDS
                ? Duration.ofSeconds(EMPTY_MODEL_REFRESH_SECONDS) : refresh;
        if (cached == null || !cached.today().equals(LocalDate.ofInstant(now, zone))
                || !now.isBefore(cachedAt.plus(wait))) {
            cached = build(LocalDate.ofInstant(now, zone));
            cachedAt = now;
        }
        return cached;
    }

    /** Built from the {@code historyDays} complete campus days before {@code today}. */
    Model build(LocalDate today) {
        LocalDate first = today.minusDays(historyDays);
        Map<String, MachineDemand> machines = new HashMap<>();
        sql.list("select machine_id, location, first_seen from machines", List.of(), rs -> {
            LocalDate seen = Json.instant(rs, "first_seen").atZone(zone).toLocalDate();
            LocalDate from = seen.isAfter(first) ? seen : first;
            machines.put(rs.getString("machine_id"), new MachineDemand(rs.getString("location"), from, today));
            return null;
        });
        sql.list("select machine_id, hour, units from sales_hourly where hour >= ? and hour < ?",
                List.of(first.atStartOfDay(zone).toInstant(), today.atStartOfDay(zone).toInstant()), rs -> {
                    MachineDemand m = machines.get(rs.getString("machine_id"));
                    ZonedDateTime hour = Json.instant(rs, "hour").atZone(zone);
                    if (m != null && !hour.toLocalDate().isBefore(m.from)) {
                        m.unitsByHourOfWeek[hourOfWeek(hour)] += rs.getLong("units");
                    }
                    return null;
                });
        sql.list("select machine_id, product, sum(units) as units, sum(revenue) as revenue from sales_daily_product "
                + "where day >= ? and day < ? group by machine_id, product", List.of(first, today), rs -> {
                    MachineDemand m = machines.get(rs.getString("machine_id"));
                    if (m != null) {
                        long units = rs.getLong("units");
                        m.products.put(rs.getString("product"), new long[] {units});
                        m.prices.put(rs.getString("product"), units == 0 ? BigDecimal.ZERO
                                : rs.getBigDecimal("revenue").divide(BigDecimal.valueOf(units), 2, RoundingMode.HALF_UP));
                        m.productUnits += units;
                    }
                    return null;
                });
        machines.values().forEach(MachineDemand::finish);
        Model model = new Model(today, zone, machines);
        // time out of stock, in expected machine sales: the slot could not sell then (see MachineDemand.share)
        Instant from = first.atStartOfDay(zone).toInstant();
        Instant to = today.atStartOfDay(zone).toInstant();
        sql.list("select machine_id, product, started_at, ended_at from stockout_episodes where started_at >= ? and started_at < ?",
                List.of(from.minus(Duration.ofDays(7)), to), rs -> {
                    MachineDemand m = machines.get(rs.getString("machine_id"));
                    long[] units = m == null ? null : m.products.get(rs.getString("product"));
                    if (units != null) {
                        Instant start = Json.instant(rs, "started_at");
                        Instant end = Json.instant(rs, "ended_at");
                        start = start.isBefore(from) ? from : start;
                        end = end == null || end.isAfter(to) ? to : end;
                        if (end.isAfter(start)) {
                            m.outExposure.merge(rs.getString("product"), model.expectedAtMachine(m, start, end), Double::sum);
                        }
                    }
                    return null;
                });
        machines.values().forEach(MachineDemand::unconstrain);
        return model;
    }

    static int hourOfWeek(ZonedDateTime time) {
        return (time.getDayOfWeek().getValue() - 1) * 24 + time.getHour();
    }

    /** One machine's history, reduced to its hour-of-week profile and product shares. */
    static final class MachineDemand {
        final String location;
        final LocalDate from;
        final LocalDate to;
        final double[] unitsByHourOfWeek = new double[HOURS_PER_WEEK];
        final Map<String, long[]> products = new HashMap<>();
        final Map<String, BigDecimal> prices = new HashMap<>();
        long productUnits;
        /** Per product, the machine's expected sales while the slot was out (its lost exposure). */
        final Map<String, Double> outExposure = new HashMap<>();
        /** Per product, its share of the machine's demand had it always been in stock. */
        final Map<String, Double> shares = new HashMap<>();
        /** Expected units per hour of the week (all products). */
        final double[] profile = new double[HOURS_PER_WEEK];

        MachineDemand(String location, LocalDate from, LocalDate to) {
            this.location = location;
            this.from = from;
            this.to = to;
        }

        void finish() {
            int[] occurrences = new int[7];
            for (LocalDate d = from; d.isBefore(to); d = d.plusDays(1)) {
                occurrences[d.getDayOfWeek().getValue() - 1]++;
            }
            for (int h = 0; h < HOURS_PER_WEEK; h++) {
                int n = occurrences[h / 24];
                profile[h] = n == 0 ? 0 : unitsByHourOfWeek[h] / n;
            }
        }

        long days() {
            return Math.max(0, ChronoUnit.DAYS.between(from, to));
        }

        /**
         * A slot sells nothing while it is out, so the popular products that run out every day
         * look less popular than they are. Each product's units are divided by the part of the
         * machine's demand during which it was in stock (at least 10 %), then shares renormalised:
         * demand unconstrained by the stock-outs the history recorded.
         */
        void unconstrain() {
            double total = 0;
            double machineUnits = 0;
            for (double u : unitsByHourOfWeek) {
                machineUnits += u;
            }
            Map<String, Double> weights = new HashMap<>();
            for (Map.Entry<String, long[]> e : products.entrySet()) {
                double exposure = machineUnits <= 0 ? 1 : 1 - outExposure.getOrDefault(e.getKey(), 0.0) / machineUnits;
                double weight = e.getValue()[0] / Math.max(0.1, exposure);
                weights.put(e.getKey(), weight);
                total += weight;
            }
            for (Map.Entry<String, Double> e : weights.entrySet()) {
                shares.put(e.getKey(), total == 0 ? 0 : e.getValue() / total);
            }
        }

        double share(String product) {
            return shares.getOrDefault(product, 0.0);
        }
    }

    /** The demand of the whole fleet as known on one campus date. */
    public static final class Model {
        private final LocalDate today;
        private final ZoneId zone;
        private final Map<String, MachineDemand> machines;

        Model(LocalDate today, ZoneId zone, Map<String, MachineDemand> machines) {
            this.today = today;
            this.zone = zone;
            this.machines = machines;
        }

        /** Whether any machine has sold anything in the history this model learnt from. */
        boolean learnt() {
            return machines.values().stream().anyMatch(m -> m.productUnits > 0);
        }

        LocalDate today() {
            return today;
        }

        /** Units per day sold over the history (sales velocity). */
        public double unitsPerDay(String machineId, String product) {
            MachineDemand m = machines.get(machineId);
            if (m == null || m.days() == 0) {
                return 0;
            }
            long[] units = m.products.get(product);
            return units == null ? 0 : (double) units[0] / m.days();
        }

        /** The average price paid over the history, or null when the product did not sell there. */
        BigDecimal price(String machineId, String product) {
            MachineDemand m = machines.get(machineId);
            return m == null ? null : m.prices.get(product);
        }

        /** Expected units of the product per hour in the campus hour that starts at {@code hour}. */
        double rate(String machineId, String product, ZonedDateTime hour) {
            MachineDemand m = machines.get(machineId);
            return m == null ? 0 : m.profile[hourOfWeek(hour)] * m.share(product);
        }

        /** Expected units of all products at the location in the campus hour that starts at {@code hour}. */
        double locationRate(String location, ZonedDateTime hour) {
            double sum = 0;
            int how = hourOfWeek(hour);
            for (MachineDemand m : machines.values()) {
                if (m.location.equals(location)) {
                    sum += m.profile[how];
                }
            }
            return sum;
        }

        /** Expected units of all products of one machine between {@code from} and {@code to}. */
        double expectedAtMachine(MachineDemand m, Instant from, Instant to) {
            double sum = 0;
            for (Piece piece : pieces(from, to)) {
                sum += m.profile[hourOfWeek(piece.hour)] * piece.fraction;
            }
            return sum;
        }

        /** Expected units of all products at the location between {@code from} and {@code to}. */
        double expectedAtLocation(String location, Instant from, Instant to) {
            double sum = 0;
            for (Piece piece : pieces(from, to)) {
                sum += locationRate(location, piece.hour) * piece.fraction;
            }
            return sum;
        }

        /** Expected units of the product between {@code from} and {@code to}. */
        double expected(String machineId, String product, Instant from, Instant to) {
            double sum = 0;
            for (Piece piece : pieces(from, to)) {
                sum += rate(machineId, product, piece.hour) * piece.fraction;
            }
            return sum;
        }

        /**
         * When the slot is projected to run out, or null if not before {@code until}; already out
         * ({@code onHand <= 0}): {@code from}. Demand is a count, so it scatters around its
         * expectation E by about its square root (Poisson); with a {@code safety} factor z the slot
         * counts as out once E + z·√E reaches what is on hand, i.e. once E reaches
         * ((√(z² + 4·onHand) − z) / 2)². z = 0 is the plain expectation.
         */
        public Instant stockOut(String machineId, String product, double onHand, Instant from, Instant until, double safety) {
            if (onHand <= 0) {
                return from;
            }
            double root = (Math.sqrt(safety * safety + 4 * onHand) - safety) / 2;
            double threshold = root * root;
            double cumulative = 0;
            for (Piece piece : pieces(from, until)) {
                double rate = rate(machineId, product, piece.hour);
                double inPiece = rate * piece.fraction;
                if (inPiece > 0 && cumulative + inPiece >= threshold) {
                    double hours = (threshold - cumulative) / rate;
                    return piece.start.plusMillis(Math.round(hours * 3_600_000));
                }
                cumulative += inPiece;
            }
            return null;
        }

        /** The campus hours between two instants, each with the fraction of it that lies inside. */
        List<Piece> pieces(Instant from, Instant to) {
            List<Piece> pieces = new ArrayList<>();
            ZonedDateTime hour = from.atZone(zone).truncatedTo(ChronoUnit.HOURS);
            while (hour.toInstant().isBefore(to)) {
                ZonedDateTime next = hour.plusHours(1);
                Instant start = hour.toInstant().isBefore(from) ? from : hour.toInstant();
                Instant end = next.toInstant().isAfter(to) ? to : next.toInstant();
                double fraction = Duration.between(start, end).toMillis() / (double) Duration.between(hour, next).toMillis();
                pieces.add(new Piece(hour, start, fraction));
                hour = next;
            }
            return pieces;
        }
    }

    record Piece(ZonedDateTime hour, Instant start, double fraction) {
    }
}

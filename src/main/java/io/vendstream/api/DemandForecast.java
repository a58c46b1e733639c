package io.vendstream.api;

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
    private final Clock clock;
    private Model cached;
    private Instant cachedAt;

    public DemandForecast(DataSource dataSource, String timezone, int historyDays, int refreshSeconds) {
        this(dataSource, ZoneId.of(timezone), historyDays, Duration.ofSeconds(refreshSeconds), Clock.systemUTC());
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

    Clock clock() {
        return clock;
    }

    /** The model for today's campus date, rebuilt at most every {@code refresh}. */
    synchronized Model model() {
        Instant now = clock.instant();
        if (cached == null || !cached.today().equals(LocalDate.ofInstant(now, zone))
                || !now.isBefore(cachedAt.plus(refresh))) {
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
        return new Model(today, zone, machines);
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

        double share(String product) {
            long[] units = products.get(product);
            return units == null || productUnits == 0 ? 0 : (double) units[0] / productUnits;
        }
    }

    /** The demand of the whole fleet as known on one campus date. */
    static final class Model {
        private final LocalDate today;
        private final ZoneId zone;
        private final Map<String, MachineDemand> machines;

        Model(LocalDate today, ZoneId zone, Map<String, MachineDemand> machines) {
            this.today = today;
            this.zone = zone;
            this.machines = machines;
        }

        LocalDate today() {
            return today;
        }

        /** Units per day sold over the history (sales velocity). */
        double unitsPerDay(String machineId, String product) {
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
         * When expected demand from {@code from} on reaches {@code onHand} (the last unit sold), or
         * null if it does not before {@code until}. Already out ({@code onHand <= 0}): {@code from}.
         */
        Instant stockOut(String machineId, String product, double onHand, Instant from, Instant until) {
            if (onHand <= 0) {
                return from;
            }
            double cumulative = 0;
            for (Piece piece : pieces(from, until)) {
                double rate = rate(machineId, product, piece.hour);
                double inPiece = rate * piece.fraction;
                if (inPiece > 0 && cumulative + inPiece >= onHand) {
                    double hours = (onHand - cumulative) / rate;
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

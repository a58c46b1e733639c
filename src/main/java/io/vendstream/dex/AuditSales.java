package io.vendstream.dex;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The sales of an audit-only machine (one the stream has never reported) in the rollups that the
 * revenue, product, payment and heatmap figures read: each interval's vends, per product and per
 * way of paying (cash, cashless), spread evenly over the campus hours the interval covers. Each
 * hour gets whole vends (largest remainders) and the value in proportion, so the hours add up to
 * the interval exactly. What an interval added is recorded (dex_audit_sales) and taken back before
 * the interval is made again.
 */
final class AuditSales {

    /** The ways of paying an audit tells apart, as the payment rollup names them. */
    static final String CASH = "cash";
    static final String CASHLESS = "cashless";

    private AuditSales() {
    }

    /** Takes back what the interval closed by {@code readId} added to the rollups. */
    static void revert(Connection c, long readId) throws SQLException {
        String machineId;
        try (PreparedStatement ps = c.prepareStatement("select machine_id from dex_intervals where read_id = ?")) {
            ps.setLong(1, readId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                machineId = rs.getString(1);
            }
        }
        exec(c, "update sales_hourly h set sales_count = h.sales_count - x.units, units = h.units - x.units, revenue = h.revenue - x.revenue "
                + "from (select hour, sum(units) as units, sum(revenue) as revenue from dex_audit_sales where read_id = ? and payment_method = '' "
                + "group by hour) x where h.hour = x.hour and h.machine_id = ?", readId, machineId);
        exec(c, "update sales_daily_product d set sales_count = d.sales_count - x.units, units = d.units - x.units, revenue = d.revenue - x.revenue "
                + "from (select day, product, sum(units) as units, sum(revenue) as revenue from dex_audit_sales where read_id = ? "
                + "and payment_method = '' group by day, product) x where d.day = x.day and d.product = x.product and d.machine_id = ?",
                readId, machineId);
        exec(c, "update sales_daily_payment d set sales_count = d.sales_count - x.units, revenue = d.revenue - x.revenue "
                + "from (select day, payment_method, sum(units) as units, sum(revenue) as revenue from dex_audit_sales where read_id = ? "
                + "and product = '' group by day, payment_method) x where d.day = x.day and d.payment_method = x.payment_method "
                + "and d.machine_id = ?", readId, machineId);
        exec(c, "delete from dex_audit_sales where read_id = ?", readId);
    }

    /**
     * Adds the interval's vends to the rollups when the stream has never reported the machine;
     * {@code cash} and {@code cashless} hold the vends and value of each way of paying.
     */
    static void applyIfAuditOnly(Connection c, long readId, String machineId, ZoneId zone, Instant from, Instant to,
                                 Map<String, long[]> productVends, Map<String, BigDecimal> productValues,
                                 long[] paymentVends, BigDecimal[] paymentValues) throws SQLException {
        Optional<String> location = auditOnlyLocation(c, machineId, to);
        if (location.isEmpty() || !to.isAfter(from)) {
            return;
        }
        List<Share> hours = hours(zone, from, to);
        List<Object[]> rows = new ArrayList<>();
        for (Map.Entry<String, long[]> e : productVends.entrySet()) {
            spread(hours, e.getValue()[0], productValues.get(e.getKey()), e.getKey(), "", rows);
        }
        spread(hours, paymentVends[0], paymentValues[0], "", CASH, rows);
        spread(hours, paymentVends[1], paymentValues[1], "", CASHLESS, rows);
        // one row per key and statement: the driver folds a batch into one multi-row insert, and
        // ON CONFLICT may touch a row only once per statement
        Map<Instant, long[]> hourUnits = new TreeMap<>();
        Map<Instant, BigDecimal> hourRevenue = new TreeMap<>();
        Map<List<Object>, long[]> dayUnits = new LinkedHashMap<>();
        Map<List<Object>, BigDecimal> dayRevenue = new LinkedHashMap<>();
        try (PreparedStatement record = c.prepareStatement("insert into dex_audit_sales (read_id, hour, day, product, payment_method, "
                + "units, revenue) values (?, ?, ?, ?, ?, ?, ?)")) {
            for (Object[] r : rows) {
                Share hour = (Share) r[0];
                String product = (String) r[1];
                String method = (String) r[2];
                long units = (Long) r[3];
                BigDecimal revenue = (BigDecimal) r[4];
                record.setLong(1, readId);
                record.setTimestamp(2, Timestamp.from(hour.start().toInstant()));
                record.setDate(3, java.sql.Date.valueOf(hour.day()));
                record.setString(4, product);
                record.setString(5, method);
                record.setLong(6, units);
                record.setBigDecimal(7, revenue);
                record.addBatch();
                if (method.isEmpty()) {
                    hourUnits.computeIfAbsent(hour.start().toInstant(), k -> new long[1])[0] += units;
                    hourRevenue.merge(hour.start().toInstant(), revenue, BigDecimal::add);
                }
                List<Object> key = List.of(hour.day(), product, method);
                dayUnits.computeIfAbsent(key, k -> new long[1])[0] += units;
                dayRevenue.merge(key, revenue, BigDecimal::add);
            }
            record.executeBatch();
        }
        try (PreparedStatement hourly = c.prepareStatement("insert into sales_hourly as h (hour, machine_id, location, sales_count, units, revenue) "
                + "values (?, ?, ?, ?, ?, ?) on conflict (hour, machine_id) do update set sales_count = h.sales_count + excluded.sales_count, "
                + "units = h.units + excluded.units, revenue = h.revenue + excluded.revenue")) {
            for (Map.Entry<Instant, long[]> e : hourUnits.entrySet()) {
                hourly.setTimestamp(1, Timestamp.from(e.getKey()));
                hourly.setString(2, machineId);
                hourly.setString(3, location.get());
                hourly.setLong(4, e.getValue()[0]);
                hourly.setLong(5, e.getValue()[0]);
                hourly.setBigDecimal(6, hourRevenue.get(e.getKey()));
                hourly.addBatch();
            }
            hourly.executeBatch();
        }
        try (PreparedStatement daily = c.prepareStatement("insert into sales_daily_product as d (day, machine_id, product, location, category, "
                     + "sales_count, units, revenue) values (?, ?, ?, ?, null, ?, ?, ?) on conflict (day, machine_id, product) do update set "
                     + "sales_count = d.sales_count + excluded.sales_count, units = d.units + excluded.units, revenue = d.revenue + excluded.revenue");
             PreparedStatement payment = c.prepareStatement("insert into sales_daily_payment as d (day, machine_id, payment_method, location, "
                     + "sales_count, revenue) values (?, ?, ?, ?, ?, ?) on conflict (day, machine_id, payment_method) do update set "
                     + "sales_count = d.sales_count + excluded.sales_count, revenue = d.revenue + excluded.revenue")) {
            for (Map.Entry<List<Object>, long[]> e : dayUnits.entrySet()) {
                java.sql.Date day = java.sql.Date.valueOf((LocalDate) e.getKey().get(0));
                String product = (String) e.getKey().get(1);
                String method = (String) e.getKey().get(2);
                long units = e.getValue()[0];
                BigDecimal revenue = dayRevenue.get(e.getKey());
                if (method.isEmpty()) {
                    daily.setDate(1, day);
                    daily.setString(2, machineId);
                    daily.setString(3, product);
                    daily.setString(4, location.get());
                    daily.setLong(5, units);
                    daily.setLong(6, units);
                    daily.setBigDecimal(7, revenue);
                    daily.addBatch();
                } else {
                    payment.setDate(1, day);
                    payment.setString(2, machineId);
                    payment.setString(3, method);
                    payment.setString(4, location.get());
                    payment.setLong(5, units);
                    payment.setBigDecimal(6, revenue);
                    payment.addBatch();
                }
            }
            daily.executeBatch();
            payment.executeBatch();
        }
    }

    /**
     * The machine's location when only the audits know it for this interval: the stream had not
     * reported it before the interval ended (so a machine that starts streaming later keeps the audit
     * sales of the intervals before, also when one of them is made again); empty otherwise.
     */
    private static Optional<String> auditOnlyLocation(Connection c, String machineId, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select a.location from audit_machines a where a.machine_id = ? "
                + "and not exists (select 1 from machines m where m.machine_id = a.machine_id and m.first_seen < ?)")) {
            ps.setString(1, machineId);
            ps.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** An hour of the campus day and the share of the interval that falls in it. */
    private record Share(ZonedDateTime start, LocalDate day, double weight) {
    }

    private static List<Share> hours(ZoneId zone, Instant from, Instant to) {
        List<Share> hours = new ArrayList<>();
        double total = Duration.between(from, to).toMillis();
        ZonedDateTime hour = from.atZone(zone).truncatedTo(ChronoUnit.HOURS);
        while (hour.toInstant().isBefore(to)) {
            ZonedDateTime next = hour.plusHours(1);
            Instant start = hour.toInstant().isBefore(from) ? from : hour.toInstant();
            Instant end = next.toInstant().isAfter(to) ? to : next.toInstant();
            hours.add(new Share(hour, hour.toLocalDate(), Duration.between(start, end).toMillis() / total));
            hour = next;
        }
        return hours;
    }

    /** Whole vends per hour by largest remainder; value in proportion, the last hour taking the rounding. */
    private static void spread(List<Share> hours, long vends, BigDecimal value, String product, String method, List<Object[]> rows) {
        if (vends <= 0) {
            return;
        }
        long[] units = new long[hours.size()];
        double[] remainders = new double[hours.size()];
        long given = 0;
        for (int i = 0; i < units.length; i++) {
            double exact = vends * hours.get(i).weight();
            units[i] = (long) Math.floor(exact);
            remainders[i] = exact - units[i];
            given += units[i];
        }
        while (given < vends) {
            int best = 0;
            for (int i = 1; i < remainders.length; i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            units[best]++;
            remainders[best] = -1;
            given++;
        }
        BigDecimal total = value == null ? BigDecimal.ZERO : value;
        BigDecimal left = total;
        int last = -1;
        for (int i = 0; i < units.length; i++) {
            if (units[i] > 0) {
                last = i;
            }
        }
        for (int i = 0; i < units.length; i++) {
            if (units[i] == 0) {
                continue;
            }
            BigDecimal revenue = i == last ? left
                    : total.multiply(BigDecimal.valueOf(units[i])).divide(BigDecimal.valueOf(vends), 2, RoundingMode.HALF_UP);
            left = left.subtract(revenue);
            rows.add(new Object[] {hours.get(i), product, method, units[i], revenue});
        }
    }

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}

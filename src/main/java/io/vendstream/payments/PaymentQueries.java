package io.vendstream.payments;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Csv;
import io.vendstream.http.Params;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Headers;

/**
 * The read side of payment matching (docs/payments.md): {@code GET /api/payments/reconciliation}
 * (per campus day and processor: cashless revenue, authorized, settled, refunded, outstanding,
 * transactions by verdict and exceptions by kind, with the operators' KPIs) and
 * {@code GET /api/payments/exceptions} (JSON or CSV). Both read what route match-payments wrote:
 * payment_transactions by their first event's time, and payment_exceptions.
 */
public final class PaymentQueries {

    /** The exceptions matching names, in the order it tries them (routes/payments/judge-payment-transactions.sql). */
    public static final List<String> KINDS = List.of("PAYMENT_WITHOUT_VEND", "VEND_WITHOUT_PAYMENT", "DOUBLE_AUTHORIZATION",
            "AMOUNT_MISMATCH", "SETTLEMENT_MISSING");
    private static final Set<String> STATUSES = Set.of("open", "resolved", "all");
    private static final Duration DEFAULT_WINDOW = Duration.ofDays(7);

    private final DataSource dataSource;
    private final ZoneId zone;
    private final Clock clock;

    public PaymentQueries(DataSource dataSource, String timezone) {
        this(dataSource, ZoneId.of(timezone), Clock.systemUTC());
    }

    PaymentQueries(DataSource dataSource, ZoneId zone, Clock clock) {
        this.dataSource = dataSource;
        this.zone = zone;
        this.clock = clock;
    }

    /**
     * {@code GET /api/payments/reconciliation}: the transactions whose first event is in the window
     * (default the last 7 days), per campus day and processor, newest day first, with totals and KPIs.
     */
    public Map<String, Object> reconciliation(@Headers Map<String, Object> headers) throws SQLException {
        Params params = new Params(headers, zone);
        String machineId = params.machineId();
        Instant[] window = window(params, DEFAULT_WINDOW);
        String sql = "select (t.first_at at time zone ?)::date as day, coalesce(t.processor, '') as processor, "
                + "count(*) as transactions, count(*) filter (where t.vends > 0) as cashless_vends, "
                + "coalesce(sum(t.vend_amount), 0) as cashless_revenue, sum(t.authorized_total) as authorized, "
                + "sum(t.settled_total) as settled, sum(t.refunded_total) as refunded, "
                + "sum(greatest(t.authorized_total - t.settled_total - t.refunded_total, 0)) as outstanding, "
                + "count(*) filter (where t.status = 'matched') as matched, count(*) filter (where t.status = 'refunded') as refunds, "
                + "count(*) filter (where t.status = 'pending') as pending, "
                + kindColumns("t.exception")
                + " from payment_transactions t where t.first_at >= ? and t.first_at < ? "
                + (machineId == null ? "and ?::text is null " : "and t.machine_id = ? ")
                + "group by 1, 2 order by 1 desc, 2";
        List<Map<String, Object>> days = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setQueryTimeout(10);
                ps.setString(1, zone.getId());
                ps.setTimestamp(2, Timestamp.from(window[0]));
                ps.setTimestamp(3, Timestamp.from(window[1]));
                ps.setString(4, machineId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("day", rs.getDate("day").toLocalDate().toString());
                        row.put("processor", rs.getString("processor"));
                        row.putAll(figures(rs));
                        days.add(row);
                    }
                }
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("from", window[0].toString());
            answer.put("to", window[1].toString());
            answer.put("timezone", zone.getId());
            answer.put("machineId", machineId);
            answer.put("days", days);
            answer.put("totals", totals(days));
            answer.put("kpis", kpis(c, window, machineId));
            return answer;
        }
    }

    private static String kindColumns(String column) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < KINDS.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("count(*) filter (where ").append(column).append(" = '").append(KINDS.get(i))
                    .append("') as k").append(i);
        }
        return sql.toString();
    }

    private static Map<String, Object> figures(ResultSet rs) throws SQLException {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("transactions", rs.getLong("transactions"));
        f.put("cashlessVends", rs.getLong("cashless_vends"));
        f.put("cashlessRevenue", rs.getBigDecimal("cashless_revenue"));
        f.put("authorized", rs.getBigDecimal("authorized"));
        f.put("settled", rs.getBigDecimal("settled"));
        f.put("refunded", rs.getBigDecimal("refunded"));
        f.put("outstanding", rs.getBigDecimal("outstanding"));
        f.put("matched", rs.getLong("matched"));
        f.put("refunds", rs.getLong("refunds"));
        f.put("pending", rs.getLong("pending"));
        Map<String, Object> exceptions = new LinkedHashMap<>();
        for (int i = 0; i < KINDS.size(); i++) {
            exceptions.put(KINDS.get(i), rs.getLong("k" + i));
        }
        f.put("exceptions", exceptions);
        return f;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> totals(List<Map<String, Object>> days) {
        Map<String, Object> totals = new LinkedHashMap<>();
        for (String count : List.of("transactions", "cashlessVends")) {
            totals.put(count, days.stream().mapToLong(d -> (Long) d.get(count)).sum());
        }
        for (String money : List.of("cashlessRevenue", "authorized", "settled", "refunded", "outstanding")) {
            totals.put(money, days.stream().map(d -> (BigDecimal) d.get(money)).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add));
        }
        for (String count : List.of("matched", "refunds", "pending")) {
            totals.put(count, days.stream().mapToLong(d -> (Long) d.get(count)).sum());
        }
        Map<String, Object> exceptions = new LinkedHashMap<>();
        for (String kind : KINDS) {
            exceptions.put(kind, days.stream().mapToLong(d -> (Long) ((Map<String, Object>) d.get("exceptions")).get(kind)).sum());
        }
        totals.put("exceptions", exceptions);
        return totals;
    }

    /** Delays in seconds (vend to authorization, authorization to settlement), the share settled, the open exceptions. */
    private Map<String, Object> kpis(Connection c, Instant[] window, String machineId) throws SQLException {
        Map<String, Object> kpis = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select "
                + "percentile_cont(0.5) within group (order by abs(extract(epoch from t.vend_at - t.authorized_at))) as a50, "
                + "percentile_cont(0.95) within group (order by abs(extract(epoch from t.vend_at - t.authorized_at))) as a95, "
                + "percentile_cont(0.5) within group (order by extract(epoch from t.settled_at - t.authorized_at)) as s50, "
                + "percentile_cont(0.95) within group (order by extract(epoch from t.settled_at - t.authorized_at)) as s95, "
                + "count(*) filter (where t.vends > 0) as vends, "
                + "count(*) filter (where t.vends > 0 and t.settlements > 0) as settled "
                + "from payment_transactions t where t.first_at >= ? and t.first_at < ? "
                + (machineId == null ? "and ?::text is null" : "and t.machine_id = ?"))) {
            ps.setQueryTimeout(10);
            ps.setTimestamp(1, Timestamp.from(window[0]));
            ps.setTimestamp(2, Timestamp.from(window[1]));
            ps.setString(3, machineId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                kpis.put("vendToAuthorizationSecondsP50", seconds(rs, "a50"));
                kpis.put("vendToAuthorizationSecondsP95", seconds(rs, "a95"));
                kpis.put("settlementLagHoursP50", hours(rs, "s50"));
                kpis.put("settlementLagHoursP95", hours(rs, "s95"));
                long vends = rs.getLong("vends");
                kpis.put("cashlessVends", vends);
                kpis.put("settledShare", vends == 0 ? null
                        : BigDecimal.valueOf(rs.getLong("settled")).divide(BigDecimal.valueOf(vends), 4, java.math.RoundingMode.HALF_UP));
            }
        }
        Map<String, Object> open = new LinkedHashMap<>();
        KINDS.forEach(k -> open.put(k, 0L));
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("select kind, count(*) from payment_exceptions where resolved_at is null "
                + (machineId == null ? "and ?::text is null " : "and machine_id = ? ") + "group by kind")) {
            ps.setQueryTimeout(10);
            ps.setString(1, machineId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    open.put(rs.getString(1), rs.getLong(2));
                    total += rs.getLong(2);
                }
            }
        }
        kpis.put("openExceptions", total);
        kpis.put("openExceptionsByKind", open);
        return kpis;
    }

    private static BigDecimal seconds(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : BigDecimal.valueOf(v).setScale(1, java.math.RoundingMode.HALF_UP);
    }

    private static BigDecimal hours(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : BigDecimal.valueOf(v / 3600.0).setScale(2, java.math.RoundingMode.HALF_UP);
    }

    /**
     * {@code GET /api/payments/exceptions}: exceptions (default the open ones) whose transaction began
     * in the window (default: any time), newest first, filtered by kind and machine. CSV instead of
     * JSON with {@code format=csv} or {@code Accept: text/csv}.
     */
    public Map<String, Object> exceptions(@Headers Map<String, Object> headers, Exchange exchange) throws SQLException {
        Params params = new Params(headers, zone);
        exchange.setProperty(Params.CSV_PROPERTY, params.wantsCsv());
        String kind = params.raw("kind");
        if (kind != null && !KINDS.contains(kind)) {
            throw new BadParameterException("kind", "'kind' must be one of " + String.join(", ", KINDS));
        }
        String status = params.raw("status") == null ? "open" : params.raw("status");
        if (!STATUSES.contains(status)) {
            throw new BadParameterException("status", "'status' must be open, resolved or all");
        }
        String machineId = params.machineId();
        Instant from = params.instant("from");
        Instant to = params.instant("to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw new BadParameterException("from", "'from' must be before 'to'");
        }
        int limit = params.integer("limit", 200, 1, 5000);
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("select e.id, e.transaction_ref, e.kind, e.machine_id, e.processor, e.amount, "
                + "e.detail, e.opened_at, e.resolved_at, t.payment_method, t.currency, t.vend_at, t.vend_amount, t.authorized_at, "
                + "t.authorized_total, t.settled_at, t.settled_total, t.refunded_total, t.settlement_batch "
                + "from payment_exceptions e join payment_transactions t on t.transaction_ref = e.transaction_ref where true");
        if (status.equals("open")) {
            sql.append(" and e.resolved_at is null");
        } else if (status.equals("resolved")) {
            sql.append(" and e.resolved_at is not null");
        }
        if (kind != null) {
            sql.append(" and e.kind = ?");
            args.add(kind);
        }
        if (machineId != null) {
            sql.append(" and e.machine_id = ?");
            args.add(machineId);
        }
        if (from != null) {
            sql.append(" and t.first_at >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" and t.first_at < ?");
            args.add(Timestamp.from(to));
        }
        sql.append(" order by e.opened_at desc, e.id desc limit ?");
        args.add(limit);
        List<Map<String, Object>> list = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setQueryTimeout(10);
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("id", rs.getLong("id"));
                    e.put("kind", rs.getString("kind"));
                    e.put("transactionRef", rs.getString("transaction_ref"));
                    e.put("machineId", rs.getString("machine_id"));
                    e.put("processor", rs.getString("processor"));
                    e.put("paymentMethod", rs.getString("payment_method"));
                    e.put("currency", rs.getString("currency"));
                    e.put("amount", rs.getBigDecimal("amount"));
                    e.put("detail", rs.getString("detail"));
                    e.put("vendAt", instant(rs.getTimestamp("vend_at")));
                    e.put("vendAmount", rs.getBigDecimal("vend_amount"));
                    e.put("authorizedAt", instant(rs.getTimestamp("authorized_at")));
                    e.put("authorized", rs.getBigDecimal("authorized_total"));
                    e.put("settledAt", instant(rs.getTimestamp("settled_at")));
                    e.put("settled", rs.getBigDecimal("settled_total"));
                    e.put("refunded", rs.getBigDecimal("refunded_total"));
                    e.put("settlementBatch", rs.getString("settlement_batch"));
                    e.put("openedAt", instant(rs.getTimestamp("opened_at")));
                    e.put("resolvedAt", instant(rs.getTimestamp("resolved_at")));
                    list.add(e);
                }
            }
        }
        Map<String, Object> byKind = new LinkedHashMap<>();
        KINDS.forEach(k -> byKind.put(k, list.stream().filter(e -> k.equals(e.get("kind"))).count()));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", status);
        answer.put("kind", kind);
        answer.put("machineId", machineId);
        answer.put("from", from == null ? null : from.toString());
        answer.put("to", to == null ? null : to.toString());
        answer.put("count", list.size());
        answer.put("byKind", byKind);
        answer.put("exceptions", list);
        return answer;
    }

    /** The exceptions as CSV, one line each, for a spreadsheet. */
    @SuppressWarnings("unchecked")
    public String exceptionsCsv(@Body Map<String, Object> answer) {
        StringBuilder csv = new StringBuilder("id,kind,transactionRef,machineId,processor,paymentMethod,currency,amount,detail,"
                + "vendAt,vendAmount,authorizedAt,authorized,settledAt,settled,refunded,settlementBatch,openedAt,resolvedAt\r\n");
        for (Map<String, Object> e : (List<Map<String, Object>>) answer.get("exceptions")) {
            csv.append(Csv.row(e.get("id"), e.get("kind"), e.get("transactionRef"), e.get("machineId"), e.get("processor"),
                    e.get("paymentMethod"), e.get("currency"), e.get("amount"), e.get("detail"), e.get("vendAt"), e.get("vendAmount"),
                    e.get("authorizedAt"), e.get("authorized"), e.get("settledAt"), e.get("settled"), e.get("refunded"),
                    e.get("settlementBatch"), e.get("openedAt"), e.get("resolvedAt")));
        }
        return csv.toString();
    }

    private Instant[] window(Params params, Duration fallback) {
        Instant to = params.instant("to");
        Instant from = params.instant("from");
        Instant end = to != null ? to : clock.instant().plusSeconds(1);
        Instant start = from != null ? from : end.minus(fallback);
        if (!start.isBefore(end)) {
            throw new BadParameterException("from", "'from' must be before 'to'");
        }
        return new Instant[] {start, end};
    }

    private static String instant(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }
}

package io.vendstream.dex;

import java.math.BigDecimal;
import java.sql.Array;
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
import java.util.TreeMap;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.BadParameterException;
import io.vendstream.http.Csv;
import io.vendstream.http.Params;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Headers;

/**
 * The read side of audits: {@code GET /api/dex/reads} (the reads as received, with their totals)
 * and {@code GET /api/reconciliation} (each interval between two reads of a machine, what the
 * machine counted against what the stream delivered for it, per product and per way of paying).
 *
 * <p>The stream's side is counted when asked, from the sales of the machine inside the interval
 * (the index on machine and time), so a sale that arrived after the read is counted as soon as it
 * is stored; the cost is the sales of the intervals answered, never the whole history.
 */
public final class DexQueries {

    // money in stored JSON (reader counters) stays decimal: 481000.00, not 481000.0
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Set<String> STATUSES = Set.of("parsed", "unknown_machine", "rejected");
    private static final Duration DEFAULT_WINDOW = Duration.ofDays(7);

    private final DataSource dataSource;
    private final ZoneId zone;
    private final Clock clock;

    public DexQueries(DataSource dataSource, String timezone) {
        this(dataSource, ZoneId.of(timezone), Clock.systemUTC());
    }

    DexQueries(DataSource dataSource, ZoneId zone, Clock clock) {
        this.dataSource = dataSource;
        this.zone = zone;
        this.clock = clock;
    }

    /** {@code GET /api/dex/reads}: reads received in the window (default the last 7 days), newest first. */
    public Map<String, Object> reads(@Headers Map<String, Object> headers) throws SQLException {
        Params params = new Params(headers, zone);
        String machineId = params.machineId();
        String status = params.raw("status");
        if (status != null && !STATUSES.contains(status)) {
            throw new BadParameterException("status", "'status' must be parsed, unknown_machine or rejected");
        }
        Instant[] window = window(params);
        int limit = params.integer("limit", 100, 1, 1000);
        String sql = "select read_id, machine_id, serial, read_at, received_at, source, file_name, received_by, status, reason, detail, "
                + "line_no, segment, currency, paid_vends, paid_value, cash_vends, cash_value, cashless_vends, cashless_value, "
                + "cash_to_box, payment_devices::text, findings::text from dex_reads where coalesce(read_at, received_at) >= ? and coalesce(read_at, received_at) < ? "
                + (machineId == null ? "and ?::text is null " : "and machine_id = ? ")
                + (status == null ? "and ?::text is null " : "and status = ? ")
                + "order by coalesce(read_at, received_at) desc, read_id desc limit ?";
        List<Map<String, Object>> reads = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(10);
            ps.setTimestamp(1, Timestamp.from(window[0]));
            ps.setTimestamp(2, Timestamp.from(window[1]));
            ps.setString(3, machineId);
            ps.setString(4, status);
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("readId", rs.getLong("read_id"));
                    r.put("machineId", rs.getString("machine_id"));
                    r.put("serial", rs.getString("serial"));
                    r.put("readAt", instant(rs.getTimestamp("read_at")));
                    r.put("receivedAt", instant(rs.getTimestamp("received_at")));
                    r.put("source", rs.getString("source"));
                    r.put("fileName", rs.getString("file_name"));
                    r.put("receivedBy", rs.getString("received_by"));
                    r.put("status", rs.getString("status"));
                    r.put("reason", rs.getString("reason"));
                    r.put("detail", rs.getString("detail"));
                    r.put("line", rs.getObject("line_no"));
                    r.put("segment", rs.getString("segment"));
                    r.put("currency", rs.getString("currency"));
                    r.put("paidVends", rs.getObject("paid_vends"));
                    r.put("paidValue", rs.getBigDecimal("paid_value"));
                    r.put("cashVends", rs.getObject("cash_vends"));
                    r.put("cashValue", rs.getBigDecimal("cash_value"));
                    r.put("cashlessVends", rs.getObject("cashless_vends"));
                    r.put("cashlessValue", rs.getBigDecimal("cashless_value"));
                    r.put("cashToBox", rs.getBigDecimal("cash_to_box"));
                    r.put("paymentDevices", JSON.readValue(rs.getString("payment_devices"), List.class));
                    r.put("findings", JSON.readValue(rs.getString("findings"), List.class));
                    reads.add(r);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("from", window[0].toString());
        answer.put("to", window[1].toString());
        answer.put("reads", reads);
        return answer;
    }

    /**
     * {@code GET /api/reconciliation}: the intervals that end in the window (default the last 7
     * days), newest first, and their totals. CSV instead of JSON with {@code format=csv} or
     * {@code Accept: text/csv}.
     */
    public Map<String, Object> reconciliation(@Headers Map<String, Object> headers, Exchange exchange) throws SQLException {
        Params params = new Params(headers, zone);
        exchange.setProperty(Params.CSV_PROPERTY, params.wantsCsv());
        return reconciliation(params.machineId(), window(params), params.integer("limit", 200, 1, 2000));
    }

    Map<String, Object> reconciliation(String machineId, Instant[] window, int limit) throws SQLException {
        Map<Long, Interval> intervals = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select read_id, previous_read_id, machine_id, from_at, to_at, counter_reset, "
                    + "paid_vends, paid_value, cash_vends, cash_value, cashless_vends, cashless_value, cash_to_box from dex_intervals "
                    + "where to_at >= ? and to_at < ? " + (machineId == null ? "and ?::text is null " : "and machine_id = ? ")
                    + "order by to_at desc, read_id desc limit ?")) {
                ps.setQueryTimeout(10);
                ps.setTimestamp(1, Timestamp.from(window[0]));
                ps.setTimestamp(2, Timestamp.from(window[1]));
                ps.setString(3, machineId);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Interval i = new Interval(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                                rs.getTimestamp(5).toInstant(), rs.getBoolean(6));
                        i.dex.add("paid", rs.getObject(7, Long.class), rs.getBigDecimal(8));
                        i.dex.add("cash", rs.getObject(9, Long.class), rs.getBigDecimal(10));
                        i.dex.add("cashless", rs.getObject(11, Long.class), rs.getBigDecimal(12));
                        i.cashToBox = rs.getBigDecimal(13);
                        intervals.put(i.readId, i);
                    }
                }
            }
            if (!intervals.isEmpty()) {
                Array ids = c.createArrayOf("bigint", intervals.keySet().toArray());
                try (PreparedStatement ps = c.prepareStatement("select read_id, product, vends, value from dex_interval_products "
                        + "where read_id = any(?)")) {
                    ps.setArray(1, ids);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            intervals.get(rs.getLong(1)).product(rs.getString(2)).add(true, rs.getLong(3), rs.getBigDecimal(4));
                        }
                    }
                }
                // the stream's side: the machine's sales inside each interval, (from, to]
                try (PreparedStatement ps = c.prepareStatement("select i.read_id, s.product, s.payment_method = 'cash', "
                        + "sum(s.quantity), sum(s.amount) from dex_intervals i join sales s on s.machine_id = i.machine_id "
                        + "and s.occurred_at > i.from_at and s.occurred_at <= i.to_at where i.read_id = any(?) group by 1, 2, 3")) {
                    ps.setQueryTimeout(10);
                    ps.setArray(1, ids);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Interval i = intervals.get(rs.getLong(1));
                            long units = rs.getLong(4);
                            BigDecimal amount = rs.getBigDecimal(5);
                            i.stream.add("paid", units, amount);
                            i.stream.add(rs.getBoolean(3) ? "cash" : "cashless", units, amount);
                            i.product(rs.getString(2)).add(false, units, amount);
                        }
                    }
                }
            }
        }
        Figures dexTotal = new Figures();
        Figures streamTotal = Figures.zero();
        BigDecimal toBox = BigDecimal.ZERO;
        List<Map<String, Object>> list = new ArrayList<>();
        for (Interval i : intervals.values()) {
            dexTotal.addAll(i.dex);
            streamTotal.addAll(i.stream);
            toBox = i.cashToBox == null ? toBox : toBox.add(i.cashToBox);
            list.add(i.toMap());
        }
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("intervals", list.size());
        totals.put("dex", dexTotal.toMap());
        totals.put("stream", streamTotal.toMap());
        totals.putAll(differences(dexTotal, streamTotal));
        totals.put("cashToBox", toBox);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("from", window[0].toString());
        answer.put("to", window[1].toString());
        answer.put("machineId", machineId);
        answer.put("intervals", list);
        answer.put("totals", totals);
        return answer;
    }

    /** The reconciliation as CSV: one row per interval and product, and one per interval for all products ({@code *}). */
    @SuppressWarnings("unchecked")
    public String reconciliationCsv(@Body Map<String, Object> answer) {
        StringBuilder csv = new StringBuilder("machineId,readId,from,to,counterReset,product,dexVends,streamVends,missingVends,"
                + "dexValue,streamValue,missingValue,dexCashVends,streamCashVends,dexCashValue,streamCashValue,cashDifference,"
                + "dexCashlessVends,streamCashlessVends,dexCashlessValue,streamCashlessValue,cashlessDifference,cashToBox\r\n");
        for (Map<String, Object> i : (List<Map<String, Object>>) answer.get("intervals")) {
            Map<String, Object> dex = (Map<String, Object>) i.get("dex");
            Map<String, Object> stream = (Map<String, Object>) i.get("stream");
            csv.append(Csv.row(i.get("machineId"), i.get("readId"), i.get("from"), i.get("to"), i.get("counterReset"), "*",
                    dex.get("paidVends"), stream.get("paidVends"), i.get("missingVends"), dex.get("paidValue"), stream.get("paidValue"),
                    i.get("missingValue"), dex.get("cashVends"), stream.get("cashVends"), dex.get("cashValue"), stream.get("cashValue"),
                    i.get("cashDifference"), dex.get("cashlessVends"), stream.get("cashlessVends"), dex.get("cashlessValue"),
                    stream.get("cashlessValue"), i.get("cashlessDifference"), i.get("cashToBox")));
            for (Map<String, Object> p : (List<Map<String, Object>>) i.get("products")) {
                csv.append(Csv.row(i.get("machineId"), i.get("readId"), i.get("from"), i.get("to"), i.get("counterReset"),
                        p.get("product"), p.get("dexVends"), p.get("streamVends"), p.get("missingVends"), p.get("dexValue"),
                        p.get("streamValue"), p.get("missingValue"), "", "", "", "", "", "", "", "", "", "", ""));
            }
        }
        return csv.toString();
    }

    private Instant[] window(Params params) {
        Instant to = params.instant("to");
        Instant from = params.instant("from");
        Instant end = to != null ? to : clock.instant().plusSeconds(1);
        Instant start = from != null ? from : end.minus(DEFAULT_WINDOW);
        if (!start.isBefore(end)) {
            throw new BadParameterException("from", "'from' must be before 'to'");
        }
        return new Instant[] {start, end};
    }

    private static String instant(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    // ---------------------------------------------------------------------------------------------

    /** Vends and value by way of paying: paid (all), cash, cashless. A figure the machine did not give stays null. */
    private static final class Figures {
        private final Map<String, Long> vends = new LinkedHashMap<>();
        private final Map<String, BigDecimal> values = new LinkedHashMap<>();

        static Figures zero() {
            Figures f = new Figures();
            for (String kind : List.of("paid", "cash", "cashless")) {
                f.add(kind, 0L, BigDecimal.ZERO.setScale(2));
            }
            return f;
        }

        void add(String kind, Long count, BigDecimal value) {
            if (count != null) {
                vends.merge(kind, count, Long::sum);
            }
            if (value != null) {
                values.merge(kind, value, BigDecimal::add);
            }
        }

        void addAll(Figures other) {
            for (String kind : List.of("paid", "cash", "cashless")) {
                add(kind, other.vends.get(kind), other.values.get(kind));
            }
        }

        long vendsOrZero(String kind) {
            return vends.getOrDefault(kind, 0L);
        }

        BigDecimal valueOrZero(String kind) {
            return values.getOrDefault(kind, BigDecimal.ZERO);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String kind : List.of("paid", "cash", "cashless")) {
                m.put(kind + "Vends", vends.get(kind));
                m.put(kind + "Value", values.get(kind));
            }
            return m;
        }
    }

    /** DEX minus stream: positive where the machine counted more than arrived as events. */
    private static Map<String, Object> differences(Figures dex, Figures stream) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("missingVends", dex.vendsOrZero("paid") - stream.vendsOrZero("paid"));
        m.put("missingValue", dex.valueOrZero("paid").subtract(stream.valueOrZero("paid")));
        m.put("cashMissingVends", dex.vendsOrZero("cash") - stream.vendsOrZero("cash"));
        m.put("cashDifference", dex.valueOrZero("cash").subtract(stream.valueOrZero("cash")));
        m.put("cashlessMissingVends", dex.vendsOrZero("cashless") - stream.vendsOrZero("cashless"));
        m.put("cashlessDifference", dex.valueOrZero("cashless").subtract(stream.valueOrZero("cashless")));
        return m;
    }

    private static final class ProductFigures {
        long dexVends;
        BigDecimal dexValue = BigDecimal.ZERO;
        long streamVends;
        BigDecimal streamValue = BigDecimal.ZERO;

        void add(boolean dex, long vends, BigDecimal value) {
            if (dex) {
                dexVends += vends;
                dexValue = dexValue.add(value == null ? BigDecimal.ZERO : value);
            } else {
                streamVends += vends;
                streamValue = streamValue.add(value == null ? BigDecimal.ZERO : value);
            }
        }
    }

    private static final class Interval {
        final long readId;
        final long previousReadId;
        final String machineId;
        final Instant from;
        final Instant to;
        final boolean counterReset;
        final Figures dex = new Figures();
        // the stream's side is counted, never unknown: no sale is 0
        final Figures stream = Figures.zero();
        final Map<String, ProductFigures> products = new TreeMap<>();
        BigDecimal cashToBox;

        Interval(long readId, long previousReadId, String machineId, Instant from, Instant to, boolean counterReset) {
            this.readId = readId;
            this.previousReadId = previousReadId;
            this.machineId = machineId;
            this.from = from;
            this.to = to;
            this.counterReset = counterReset;
        }

        ProductFigures product(String name) {
            return products.computeIfAbsent(name, k -> new ProductFigures());
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("machineId", machineId);
            m.put("readId", readId);
            m.put("previousReadId", previousReadId);
            m.put("from", from.toString());
            m.put("to", to.toString());
            m.put("counterReset", counterReset);
            m.put("dex", dex.toMap());
            m.put("stream", stream.toMap());
            m.putAll(differences(dex, stream));
            m.put("cashToBox", cashToBox);
            List<Map<String, Object>> list = new ArrayList<>();
            for (Map.Entry<String, ProductFigures> e : products.entrySet()) {
                ProductFigures p = e.getValue();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("product", e.getKey());
                row.put("dexVends", p.dexVends);
                row.put("streamVends", p.streamVends);
                row.put("missingVends", p.dexVends - p.streamVends);
                row.put("dexValue", p.dexValue);
                row.put("streamValue", p.streamValue);
                row.put("missingValue", p.dexValue.subtract(p.streamValue));
                list.add(row);
            }
            m.put("products", list);
            return m;
        }
    }
}

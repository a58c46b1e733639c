package io.vendstream.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fingerprint of what one schema holds, to prove that two ingest implementations stored exactly
 * the same thing: per table a count and an order-independent checksum of the identities (sum of
 * {@code hashtext} of each id), sums of amounts, and an md5 over every rollup and current-state row.
 * {@link #minimalOverlap} compares the minimal pipeline's two tables with the product's where they
 * overlap.
 */
final class StoredSet {

    private static final Map<String, String> QUERIES = new LinkedHashMap<>();

    static {
        QUERIES.put("sales", "select count(*) || ' rows, ids#' || coalesce(sum(hashtext(event_id::text)::bigint), 0) "
                + "|| ', amount ' || coalesce(sum(amount), 0) || ', units ' || coalesce(sum(quantity), 0) "
                + "|| ', md5 ' || md5(coalesce(sum(hashtext(event_id::text || machine_id || product || payment_method "
                + "|| amount || extract(epoch from occurred_at)))::text, '')) from sales");
        QUERIES.put("restocks", "select count(*) || ' rows, ids#' || coalesce(sum(hashtext(event_id::text)::bigint), 0) "
                + "|| ', units ' || coalesce(sum(quantity), 0) from restocks");
        QUERIES.put("rejected_events", "select count(*) || ' rows, sources#' "
                + "|| coalesce(sum(hashtext(source_partition || ':' || source_offset || reason)::bigint), 0) from rejected_events");
        QUERIES.put("rejected_counts", "select md5(coalesce(string_agg(partition || reason || count, ',' "
                + "order by partition, reason), '')) from rejected_counts");
        QUERIES.put("machines", "select count(*) || ' rows, md5 ' || md5(coalesce(string_agg(machine_id || location "
                + "|| extract(epoch from first_seen) || extract(epoch from last_seen) "
                + "|| coalesce(extract(epoch from last_sale_at)::text, '-'), ',' order by machine_id), '')) from machines");
        QUERIES.put("stock", "select count(*) || ' rows, units ' || coalesce(sum(quantity), 0) || ', md5 ' "
                + "|| md5(coalesce(string_agg(machine_id || product || location || coalesce(category, '-') || quantity "
                + "|| capacity || extract(epoch from as_of), ',' order by machine_id, product), '')) from stock");
        QUERIES.put("sales_hourly", "select count(*) || ' rows, sales ' || coalesce(sum(sales_count), 0) || ', md5 ' "
                + "|| md5(coalesce(string_agg(extract(epoch from hour) || machine_id || location || sales_count || units "
                + "|| revenue, ',' order by hour, machine_id), '')) from sales_hourly");
        QUERIES.put("sales_daily_product", "select count(*) || ' rows, sales ' || coalesce(sum(sales_count), 0) "
                + "|| ', md5 ' || md5(coalesce(string_agg(day || machine_id || product || location || coalesce(category, '-') "
                + "|| sales_count || units || revenue, ',' order by day, machine_id, product), '')) from sales_daily_product");
        QUERIES.put("sales_daily_payment", "select count(*) || ' rows, sales ' || coalesce(sum(sales_count), 0) "
                + "|| ', md5 ' || md5(coalesce(string_agg(day || machine_id || payment_method || location || sales_count "
                + "|| revenue, ',' order by day, machine_id, payment_method), '')) from sales_daily_payment");
    }

    private StoredSet() {
    }

    static Map<String, String> of(Connection c) throws SQLException {
        Map<String, String> fingerprint = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            for (Map.Entry<String, String> q : QUERIES.entrySet()) {
                try (ResultSet rs = st.executeQuery(q.getValue())) {
                    rs.next();
                    fingerprint.put(q.getKey(), rs.getString(1));
                }
            }
        }
        return fingerprint;
    }

    /**
     * What the minimal pipeline ({@link MinimalPipeline}) and the product both store, fingerprinted
     * the same way on both sides: the sales (count, id checksum, amount, units, and a checksum over
     * event id, machine, amount, quantity and occurredAt of every row) and the hourly rollup (an md5
     * over hour, machine, sales, units and revenue of every row). The minimal pipeline does not
     * validate, so it also stores records the product dead-letters; its sales are taken only where
     * their event id is among the product's, and from its hourly rollup what those extra rows added
     * is subtracted (hours left with nothing are dropped). The extras are counted apart.
     */
    record Overlap(Map<String, String> app, Map<String, String> minimal, long extraRows, long extraUnits,
                   String extraAmount, long hourlyRowsWithExtras) {

        boolean same() {
            return app.equals(minimal);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("same", same());
            m.put("app", app);
            if (!same()) {
                m.put("minimal", minimal);
            }
            m.put("extraRows", extraRows);
            m.put("extraUnits", extraUnits);
            m.put("extraAmount", extraAmount);
            m.put("hourlyRowsWithExtras", hourlyRowsWithExtras);
            return m;
        }
    }

    private static final String SALES_FINGERPRINT = "select count(*) || ' rows, ids#' "
            + "|| coalesce(sum(hashtext(event_id::text)::bigint), 0) || ', amount ' || coalesce(sum(amount), 0) "
            + "|| ', units ' || coalesce(sum(quantity), 0) || ', md5 ' || md5(coalesce(sum(hashtext(event_id::text "
            + "|| machine_id || amount || quantity || extract(epoch from occurred_at))::bigint)::text, '')) ";
    private static final String HOURLY_FINGERPRINT = "select count(*) || ' rows, sales ' || coalesce(sum(sales_count), 0) "
            + "|| ', units ' || coalesce(sum(units), 0) || ', revenue ' || coalesce(sum(revenue), 0) || ', md5 ' "
            + "|| md5(coalesce(string_agg(extract(epoch from hour) || machine_id || sales_count || units || revenue, ',' "
            + "order by hour, machine_id), '')) ";

    static Overlap minimalOverlap(Connection c, String appSchema, String minimalSchema, ZoneId zone) throws SQLException {
        String app = "\"" + appSchema + "\".";
        String min = "\"" + minimalSchema + "\".";
        String inApp = "exists (select 1 from " + app + "sales s where s.event_id = m.event_id)";
        String extra = "with extra as (select date_trunc('hour', occurred_at, ?) as hour, machine_id, count(*) as c, "
                + "sum(quantity) as u, sum(amount) as r from " + min + "min_sales m where not " + inApp + " group by 1, 2) ";
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, String> m = new LinkedHashMap<>();
        a.put("sales", text(c, SALES_FINGERPRINT + "from " + app + "sales", null));
        m.put("sales", text(c, SALES_FINGERPRINT + "from " + min + "min_sales m where " + inApp, null));
        a.put("sales_hourly", text(c, HOURLY_FINGERPRINT + "from " + app + "sales_hourly", null));
        m.put("sales_hourly", text(c, extra + ", h as (select h.hour, h.machine_id, h.sales_count - coalesce(e.c, 0) "
                + "as sales_count, h.units - coalesce(e.u, 0) as units, h.revenue - coalesce(e.r, 0) as revenue from "
                + min + "min_sales_hourly h left join extra e on e.hour = h.hour and e.machine_id = h.machine_id) "
                + HOURLY_FINGERPRINT + "from h where sales_count <> 0 or units <> 0 or revenue <> 0", zone));
        String[] extras = text(c, "select count(*) || ' ' || coalesce(sum(quantity), 0) || ' ' || coalesce(sum(amount), 0) "
                + "from " + min + "min_sales m where not " + inApp, null).split(" ");
        long hourly = Long.parseLong(text(c, extra + "select count(*) from extra", zone));
        return new Overlap(a, m, Long.parseLong(extras[0]), Long.parseLong(extras[1]), extras[2], hourly);
    }

    private static String text(Connection c, String sql, ZoneId zone) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            if (zone != null) {
                st.setString(1, zone.getId());
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

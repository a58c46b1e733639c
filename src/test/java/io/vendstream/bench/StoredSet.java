package io.vendstream.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fingerprint of what one schema holds, to prove that two ingest implementations stored exactly
 * the same thing: per table a count and an order-independent checksum of the identities (sum of
 * {@code hashtext} of each id), sums of amounts, and an md5 over every rollup and current-state row.
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

    static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

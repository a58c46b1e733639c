package io.vendstream.queries;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.http.Params;
import io.vendstream.http.Window;
import org.apache.camel.Headers;

/**
 * Where and what sells: per location, top products, payment methods and the weekday x hour
 * demand heatmap. All read the hourly and daily rollups, whose size grows with machines x
 * buckets, never with the number of sales.
 */
public final class SalesQueries {

    private final Sql sql;
    private final ZoneId zone;
    private final Duration silentAfter;
    private final Clock clock;
    private final AnswerCache answers;
    private final AnswerCache heatmaps;

    public SalesQueries(QueryContext context) {
        this(context.dataSource(), context.zone(), context.silentAfter(), context.clock(), context.answers(),
                context.heatmapAnswers());
    }

    SalesQueries(DataSource dataSource, ZoneId zone, Duration silentAfter, Clock clock, AnswerCache answers,
                 AnswerCache heatmaps) {
        this.sql = new Sql(dataSource);
        this.zone = zone;
        this.silentAfter = silentAfter;
        this.clock = clock;
        this.answers = answers;
        this.heatmaps = heatmaps;
    }

    /** {@code /api/locations}: every known location with its machines, and its sales in the window. */
    public Map<String, Object> locations(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        Window window = Window.of(params, zone, clock);
        return answers.get(Arrays.asList("locations", location, window), () -> locations(location, window));
    }

    private Map<String, Object> locations(String location, Window window) {
        Map<String, Map<String, Object>> byLocation = new LinkedHashMap<>();
        Sql.Where machines = new Sql.Where().andIf(location, "location = ?");
        List<Object> machineArgs = new ArrayList<>();
        machineArgs.add(clock.instant().minus(silentAfter));
        machineArgs.addAll(machines.args);
        sql.list("select location, count(*) as machines, count(*) filter (where last_seen >= ?) as online "
                + "from machines" + machines + " group by location", machineArgs, rs -> byLocation.put(rs.getString("location"),
                Json.object("location", rs.getString("location"), "machines", rs.getLong("machines"),
                        "machinesOnline", rs.getLong("online"), "sales", 0L, "units", 0L, "revenue", Json.money(null))));

        Sql.Where sales = new Sql.Where().and("hour >= ?", window.firstHour())
                .andIf(window.to(), "hour < ?").andIf(location, "location = ?");
        sql.list("select location, sum(sales_count) as sales, sum(units) as units, sum(revenue) as revenue "
                + "from sales_hourly" + sales + " group by location", sales.args, rs -> {
                    Map<String, Object> row = byLocation.computeIfAbsent(rs.getString("location"), name -> Json.object(
                            "location", name, "machines", 0L, "machinesOnline", 0L));
                    row.put("sales", rs.getLong("sales"));
                    row.put("units", rs.getLong("units"));
                    row.put("revenue", Json.money(rs, "revenue"));
                    return row;
                });

        List<Map<String, Object>> rows = new ArrayList<>(byLocation.values());
        rows.sort((a, b) -> {
            int byRevenue = ((BigDecimal) b.get("revenue")).compareTo((BigDecimal) a.get("revenue"));
            return byRevenue != 0 ? byRevenue : ((String) a.get("location")).compareTo((String) b.get("location"));
        });
        for (Map<String, Object> row : rows) {
            row.put("averageTicket", Json.average((BigDecimal) row.get("revenue"), (Long) row.get("sales")));
        }
        return Json.object("from", window.fromText(), "to", window.toText(), "timezone", zone.getId(), "locations", rows);
    }

    /** {@code /api/products/top}: products by units sold, then revenue. */
    public Map<String, Object> topProducts(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        int limit = params.integer("limit", 10, 1, 100);
        Window window = Window.of(params, zone, clock);
        return answers.get(Arrays.asList("topProducts", location, machineId, limit, window),
                () -> topProducts(location, machineId, limit, window));
    }

    private Map<String, Object> topProducts(String location, String machineId, int limit, Window window) {
        Sql.Where where = new Sql.Where().and("day >= ?", window.firstDay())
                .andIf(window.lastDay(), "day <= ?").andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Object> args = new ArrayList<>(where.args);
        args.add(limit);
        int[] rank = {0};
        List<Map<String, Object>> products = sql.list("select product, max(category) as category, sum(sales_count) as sales, "
                + "sum(units) as units, sum(revenue) as revenue from sales_daily_product" + where
                + " group by product order by units desc, revenue desc, product limit ?", args, rs -> Json.object(
                "rank", ++rank[0],
                "product", rs.getString("product"),
                "category", rs.getString("category"),
                "sales", rs.getLong("sales"),
                "units", rs.getLong("units"),
                "revenue", Json.money(rs, "revenue")));
        return Json.object("from", window.firstDay().toString(), "to", window.lastDay() == null ? null : window.lastDay().toString(),
                "timezone", zone.getId(), "limit", limit, "products", products);
    }

    /** {@code /api/payments}: sales and revenue per payment method. */
    public Map<String, Object> payments(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        Window window = Window.of(params, zone, clock);
        return answers.get(Arrays.asList("payments", location, machineId, window), () -> payments(location, machineId, window));
    }

    private Map<String, Object> payments(String location, String machineId, Window window) {
        Sql.Where where = new Sql.Where().and("day >= ?", window.firstDay())
                .andIf(window.lastDay(), "day <= ?").andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Map<String, Object>> methods = sql.list("select payment_method, sum(sales_count) as sales, sum(revenue) as revenue "
                + "from sales_daily_payment" + where + " group by payment_method order by revenue desc, payment_method",
                where.args, rs -> Json.object(
                        "paymentMethod", rs.getString("payment_method"),
                        "sales", rs.getLong("sales"),
                        "revenue", Json.money(rs, "revenue")));
        long total = methods.stream().mapToLong(m -> (Long) m.get("sales")).sum();
        for (Map<String, Object> method : methods) {
            method.put("share", total == 0 ? BigDecimal.ZERO
                    : BigDecimal.valueOf((Long) method.get("sales") * 100.0 / total).setScale(1, java.math.RoundingMode.HALF_UP));
        }
        return Json.object("from", window.firstDay().toString(), "to", window.lastDay() == null ? null : window.lastDay().toString(),
                "timezone", zone.getId(), "methods", methods);
    }

    /**
     * {@code /api/hourly}: sales per campus weekday (1 = Monday) and hour over the last
     * {@code days} days including today; all 168 cells, zeros included, Monday 00:00 first.
     */
    public Map<String, Object> hourly(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        int days = params.integer("days", 28, 1, 366);
        return heatmaps.get(Arrays.asList(days, location, machineId), () -> heatmap(days, location, machineId));
    }

    private Map<String, Object> heatmap(int days, String location, String machineId) {
        Instant from = Window.startOfToday(zone, clock).atZone(zone).minusDays(days - 1L).toInstant();

        long[][] sales = new long[7][24];
        long[][] units = new long[7][24];
        BigDecimal[][] revenue = new BigDecimal[7][24];
        // grouped by the stored hour only, then placed on the campus weekday and hour here:
        // converting every row's time zone in SQL costs three times as much on four weeks of rows
        Sql.Where where = new Sql.Where().and("hour >= ?", from).andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        sql.list("select hour, sum(sales_count) as sales, sum(units) as units, sum(revenue) as revenue from sales_hourly" + where
                + " group by hour", where.args, rs -> {
                    ZonedDateTime local = Json.instant(rs, "hour").atZone(zone);
                    int d = local.getDayOfWeek().getValue() - 1;
                    int h = local.getHour();
                    sales[d][h] += rs.getLong("sales");
                    units[d][h] += rs.getLong("units");
                    BigDecimal r = rs.getBigDecimal("revenue");
                    revenue[d][h] = revenue[d][h] == null ? r : revenue[d][h].add(r);
                    return null;
                });

        List<Map<String, Object>> cells = new ArrayList<>(168);
        long max = 0;
        for (int d = 0; d < 7; d++) {
            for (int h = 0; h < 24; h++) {
                max = Math.max(max, sales[d][h]);
                cells.add(Json.object("weekday", d + 1,
                        "day", DayOfWeek.of(d + 1).getDisplayName(TextStyle.SHORT, Locale.ENGLISH),
                        "hour", h, "sales", sales[d][h], "units", units[d][h], "revenue", Json.money(revenue[d][h])));
            }
        }
        return Json.object("days", days, "from", Json.time(from), "timezone", zone.getId(), "location", location,
                "machineId", machineId, "maxSales", max, "cells", cells);
    }
}

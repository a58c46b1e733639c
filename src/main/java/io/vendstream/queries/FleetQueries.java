package io.vendstream.queries;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.http.Params;
import io.vendstream.http.SerializedAnswer;
import io.vendstream.http.Window;
import org.apache.camel.Headers;

/**
 * The machines and what is in them: online/silent state, today's takings, current stock and the
 * low-stock and stock-out alerts. Reads the machine registry, the current stock table and
 * today's hourly rollup rows.
 */
public final class FleetQueries {

    // stock-outs first, then the lowest share of the slot's capacity, then the fewest units
    private static final String URGENCY = " order by (quantity = 0) desc, quantity::numeric / greatest(capacity, 1), "
            + "quantity, as_of, machine_id, product";

    private final Sql sql;
    private final ZoneId zone;
    private final Duration silentAfter;
    private final int lowStockUnits;
    private final Clock clock;
    private final AnswerCache answers;

    public FleetQueries(QueryContext context) {
        this(context.dataSource(), context.zone(), context.silentAfter(), context.lowStockUnits(), context.clock(), context.answers());
    }

    FleetQueries(DataSource dataSource, ZoneId zone, Duration silentAfter, int lowStockUnits, Clock clock, AnswerCache answers) {
        this.sql = new Sql(dataSource);
        this.answers = answers;
        this.zone = zone;
        this.silentAfter = silentAfter;
        this.lowStockUnits = lowStockUnits;
        this.clock = clock;
    }

    /** {@code /api/machines}: per machine, its state, today's sales and the products running low. */
    public SerializedAnswer machines(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        return answers.get(Arrays.asList("machines", location, machineId),
                () -> new SerializedAnswer(machines(location, machineId)));
    }

    private Map<String, Object> machines(String location, String machineId) {
        Instant now = clock.instant();
        Instant today = Window.startOfToday(zone, clock);

        Map<String, List<Map<String, Object>>> lowStock = new HashMap<>();
        Sql.Where low = new Sql.Where().and("quantity <= ?", lowStockUnits)
                .andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        sql.list("select machine_id, product, quantity, capacity from stock" + low + URGENCY, low.args,
                rs -> lowStock.computeIfAbsent(rs.getString("machine_id"), id -> new ArrayList<>()).add(Json.object(
                        "product", rs.getString("product"),
                        "quantity", rs.getInt("quantity"),
                        "capacity", rs.getInt("capacity"),
                        "level", rs.getInt("quantity") == 0 ? "out" : "low")));

        Sql.Where where = new Sql.Where().andIf(location, "m.location = ?").andIf(machineId, "m.machine_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(today);
        args.addAll(where.args);
        // a machine that connects directly (table devices) and whose MQTT session ended is offline, which
        // says more than silent (connected, or not a device, and no event for a while)
        List<Map<String, Object>> machines = sql.list("select m.machine_id, m.location, m.first_seen, m.last_seen, m.last_sale_at, "
                + "coalesce(t.sales, 0) as sales, coalesce(t.units, 0) as units, coalesce(t.revenue, 0) as revenue, "
                + "d.connected, d.session_since, d.session_ended, d.reported_status, d.revoked_at "
                + "from machines m left join (select machine_id, sum(sales_count) as sales, sum(units) as units, "
                + "sum(revenue) as revenue from sales_hourly where hour >= ? group by machine_id) t using (machine_id) "
                + "left join devices d using (machine_id)"
                + where + " order by m.location, m.machine_id", args, rs -> {
                    Instant lastSeen = Json.instant(rs, "last_seen");
                    boolean online = !lastSeen.isBefore(now.minus(silentAfter));
                    String id = rs.getString("machine_id");
                    Map<String, Object> connection = connection(rs);
                    boolean offline = connection != null && "offline".equals(connection.get("state"));
                    return Json.object(
                            "machineId", id,
                            "location", rs.getString("location"),
                            "status", offline ? "offline" : online ? "online" : "silent",
                            "connection", connection,
                            "lastSeen", Json.time(lastSeen),
                            "secondsSinceLastSeen", Math.max(0, Duration.between(lastSeen, now).toSeconds()),
                            "lastSaleAt", Json.time(rs, "last_sale_at"),
                            "firstSeen", Json.time(rs, "first_seen"),
                            "salesToday", rs.getLong("sales"),
                            "unitsToday", rs.getLong("units"),
                            "revenueToday", Json.money(rs, "revenue"),
                            "telemetry", "stream",
                            "lowStock", lowStock.getOrDefault(id, List.of()));
                });
        long online = machines.stream().filter(m -> "online".equals(m.get("status"))).count();
        long offline = machines.stream().filter(m -> "offline".equals(m.get("status"))).count();
        long silent = machines.size() - online - offline;
        // machines only DEX audits know (docs/dex.md): their sales come from the reads, last seen at the latest read
        Sql.Where audited = new Sql.Where().and("not exists (select 1 from machines s where s.machine_id = a.machine_id)")
                .andIf(location, "a.location = ?").andIf(machineId, "a.machine_id = ?");
        List<Object> auditArgs = new ArrayList<>();
        auditArgs.add(today);
        auditArgs.addAll(audited.args);
        List<Map<String, Object>> auditOnly = sql.list("select a.machine_id, a.location, a.first_read_at, a.last_read_at, "
                + "coalesce(t.sales, 0) as sales, coalesce(t.units, 0) as units, coalesce(t.revenue, 0) as revenue "
                + "from audit_machines a left join (select machine_id, sum(sales_count) as sales, sum(units) as units, "
                + "sum(revenue) as revenue from sales_hourly where hour >= ? group by machine_id) t using (machine_id)"
                + audited + " order by a.location, a.machine_id", auditArgs, rs -> {
                    Instant lastRead = Json.instant(rs, "last_read_at");
                    return Json.object(
                            "machineId", rs.getString("machine_id"),
                            "location", rs.getString("location"),
                            "status", "audit",
                            "lastSeen", Json.time(lastRead),
                            "secondsSinceLastSeen", Math.max(0, Duration.between(lastRead, now).toSeconds()),
                            "lastSaleAt", null,
                            "firstSeen", Json.time(rs, "first_read_at"),
                            "salesToday", rs.getLong("sales"),
                            "unitsToday", rs.getLong("units"),
                            "revenueToday", Json.money(rs, "revenue"),
                            "telemetry", "audit",
                            "connection", null,
                            "lowStock", List.of());
                });
        List<Map<String, Object>> all = new ArrayList<>(machines);
        all.addAll(auditOnly);
        return Json.object("today", Json.time(today), "timezone", zone.getId(), "silentAfterSeconds", silentAfter.toSeconds(),
                "lowStockUnits", lowStockUnits, "online", online, "silent", silent, "offline", offline, "auditOnly", (long) auditOnly.size(),
                "machines", all);
    }

    /**
     * The MQTT session of a machine that connects directly: online (a session is open), offline since
     * its session ended unexpectedly or it said it goes offline (how: its last will, a lost connection,
     * ...), disconnected after a clean DISCONNECT, or null for a machine that has no credentials of its
     * own or never connected.
     */
    private static Map<String, Object> connection(java.sql.ResultSet rs) throws java.sql.SQLException {
        if (rs.getTimestamp("session_since") == null) {
            return null;
        }
        boolean connected = rs.getBoolean("connected") && rs.getTimestamp("revoked_at") == null;
        // a machine that said goodbye (a clean DISCONNECT, as one that connects only to send does) is not
        // missing, unless it said it goes offline
        boolean leftCleanly = "disconnect".equals(rs.getString("session_ended")) && !"offline".equals(rs.getString("reported_status"));
        return Json.object(
                "state", connected ? "online" : leftCleanly ? "disconnected" : "offline",
                "since", Json.time(rs, "session_since"),
                "ended", connected ? null : rs.getString("session_ended"),
                "reportedStatus", rs.getString("reported_status"));
    }

    /** {@code /api/stock}: current stock per machine and product. */
    public SerializedAnswer stock(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        return answers.get(Arrays.asList("stock", location, machineId), () -> new SerializedAnswer(stock(location, machineId)));
    }

    private Map<String, Object> stock(String location, String machineId) {
        Sql.Where where = new Sql.Where().andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Map<String, Object>> rows = sql.list("select machine_id, location, product, category, quantity, capacity, as_of "
                + "from stock" + where + " order by location, machine_id, product", where.args, this::stockRow);
        long out = rows.stream().filter(r -> "out".equals(r.get("level"))).count();
        long low = rows.stream().filter(r -> "low".equals(r.get("level"))).count();
        return Json.object("lowStockUnits", lowStockUnits, "slots", rows.size(), "out", out, "low", low, "stock", rows);
    }

    /** {@code /api/stock/low}: the slots that are out or low, most urgent first. */
    public Map<String, Object> lowStock(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        int limit = params.integer("limit", 50, 1, 500);
        return answers.get(Arrays.asList("low-stock", location, machineId, limit), () -> lowStock(location, machineId, limit));
    }

    private Map<String, Object> lowStock(String location, String machineId, int limit) {
        Sql.Where where = new Sql.Where().and("quantity <= ?", lowStockUnits)
                .andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Object> args = new ArrayList<>(where.args);
        args.add(limit);
        List<Map<String, Object>> alerts = sql.list("select machine_id, location, product, category, quantity, capacity, as_of "
                + "from stock" + where + URGENCY + " limit ?", args, this::stockRow);
        return Json.object("lowStockUnits", lowStockUnits, "limit", limit, "alerts", alerts);
    }

    private Map<String, Object> stockRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        int quantity = rs.getInt("quantity");
        return Json.object(
                "machineId", rs.getString("machine_id"),
                "location", rs.getString("location"),
                "product", rs.getString("product"),
                "category", rs.getString("category"),
                "quantity", quantity,
                "capacity", rs.getInt("capacity"),
                "level", quantity == 0 ? "out" : quantity <= lowStockUnits ? "low" : "ok",
                "asOf", Json.time(rs, "as_of"));
    }
}

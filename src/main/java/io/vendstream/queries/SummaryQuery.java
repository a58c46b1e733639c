package io.vendstream.queries;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.http.Params;
import io.vendstream.http.Window;
import org.apache.camel.Headers;

/**
 * {@code /api/summary}: the fleet's KPIs for a time window (default today) from the hourly
 * rollup, the machine registry, the ingest counters and the latency histogram; a handful of
 * index range scans whatever the number of stored sales.
 */
public final class SummaryQuery {

    private final Sql sql;
    private final ZoneId zone;
    private final Duration silentAfter;
    private final Duration latencyWindow;
    private final String currency;
    private final Clock clock;
    private final AnswerCache answers;

    public SummaryQuery(QueryContext context) {
        this(context.dataSource(), context.zone(), context.silentAfter(), context.latencyWindow(), context.currency(),
                context.clock(), context.answers());
    }

    SummaryQuery(DataSource dataSource, ZoneId zone, Duration silentAfter, Duration latencyWindow, String currency, Clock clock,
                 AnswerCache answers) {
        this.currency = currency;
        this.sql = new Sql(dataSource);
        this.answers = answers;
        this.zone = zone;
        this.silentAfter = silentAfter;
        this.latencyWindow = latencyWindow;
        this.clock = clock;
    }

    public Map<String, Object> summary(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        Window window = Window.of(params, zone, clock);
        return answers.get(Arrays.asList("summary", location, machineId, window), () -> summary(location, machineId, window));
    }

    private Map<String, Object> summary(String location, String machineId, Window window) {
        Instant now = clock.instant();

        Sql.Where sales = new Sql.Where().and("hour >= ?", window.firstHour())
                .andIf(window.to(), "hour < ?").andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        Object[] totals = sql.one("select coalesce(sum(sales_count), 0) as sales, coalesce(sum(units), 0) as units, "
                + "coalesce(sum(revenue), 0) as revenue from sales_hourly" + sales, sales.args,
                rs -> new Object[] {rs.getLong("sales"), rs.getLong("units"), Json.money(rs, "revenue")});
        long count = (Long) totals[0];
        BigDecimal revenue = (BigDecimal) totals[2];

        Sql.Where machines = new Sql.Where().andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Object> machineArgs = new java.util.ArrayList<>();
        machineArgs.add(now.minus(silentAfter));
        machineArgs.addAll(machines.args);
        Object[] fleet = sql.one("select count(*) filter (where last_seen >= ?) as reporting, count(*) as known, "
                        + "max(last_seen) as last_event from machines" + machines, machineArgs,
                rs -> new Object[] {rs.getLong("reporting"), rs.getLong("known"), Json.time(rs, "last_event")});

        // the ingest counters are per source partition, not per machine: always fleet-wide
        Object[] ingest = sql.one("select coalesce(sum(rejected), 0) as rejected, coalesce(sum(duplicates), 0) as duplicates "
                + "from ingest_partitions", List.of(), rs -> new Object[] {rs.getLong("rejected"), rs.getLong("duplicates")});

        // the pipeline's latency (received -> committed) and, apart, how late the devices report
        Map<String, Object> latency = LatencyHistogram.read(sql, now, latencyWindow);

        return Json.object(
                "from", window.fromText(),
                "to", window.toText(),
                "timezone", zone.getId(),
                "location", location,
                "machineId", machineId,
                "sales", count,
                "units", totals[1],
                "revenue", revenue,
                "averageTicket", Json.average(revenue, count),
                "currency", currency,
                "machinesReporting", fleet[0],
                "machinesKnown", fleet[1],
                "lastEventAt", fleet[2],
                "rejected", ingest[0],
                "duplicates", ingest[1],
                "latency", latency.get("latency"),
                "deviceDelay", latency.get("deviceDelay"));
    }
}

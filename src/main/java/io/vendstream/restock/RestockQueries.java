package io.vendstream.restock;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.sql.DataSource;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Csv;
import io.vendstream.http.Json;
import io.vendstream.http.Params;
import io.vendstream.http.SerializedAnswer;
import io.vendstream.queries.AnswerCache;
import io.vendstream.queries.QueryContext;
import io.vendstream.queries.Sql;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Headers;

/**
 * What the restock crew does next: which machines to visit and when ({@code /api/restock/plan}),
 * and what to load into each ({@code /api/restock/picklist}). Both start from current stock, the
 * par levels ({@link Planogram}, or inferred) and the {@link DemandForecast}.
 */
public final class RestockQueries {

    static final String CONFIGURED = "configured";
    static final String INFERRED = "inferred";
    private static final int MAX_HORIZON_HOURS = 336;

    private final Sql sql;
    private final ZoneId zone;
    private final Planogram planogram;
    private final DemandForecast forecast;
    private final AnswerCache answers;
    private final int defaultHorizonHours;
    private final int windowHours;
    private final int visitStartHour;
    private final int visitEndHour;
    private final double safetyFactor;
    private final Clock clock;

    public RestockQueries(QueryContext context, Planogram planogram, DemandForecast forecast, RestockSettings settings) {
        this(context.dataSource(), context.zone(), planogram, forecast, context.answers(), settings.defaultHorizonHours(),
                settings.windowHours(), settings.visitStartHour(), settings.visitEndHour(), settings.safetyFactor(), context.clock());
    }

    RestockQueries(DataSource dataSource, ZoneId zone, Planogram planogram, DemandForecast forecast, AnswerCache answers,
            int defaultHorizonHours, int windowHours, int visitStartHour, int visitEndHour, double safetyFactor, Clock clock) {
        if (windowHours < 1 || windowHours > 24 || visitStartHour < 0 || visitEndHour > 24 || visitEndHour - visitStartHour < windowHours) {
            throw new IllegalArgumentException("vendstream.restock.window-hours must fit between visit-start-hour and visit-end-hour");
        }
        this.sql = new Sql(dataSource);
        this.zone = zone;
        this.planogram = planogram;
        this.forecast = forecast;
        this.answers = answers;
        this.defaultHorizonHours = defaultHorizonHours;
        this.windowHours = windowHours;
        this.visitStartHour = visitStartHour;
        this.visitEndHour = visitEndHour;
        this.safetyFactor = safetyFactor;
        this.clock = clock;
    }

    /** One slot as it is now, with its par. */
    record Slot(String machineId, String location, String product, int onHand, Instant asOf, int par, String parSource,
            String parFrom, Instant outSince) {
    }

    /**
     * The slots of the machines asked for: every row of current stock, plus products the planogram
     * gives a machine that it has never reported (on hand 0, to be loaded).
     */
    List<Slot> slots(String location, String machineId) {
        Sql.Where where = new Sql.Where().andIf(location, "s.location = ?").andIf(machineId, "s.machine_id = ?");
        // an open episode starts no earlier than the slot's last refill: a poll that refilled and emptied
        // the slot again (a backlog, a backfill: hours of events in one poll) left the earlier episode open
        List<Slot> slots = new ArrayList<>(sql.list("select s.machine_id, s.location, s.product, s.quantity, s.capacity, s.as_of, "
                + "case when e.started_at is null then null else greatest(e.started_at, (select max(r.occurred_at) from restocks r "
                + "where r.machine_id = s.machine_id and r.product = s.product and r.occurred_at > e.started_at)) end as started_at "
                + "from stock s left join stockout_episodes e on e.machine_id = s.machine_id and e.product = s.product "
                + "and e.ended_at is null" + where + " order by s.location, s.machine_id, s.product", where.args,
                rs -> slot(rs.getString("machine_id"), rs.getString("location"), rs.getString("product"), rs.getInt("quantity"),
                        Json.instant(rs, "as_of"), rs.getInt("capacity"), Json.instant(rs, "started_at"))));
        Map<String, String> machines = new TreeMap<>();
        Sql.Where m = new Sql.Where().andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        sql.list("select machine_id, location from machines" + m, m.args,
                rs -> machines.put(rs.getString("machine_id"), rs.getString("location")));
        Set<String> known = new java.util.HashSet<>();
        slots.forEach(s -> known.add(s.machineId() + "\u0000" + s.product()));
        machines.forEach((id, loc) -> new TreeSet<>(planogram.products(id)).forEach(product -> {
            if (!known.contains(id + "\u0000" + product)) {
                slots.add(slot(id, loc, product, 0, null, 0, null));
            }
        }));
        slots.sort(Comparator.comparing(Slot::location).thenComparing(Slot::machineId).thenComparing(Slot::product));
        return slots;
    }

    private Slot slot(String machineId, String location, String product, int onHand, Instant asOf, int capacity,
            Instant openEpisode) {
        Planogram.Par par = planogram.par(machineId, product);
        Instant outSince = onHand > 0 || asOf == null ? null : openEpisode != null ? openEpisode : asOf;
        return par != null
                ? new Slot(machineId, location, product, onHand, asOf, par.units(), CONFIGURED, par.source(), outSince)
                : new Slot(machineId, location, product, onHand, asOf, capacity, INFERRED, null, outSince);
    }

    // --------------------------------------------------------------------------------- the plan

    /** {@code /api/restock/plan}: machines that run out (or are out) within the horizon, most urgent first. */
    public SerializedAnswer plan(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        int horizon = params.integer("horizonHours", defaultHorizonHours, 1, MAX_HORIZON_HOURS);
        String location = params.location();
        String machineId = params.machineId();
        return answers.get(Arrays.asList("restock-plan", horizon, location, machineId),
                () -> new SerializedAnswer(plan(horizon, location, machineId)));
    }

    Map<String, Object> plan(int horizonHours, String location, String machineId) {
        DemandForecast.Model model = forecast.model();
        Instant now = clock.instant();
        Instant until = now.plus(horizonHours, ChronoUnit.HOURS);
        Map<String, List<Slot>> byMachine = new LinkedHashMap<>();
        for (Slot s : slots(location, machineId)) {
            if (s.asOf() != null) {
                byMachine.computeIfAbsent(s.machineId(), k -> new ArrayList<>()).add(s);
            }
        }
        record Visit(Instant urgentAt, BigDecimal revenueAtRisk, String machineId, Map<String, Object> json) {
        }
        List<Visit> visits = new ArrayList<>();
        for (List<Slot> slots : byMachine.values()) {
            List<Map<String, Object>> outNow = new ArrayList<>();
            List<Map<String, Object>> atRisk = new ArrayList<>();
            Slot first = null;
            Instant firstAt = null;
            Instant earliestOut = null;
            double revenue = 0;
            for (Slot s : slots) {
                Instant out = s.onHand() <= 0 ? now : model.stockOut(s.machineId(), s.product(), s.onHand(), now, until, safetyFactor);
                if (out == null) {
                    continue;
                }
                double lost = model.expected(s.machineId(), s.product(), out, until);
                BigDecimal price = model.price(s.machineId(), s.product());
                double slotRevenue = price == null ? 0 : lost * price.doubleValue();
                revenue += slotRevenue;
                if (s.onHand() <= 0) {
                    earliestOut = earliestOut == null || s.outSince().isBefore(earliestOut) ? s.outSince() : earliestOut;
                    outNow.add(Json.object("product", s.product(), "since", Json.time(s.outSince()),
                            "outForMinutes", Duration.between(s.outSince(), now).toMinutes(),
                            "par", s.par(), "parSource", s.parSource(),
                            "expectedLostUnits", round1(lost), "revenueAtRisk", Json.money(BigDecimal.valueOf(slotRevenue))));
                } else {
                    if (firstAt == null || out.isBefore(firstAt)) {
                        first = s;
                        firstAt = out;
                    }
                    atRisk.add(Json.object("product", s.product(), "onHand", s.onHand(), "par", s.par(), "parSource", s.parSource(),
                            "unitsPerDay", round1(model.unitsPerDay(s.machineId(), s.product())),
                            "stockOutAt", Json.time(out), "expectedLostUnits", round1(lost),
                            "revenueAtRisk", Json.money(BigDecimal.valueOf(slotRevenue))));
                }
            }
            if (outNow.isEmpty() && atRisk.isEmpty()) {
                continue;
            }
            atRisk.sort(Comparator.comparing(r -> (String) r.get("stockOutAt")));
            outNow.sort(Comparator.comparing(r -> (String) r.get("since")));
            Slot any = slots.get(0);
            Instant deadline = outNow.isEmpty() ? firstAt : now;
            BigDecimal revenueAtRisk = Json.money(BigDecimal.valueOf(revenue));
            Map<String, Object> json = Json.object(
                    "machineId", any.machineId(),
                    "location", any.location(),
                    "firstStockOut", first == null ? null : Json.object("product", first.product(), "at", Json.time(firstAt)),
                    "outNow", outNow,
                    "atRisk", atRisk,
                    "revenueAtRisk", revenueAtRisk,
                    "suggestedWindow", window(model, any.location(), now, deadline));
            visits.add(new Visit(earliestOut != null ? earliestOut : firstAt, revenueAtRisk, any.machineId(), json));
        }
        visits.sort(Comparator.comparing(Visit::urgentAt).thenComparing(Visit::revenueAtRisk, Comparator.reverseOrder())
                .thenComparing(Visit::machineId));
        return Json.object("asOf", Json.time(now), "horizonHours", horizonHours, "until", Json.time(until),
                "timezone", zone.getId(), "machinesToVisit", visits.size(),
                "plan", visits.stream().map(Visit::json).toList());
    }

    /**
     * The quietest {@code windowHours} at the location (lowest expected sales of all its machines)
     * that start now or on a later whole campus hour, lie within the visit hours and end by the
     * deadline; when none fits (already out, or the deadline is too close), the earliest window
     * that can start.
     */
    Map<String, Object> window(DemandForecast.Model model, String location, Instant now, Instant deadline) {
        List<ZonedDateTime> starts = new ArrayList<>();
        ZonedDateTime current = now.atZone(zone);
        starts.add(current);
        for (ZonedDateTime s = current.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                !s.plusHours(windowHours).toInstant().isAfter(deadline); s = s.plusHours(1)) {
            starts.add(s);
        }
        ZonedDateTime best = null;
        double bestSales = Double.MAX_VALUE;
        for (ZonedDateTime s : starts) {
            Instant end = s.plusHours(windowHours).toInstant();
            if (end.isAfter(deadline) || !withinVisitHours(s)) {
                continue;
            }
            double sales = model.expectedAtLocation(location, s.toInstant(), end);
            if (sales < bestSales - 1e-9) {
                best = s;
                bestSales = sales;
            }
        }
        boolean beforeStockOut = best != null;
        if (best == null) {
            best = current;
            if (!withinVisitHours(best)) {
                ZonedDateTime open = best.truncatedTo(ChronoUnit.DAYS).plusHours(visitStartHour);
                best = open.isAfter(best) ? open : open.plusDays(1);
            }
            bestSales = model.expectedAtLocation(location, best.toInstant(), best.plusHours(windowHours).toInstant());
        }
        return Json.object("from", Json.time(best.toInstant()), "to", Json.time(best.plusHours(windowHours).toInstant()),
                "expectedSalesAtLocation", round1(bestSales), "beforeStockOut", beforeStockOut);
    }

    /** The window starting then lies within the crew's hours (campus time). */
    private boolean withinVisitHours(ZonedDateTime start) {
        ZonedDateTime day = start.truncatedTo(ChronoUnit.DAYS);
        return !start.isBefore(day.plusHours(visitStartHour)) && !start.plusHours(windowHours).isAfter(day.plusHours(visitEndHour));
    }

    // ----------------------------------------------------------------------------- the pick list

    /**
     * {@code /api/restock/picklist}: units to load per machine and product at the visit, and totals
     * for the run. CSV instead of JSON when the request says {@code format=csv} or accepts {@code text/csv}.
     */
    public SerializedAnswer picklist(@Headers Map<String, Object> headers, Exchange exchange) {
        boolean csv = new Params(headers, zone).wantsCsv();
        SerializedAnswer answer = picklist(headers);
        exchange.setProperty(Params.CSV_PROPERTY, csv);
        return answer;
    }

    SerializedAnswer picklist(Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String location = params.location();
        String machineId = params.machineId();
        Instant visitAt = params.instant("visitAt");
        Instant now = clock.instant();
        if (visitAt != null && visitAt.isBefore(now.minus(1, ChronoUnit.MINUTES))) {
            throw new BadParameterException("visitAt", "'visitAt' must not be in the past");
        }
        if (visitAt != null && visitAt.isAfter(now.plus(MAX_HORIZON_HOURS, ChronoUnit.HOURS))) {
            throw new BadParameterException("visitAt", "'visitAt' must be within " + MAX_HORIZON_HOURS / 24 + " days");
        }
        return answers.get(Arrays.asList("restock-picklist", location, machineId, visitAt),
                () -> new SerializedAnswer(picklist(location, machineId, visitAt)));
    }

    Map<String, Object> picklist(String location, String machineId, Instant visitAt) {
        DemandForecast.Model model = forecast.model();
        Instant now = clock.instant();
        Instant visit = visitAt == null || visitAt.isBefore(now) ? now : visitAt;
        List<Map<String, Object>> lines = new ArrayList<>();
        Map<String, long[]> totals = new TreeMap<>();
        long units = 0;
        for (Slot s : slots(location, machineId)) {
            double expected = s.onHand() <= 0 ? 0 : Math.min(s.onHand(), model.expected(s.machineId(), s.product(), now, visit));
            double projected = Math.max(0, s.onHand() - expected);
            int load = (int) Math.max(0, s.par() - Math.round(projected));
            lines.add(Json.object("machineId", s.machineId(), "location", s.location(), "product", s.product(),
                    "onHand", s.onHand(), "par", s.par(), "parSource", s.parSource(), "parFrom", s.parFrom(),
                    "expectedSalesUntilVisit", round1(expected), "projectedOnHand", round1(projected), "unitsToLoad", load));
            long[] total = totals.computeIfAbsent(s.product(), k -> new long[2]);
            total[0] += load;
            total[1] += load > 0 ? 1 : 0;
            units += load;
        }
        List<Map<String, Object>> perProduct = new ArrayList<>();
        totals.forEach((product, t) -> {
            if (t[0] > 0) {
                perProduct.add(Json.object("product", product, "unitsToLoad", t[0], "machines", t[1]));
            }
        });
        Set<String> machines = new TreeSet<>();
        lines.forEach(l -> machines.add((String) l.get("machineId")));
        return Json.object("asOf", Json.time(now), "visitAt", Json.time(visit), "location", location, "machineId", machineId,
                "machines", machines.size(), "unitsToLoad", units, "lines", lines, "totals", perProduct);
    }

    /** The pick list as CSV, one line per slot and one TOTAL line per product, for a spreadsheet or a printer. */
    public String picklistCsv(@Body SerializedAnswer answer) {
        return picklistCsv(answer.value());
    }

    String picklistCsv(Map<String, Object> picklist) {
        StringBuilder csv = new StringBuilder("machineId,location,product,onHand,par,parSource,projectedOnHand,unitsToLoad\r\n");
        for (Object o : (List<?>) picklist.get("lines")) {
            Map<?, ?> l = (Map<?, ?>) o;
            csv.append(Csv.row(l.get("machineId"), l.get("location"), l.get("product"), l.get("onHand"), l.get("par"),
                    l.get("parSource"), l.get("projectedOnHand"), l.get("unitsToLoad")));
        }
        for (Object o : (List<?>) picklist.get("totals")) {
            Map<?, ?> t = (Map<?, ?>) o;
            csv.append(Csv.row("TOTAL", picklist.get("location"), t.get("product"), "", "", "", "", t.get("unitsToLoad")));
        }
        return csv.toString();
    }

    static BigDecimal round1(double value) {
        return BigDecimal.valueOf(value).setScale(1, java.math.RoundingMode.HALF_UP);
    }
}

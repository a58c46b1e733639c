package io.vendstream.restock;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.http.Params;
import io.vendstream.http.SerializedAnswer;
import io.vendstream.http.Window;
import io.vendstream.queries.AnswerCache;
import io.vendstream.queries.QueryContext;
import io.vendstream.queries.Sql;
import org.apache.camel.Headers;

/**
 * {@code /api/stockouts}: stock-out episodes from the {@code stockout_episodes} read model (kept by
 * triggers on {@code stock} inside the ingest transaction, see V3_2__restock_planning.sql), each with
 * its estimated lost sales: the {@link DemandForecast}'s expected demand for the slot over the
 * episode, priced at the slot's average price.
 */
public final class StockoutQueries {

    private final Sql sql;
    private final ZoneId zone;
    private final DemandForecast forecast;
    private final AnswerCache answers;
    private final Clock clock;

    public StockoutQueries(QueryContext context, DemandForecast forecast) {
        this(context.dataSource(), context.zone(), forecast, context.answers(), context.clock());
    }

    StockoutQueries(DataSource dataSource, ZoneId zone, DemandForecast forecast, AnswerCache answers, Clock clock) {
        this.sql = new Sql(dataSource);
        this.zone = zone;
        this.forecast = forecast;
        this.answers = answers;
        this.clock = clock;
    }

    public SerializedAnswer stockouts(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        Window window = Window.of(params, zone, clock);
        String location = params.location();
        String machineId = params.machineId();
        int limit = params.integer("limit", 200, 1, 5000);
        return answers.get(Arrays.asList("stockouts", window.from(), window.to(), location, machineId, limit),
                () -> new SerializedAnswer(stockouts(window, location, machineId, limit)));
    }

    /** Episodes that started in the window, and every episode still open; newest first. */
    Map<String, Object> stockouts(Window window, String location, String machineId, int limit) {
        DemandForecast.Model model = forecast.model();
        Instant now = clock.instant();
        Sql.Where started = new Sql.Where().and("started_at >= ?", window.from()).andIf(window.to(), "started_at < ?")
                .andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        Sql.Where open = new Sql.Where().and("ended_at is null").andIf(location, "location = ?").andIf(machineId, "machine_id = ?");
        List<Object> args = new ArrayList<>(started.args);
        args.addAll(open.args);
        String columns = "select id, machine_id, location, product, started_at, ended_at from stockout_episodes";
        List<Map<String, Object>> episodes = sql.list(columns + started + " union " + columns + open
                + " order by started_at desc, id desc", args, rs -> {
                    Instant start = Json.instant(rs, "started_at");
                    Instant end = Json.instant(rs, "ended_at");
                    Instant until = end == null ? (now.isAfter(start) ? now : start) : end;
                    String machine = rs.getString("machine_id");
                    String product = rs.getString("product");
                    double lost = model.expected(machine, product, start, until);
                    BigDecimal price = model.price(machine, product);
                    return Json.object(
                            "machineId", machine,
                            "location", rs.getString("location"),
                            "product", product,
                            "startedAt", Json.time(start),
                            "endedAt", Json.time(end),
                            "open", end == null,
                            "durationMinutes", Duration.between(start, until).toMinutes(),
                            "estimatedLostUnits", RestockQueries.round1(lost),
                            "estimatedLostRevenue", Json.money(BigDecimal.valueOf(price == null ? 0 : lost * price.doubleValue())));
                });
        Map<String, Object[]> perLocation = new TreeMap<>();
        for (Map<String, Object> e : episodes) {
            Object[] t = perLocation.computeIfAbsent((String) e.get("location"),
                    k -> new Object[] {0L, 0L, 0L, BigDecimal.ZERO, BigDecimal.ZERO});
            t[0] = (Long) t[0] + 1;
            t[1] = (Long) t[1] + (Boolean.TRUE.equals(e.get("open")) ? 1 : 0);
            t[2] = (Long) t[2] + (Long) e.get("durationMinutes");
            t[3] = ((BigDecimal) t[3]).add((BigDecimal) e.get("estimatedLostUnits"));
            t[4] = ((BigDecimal) t[4]).add((BigDecimal) e.get("estimatedLostRevenue"));
        }
        List<Map<String, Object>> totals = new ArrayList<>();
        perLocation.forEach((loc, t) -> totals.add(Json.object("location", loc, "episodes", t[0], "open", t[1],
                "durationMinutes", t[2], "estimatedLostUnits", t[3], "estimatedLostRevenue", Json.money((BigDecimal) t[4]))));
        return Json.object("from", window.fromText(), "to", window.toText(), "asOf", Json.time(now),
                "episodes", episodes.size(), "returned", Math.min(limit, episodes.size()),
                "stockouts", episodes.subList(0, Math.min(limit, episodes.size())), "totals", totals);
    }
}

package io.vendstream.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.queries.Sql;
import io.vendstream.restock.DemandForecast;

/**
 * The condition of the low-stock alert rule: the slots the restock planning forecast
 * ({@link DemandForecast}, the same projection as {@code /api/restock/plan}) expects to run out
 * within {@code hours}. A slot whose alert is already open stays in until the projection is beyond
 * {@code resolveHours}, so a slot selling a little slower than forecast does not flap at the
 * horizon. Slots at 0 are the stock-out rule's. Rows have the columns every alert rule returns
 * (routes/alert-rules/*.sql).
 */
public final class LowStockProjection {

    private final Sql sql;
    private final DemandForecast forecast;
    private final double safety;
    private final Duration horizon;
    private final Duration resolveHorizon;

    public LowStockProjection(DataSource dataSource, DemandForecast forecast, double safety, int hours, int resolveHours) {
        this.sql = new Sql(dataSource);
        this.forecast = forecast;
        this.safety = safety;
        this.horizon = Duration.ofHours(hours);
        this.resolveHorizon = Duration.ofHours(Math.max(hours, resolveHours));
    }

    public List<Map<String, Object>> lowStock() {
        DemandForecast.Model model = forecast.model();
        Instant now = forecast.clock().instant();
        Set<List<String>> open = new HashSet<>(sql.list(
                "select machine_id, product from alerts where rule = 'low-stock' and resolved_at is null", List.of(),
                rs -> List.of(rs.getString("machine_id"), rs.getString("product"))));
        List<Map<String, Object>> low = new ArrayList<>();
        sql.list("select machine_id, product, location, quantity, capacity from stock where quantity > 0", List.of(), rs -> {
            String machineId = rs.getString("machine_id");
            String product = rs.getString("product");
            int quantity = rs.getInt("quantity");
            Duration within = open.contains(List.of(machineId, product)) ? resolveHorizon : horizon;
            Instant out = model.stockOut(machineId, product, quantity, now, now.plus(within), safety);
            if (out != null) {
                long hours = Math.max(0, Math.round(Duration.between(now, out).toMinutes() / 60.0));
                low.add(Json.object(
                        "machine_id", machineId,
                        "product", product,
                        "location", rs.getString("location"),
                        "severity", "warning",
                        "summary", product + " in " + machineId + " (" + rs.getString("location") + ") runs out in about " + hours + " h",
                        "details", Json.object(
                                "quantity", quantity,
                                "capacity", rs.getInt("capacity"),
                                "unitsPerDay", Math.round(model.unitsPerDay(machineId, product) * 10) / 10.0,
                                "projectedStockOutAt", Json.time(out),
                                "horizonHours", horizon.toHours())));
            }
            return null;
        });
        return low;
    }
}

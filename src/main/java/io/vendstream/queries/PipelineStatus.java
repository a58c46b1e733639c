package io.vendstream.queries;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.ops.ConsumerLag.PartitionOffsets;
import io.vendstream.ops.ConsumerLag;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;

/**
 * {@code /api/pipeline}: is the pipeline keeping up and reconciling? The ingest's own counters
 * per partition (consumed = stored + duplicates + rejected), the consumer group's lag, and the
 * state of every route in this instance.
 */
public final class PipelineStatus {

    private final Sql sql;
    private final AnswerCache answers;
    private final java.time.Duration latencyWindow;

    public PipelineStatus(QueryContext context) {
        this.sql = new Sql(context.dataSource());
        this.answers = context.answers();
        this.latencyWindow = context.latencyWindow();
    }

    public Map<String, Object> pipeline(CamelContext camel) {
        return answers.get("pipeline", () -> answer(camel));
    }

    private Map<String, Object> answer(CamelContext camel) {
        // bound by ops.Observability, which reads lag for the metrics too
        ConsumerLag lag = camel.getRegistry().lookupByNameAndType("consumerLag", ConsumerLag.class);
        if (lag == null) {
            throw new IllegalStateException("no consumerLag bean: ops.Observability is not registered");
        }
        Map<String, Object> events = topic(lag);
        // the payment processor's topic, when payments are on (its own consumer group)
        ConsumerLag paymentsLag = camel.getRegistry().lookupByNameAndType("paymentsLag", ConsumerLag.class);
        Map<String, Object> payments = paymentsLag == null ? null : topic(paymentsLag);

        List<Map<String, Object>> routes = new ArrayList<>();
        for (Route route : camel.getRoutes()) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
            routes.add(Json.object(
                    "id", route.getRouteId(),
                    "status", status == null ? "Unknown" : status.name(),
                    "uptimeMillis", route.getUptimeMillis(),
                    "description", route.getDescription()));
        }
        routes.sort(Comparator.comparing(r -> (String) r.get("id")));

        Map<String, Object> latency = LatencyHistogram.read(sql, java.time.Instant.now(), latencyWindow);
        Map<String, Object> answer = new LinkedHashMap<>(events);
        answer.put("latency", latency.get("latency"));
        answer.put("deviceDelay", latency.get("deviceDelay"));
        answer.put("payments", payments);
        answer.put("routes", routes);
        return answer;
    }

    /** One ingested topic: the store's counters per partition and in total, and its consumer group's lag. */
    private Map<String, Object> topic(ConsumerLag lag) {
        Map<Integer, Map<String, Object>> partitions = new LinkedHashMap<>();
        long[] totals = new long[4];
        sql.list("select partition, next_offset, consumed, stored, duplicates, rejected, updated_at from ingest_partitions "
                + "where topic = ? order by partition", List.of(lag.topic()), rs -> {
                    long[] row = {rs.getLong("consumed"), rs.getLong("stored"), rs.getLong("duplicates"), rs.getLong("rejected")};
                    for (int i = 0; i < 4; i++) {
                        totals[i] += row[i];
                    }
                    return partitions.put(rs.getInt("partition"), Json.object(
                            "partition", rs.getInt("partition"),
                            "consumed", row[0], "stored", row[1], "duplicates", row[2], "rejected", row[3],
                            "nextOffset", rs.getLong("next_offset"),
                            "updatedAt", Json.time(rs, "updated_at")));
                });

        ConsumerLag.Snapshot offsets = lag.snapshot();
        Long totalLag = offsets.error() == null ? 0L : null;
        for (PartitionOffsets p : offsets.partitions().values()) {
            Map<String, Object> row = partitions.computeIfAbsent(p.partition(), n -> Json.object("partition", n,
                    "consumed", 0L, "stored", 0L, "duplicates", 0L, "rejected", 0L, "nextOffset", null, "updatedAt", null));
            row.put("endOffset", p.end());
            row.put("committedOffset", p.committed());
            row.put("lag", p.lag());
            totalLag = totalLag == null ? null : totalLag + p.lag();
        }
        List<Map<String, Object>> partitionRows = new ArrayList<>(partitions.values());
        partitionRows.sort(Comparator.comparingInt(r -> (Integer) r.get("partition")));
        return Json.object(
                "topic", lag.topic(),
                "group", lag.group(),
                "consumed", totals[0],
                "stored", totals[1],
                "duplicates", totals[2],
                "rejected", totals[3],
                "reconciled", totals[0] == totals[1] + totals[2] + totals[3],
                "lag", totalLag,
                "lagCheckedAt", Json.time(offsets.checkedAt()),
                "lagError", offsets.error(),
                "partitions", partitionRows);
    }
}

package io.vendstream.queries;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/**
 * Percentiles from the non-cumulative latency histogram the ingest keeps per minute
 * ({@code latency_minute}). Like Prometheus' histogram_quantile: linear interpolation inside
 * the bucket that holds the rank; a rank in the +Inf bucket (le_ms = -1) reports the highest
 * finite bound, since nothing more precise is known.
 */
final class LatencyHistogram {

    static final int INFINITY = -1;
    /** The highest finite bucket bound ingest writes (ingest/Projections): a rank beyond it reports this. */
    static final int HIGHEST_FINITE_MS = 60_000;

    private final TreeMap<Integer, Long> finite = new TreeMap<>();
    private long overflow;
    private long total;

    void add(int leMs, long count) {
        if (leMs == INFINITY) {
            overflow += count;
        } else {
            finite.merge(leMs, count, Long::sum);
        }
        total += count;
    }

    long count() {
        return total;
    }

    /** The q-quantile (0 &lt; q &lt; 1) in milliseconds with one decimal, or null without samples. */
    BigDecimal quantile(double q) {
        if (total == 0) {
            return null;
        }
        double rank = q * total;
        long below = 0;
        int lower = 0;
        for (Map.Entry<Integer, Long> bucket : finite.entrySet()) {
            long inBucket = bucket.getValue();
            if (inBucket > 0 && below + inBucket >= rank) {
                double fraction = (rank - below) / inBucket;
                return round(lower + (bucket.getKey() - lower) * fraction);
            }
            below += inBucket;
            lower = bucket.getKey();
        }
        return round(Math.max(HIGHEST_FINITE_MS, finite.isEmpty() ? 0 : finite.lastKey()));
    }

    /**
     * The two figures of the last {@code window}: {@code latency}, the pipeline's (received, the
     * Kafka record's timestamp, to committed), and {@code deviceDelay} (occurredAt to received).
     */
    static Map<String, Object> read(Sql sql, java.time.Instant now, java.time.Duration window) {
        LatencyHistogram latency = new LatencyHistogram();
        LatencyHistogram deviceDelay = new LatencyHistogram();
        sql.list("select stage, le_ms, sum(count) as n from latency_minute where minute >= ? group by stage, le_ms",
                java.util.List.of(now.minus(window)), rs -> {
                    ("device".equals(rs.getString("stage")) ? deviceDelay : latency).add(rs.getInt("le_ms"), rs.getLong("n"));
                    return null;
                });
        return io.vendstream.http.Json.object("latency", latency.figures(window), "deviceDelay", deviceDelay.figures(window));
    }

    /** The answer's form: window, samples, p50, p95 and p99 in milliseconds. */
    Map<String, Object> figures(java.time.Duration window) {
        return io.vendstream.http.Json.object(
                "windowMinutes", window.toMinutes(),
                "samples", count(),
                "p50Ms", quantile(0.50),
                "p95Ms", quantile(0.95),
                "p99Ms", quantile(0.99));
    }

    private static BigDecimal round(double ms) {
        return BigDecimal.valueOf(ms).setScale(1, RoundingMode.HALF_UP);
    }
}

package io.vendstream.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vendstream.config.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vendstream_* business metrics in the Prometheus scrape. They are read from PostgreSQL and
 * Kafka, not counted in this JVM, so every instance reports the same totals and nothing resets
 * on restart. A scrape reuses the last reading while it is younger than {@code refreshMillis},
 * so a burst of scrapes costs the database one set of queries; when a source cannot be read the
 * last figures stay and {@code vendstream_metrics_source_up} drops to 0.
 */
public final class BusinessMetrics implements MultiCollector {

    private static final Logger LOG = LoggerFactory.getLogger(BusinessMetrics.class);

    private final DataSource dataSource;
    private final ConsumerLag lag;
    private final int lowStockUnits;
    private final long refreshMillis;

    private long readAt = Long.MIN_VALUE;
    private BusinessFigures figures = new BusinessFigures(List.of(), List.of(), Map.of(), Map.of(), 0, 0, Map.of());
    private Map<Integer, Long> lagByPartition = Map.of();
    private boolean databaseUp;
    private boolean kafkaUp;

    public BusinessMetrics(DataSource dataSource, ConsumerLag lag, int lowStockUnits, long refreshMillis) {
        this.dataSource = dataSource;
        this.lag = lag;
        this.lowStockUnits = lowStockUnits;
        this.refreshMillis = refreshMillis;
    }

    @Override
    public MetricSnapshots collect() {
        return snapshots();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("vendstream_events_consumed", "vendstream_events_stored", "vendstream_events_duplicate",
                "vendstream_events_rejected", "vendstream_pipeline_latency_seconds", "vendstream_device_delay_seconds", "vendstream_consumer_lag",
                "vendstream_stock_alerts", "vendstream_metrics_source_up", "vendstream_sales_revenue");
    }

    private synchronized MetricSnapshots snapshots() {
        refreshIfStale();
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(counter("vendstream_events_consumed", "Events read from Kafka by the ingest route (all instances)",
                figures.topics().stream().map(t -> point(t.consumed(), "topic", t.topic())).toList()));
        out.add(counter("vendstream_events_stored", "Valid events stored for the first time",
                figures.topics().stream().map(t -> point(t.stored(), "topic", t.topic())).toList()));
        out.add(counter("vendstream_events_duplicate", "Events already stored before (same eventId), counted and skipped",
                figures.topics().stream().map(t -> point(t.duplicates(), "topic", t.topic())).toList()));
        out.add(counter("vendstream_events_rejected", "Events rejected to the dead letter, by reason",
                figures.rejections().stream().map(r -> point(r.count(), "topic", r.topic(), "reason", r.reason())).toList()));
        out.add(histogram("vendstream_pipeline_latency_seconds",
                "Pipeline latency of stored events, from the Kafka record's timestamp (received) to the ingest commit",
                figures.latencyBuckets()));
        out.add(histogram("vendstream_device_delay_seconds",
                "How late machines report: from an event's occurredAt to the Kafka record's timestamp (received)",
                figures.deviceDelayBuckets()));
        out.add(counter("vendstream_sales_revenue", "Revenue of the stored sales in the fleet's currency, by location",
                figures.revenueByLocation().entrySet().stream().map(e -> CounterDataPointSnapshot.builder()
                        .labels(Labels.of("location", e.getKey())).value(e.getValue()).build()).toList()));
        out.add(gauges(GaugeSnapshot.builder().name("vendstream_consumer_lag")
                        .help("Records in the events topic not yet committed by the ingest consumer group"),
                lagByPartition.entrySet().stream().map(e -> GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("topic", lag.topic(), "partition", String.valueOf(e.getKey())))
                        .value(e.getValue()).build()).toList()));
        out.add(GaugeSnapshot.builder().name("vendstream_stock_alerts")
                .help("Open stock alerts: product slots that are out (0 units) or low (at most "
                        + lowStockUnits + " units)")
                .dataPoint(gauge(figures.stockOuts(), "level", "out"))
                .dataPoint(gauge(figures.lowStock(), "level", "low"))
                .build());
        out.add(GaugeSnapshot.builder().name("vendstream_metrics_source_up")
                .help("1 when the last reading of the source for the vendstream_* metrics succeeded")
                .dataPoint(gauge(databaseUp ? 1 : 0, "source", "database"))
                .dataPoint(gauge(kafkaUp ? 1 : 0, "source", "kafka"))
                .build());
        return MetricSnapshots.of(out.toArray(MetricSnapshot[]::new));
    }

    private void refreshIfStale() {
        long now = System.nanoTime();
        if (readAt != Long.MIN_VALUE && now - readAt < refreshMillis * 1_000_000L) {
            return;
        }
        readAt = now;
        try {
            figures = BusinessFigures.read(dataSource, lowStockUnits);
            databaseUp = true;
        } catch (Exception e) {
            if (databaseUp) {
                LOG.warn("Business metrics keep their last values: the database cannot be read ({})", e.getMessage());
            }
            databaseUp = false;
        }
        try {
            lagByPartition = lag.read();
            kafkaUp = true;
        } catch (Exception e) {
            if (kafkaUp) {
                LOG.warn("Consumer lag keeps its last values: Kafka cannot be read ({})",
                        Failures.rootMessage(e));
            }
            kafkaUp = false;
        }
    }

    /** latency_minute holds non-cumulative counts per bucket; the exposition makes them cumulative. */
    private static HistogramSnapshot histogram(String name, String help, java.util.Map<Integer, Long> buckets) {
        int n = BusinessFigures.LATENCY_BOUNDS_MS.length;
        double[] bounds = new double[n];
        long[] counts = new long[n];
        for (int i = 0; i < n; i++) {
            int le = BusinessFigures.LATENCY_BOUNDS_MS[i];
            bounds[i] = le < 0 ? Double.POSITIVE_INFINITY : le / 1000.0;
            counts[i] = buckets.getOrDefault(le, 0L);
        }
        return HistogramSnapshot.builder().name(name).help(help)
                .dataPoint(HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).build())
                .build();
    }

    private static CounterSnapshot counter(String name, String help, List<CounterDataPointSnapshot> points) {
        CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
        points.forEach(builder::dataPoint);
        return builder.build();
    }

    private static GaugeSnapshot gauges(GaugeSnapshot.Builder builder, List<GaugeDataPointSnapshot> points) {
        points.forEach(builder::dataPoint);
        return builder.build();
    }

    private static CounterDataPointSnapshot point(long value, String... labels) {
        return CounterDataPointSnapshot.builder().labels(Labels.of(labels)).value(value).build();
    }

    private static GaugeDataPointSnapshot gauge(long value, String... labels) {
        return GaugeDataPointSnapshot.builder().labels(Labels.of(labels)).value(value).build();
    }
}

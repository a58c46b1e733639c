package io.vendstream.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.vendstream.support.PackagedApp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import static org.awaitility.Awaitility.await;

/**
 * Ingest throughput: N events (with duplicates and invalid ones) are published to a fresh topic
 * first, then the packaged application drains them; then the raw baseline drains the same topic
 * into a fresh schema. Both are timed the same way, from the start of their first database
 * transaction to the start of their last ({@code min/max(ingested_at)}, which PostgreSQL sets to
 * the transaction start), so JVM start-up, Flyway and the consumer-group join are left out of
 * both; wall-clock times including start-up are reported beside them.
 */
final class IngestScenario {

    /** What the scenario measured, plus both fingerprints for the correctness check. */
    record Outcome(Map<String, Object> figures, Map<String, String> app, Map<String, String> baseline,
                   CampusEvents.Expected expected, long appSales, long baselineSales) {

        /** The application's rate into empty tables (the growth scenario compares with it). */
        long appEventsPerSecond() {
            return ((Number) appFigures().get("eventsPerSecond")).longValue();
        }

        double appDrainSeconds() {
            return ((Number) appFigures().get("drainSeconds")).doubleValue();
        }

        /** WAL and buffer counters of the application's drain ({@link DrainCounters}), or null. */
        @SuppressWarnings("unchecked")
        Map<String, Object> appDrainCounters() {
            return (Map<String, Object>) appFigures().get("drainCounters");
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> appFigures() {
            return (Map<String, Object>) figures.get("app");
        }
    }

    private final BenchInfra infra;
    private final BenchParameters p;

    IngestScenario(BenchInfra infra, BenchParameters p) {
        this.infra = infra;
        this.p = p;
    }

    Outcome run(String runId) throws Exception {
        String id = "bench_ingest_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");
        String appSchema = id;
        String rawSchema = id + "_raw";
        infra.migrate(rawSchema);

        Map<String, Object> figures = new LinkedHashMap<>();
        CampusEvents events = new CampusEvents(42, p.duplicateShare(), p.invalidShare());
        double publishSeconds = publish(infra.bootstrapServers(), topic, events, p.events());
        figures.put("expected", events.expected().toMap());
        figures.put("publishSeconds", Percentiles.round(publishSeconds));
        figures.put("publishEventsPerSecond", Math.round(p.events() / publishSeconds));

        Map<String, Object> app = new LinkedHashMap<>();
        DrainCounters appCounters = DrainCounters.start(infra, appSchema);
        try (PackagedApp process = infra.startApp("ingest", appSchema, topic, id + "-ingest", true, p.appJvmOptions())) {
            await("the application to drain " + p.events() + " records").atMost(p.drainTimeout())
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the application exited during the ingest run");
                        }
                        return consumed(appSchema) >= p.events();
                    });
            app.put("wallSecondsIncludingStartup", Percentiles.round(process.uptimeSeconds()));
            app.put("peakRssMib", Percentiles.round(process.peakRssMib()));
            app.put("sampledMaxRssMib", Percentiles.round(process.sampledMaxRssMib()));
        }
        app.put("drainCounters", appCounters.stop());
        double appSpan = transactionSpan(appSchema);
        app.put("drainSeconds", Percentiles.round(appSpan));
        app.put("eventsPerSecond", Math.round(p.events() / appSpan));
        try (Connection c = infra.connect(appSchema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select coalesce(sum(consumed), 0), coalesce(sum(stored), 0), "
                     + "coalesce(sum(duplicates), 0), coalesce(sum(rejected), 0) from ingest_partitions")) {
            rs.next();
            app.put("consumed", rs.getLong(1));
            app.put("stored", rs.getLong(2));
            app.put("duplicates", rs.getLong(3));
            app.put("rejected", rs.getLong(4));
        }
        figures.put("app", app);

        RawBaseline baseline = new RawBaseline(infra, rawSchema, topic, id + "-raw", p.maxPollRecords(), ZoneId.of(p.timezone()));
        RawBaseline.Result raw = baseline.drain(p.events(), p.drainTimeout());
        double rawSpan = transactionSpan(rawSchema);
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("wallSecondsIncludingStartup", Percentiles.round(raw.wallSeconds()));
        base.put("drainSeconds", Percentiles.round(rawSpan));
        base.put("eventsPerSecond", Math.round(p.events() / rawSpan));
        base.put("consumed", raw.consumed());
        base.put("stored", raw.stored());
        base.put("duplicates", raw.duplicates());
        base.put("rejected", raw.rejected());
        figures.put("baseline", base);
        figures.put("ratio", Math.round(rawSpan / appSpan * 100) / 100.0);

        Map<String, String> appSet;
        Map<String, String> rawSet;
        long appSales;
        long rawSales;
        try (Connection a = infra.connect(appSchema); Connection r = infra.connect(rawSchema)) {
            appSet = StoredSet.of(a);
            rawSet = StoredSet.of(r);
            appSales = StoredSet.count(a, "sales");
            rawSales = StoredSet.count(r, "sales");
        }
        figures.put("sameStoredSet", appSet.equals(rawSet));
        figures.put("fingerprint", appSet);
        if (!appSet.equals(rawSet)) {
            figures.put("baselineFingerprint", rawSet);
        }
        return new Outcome(figures, appSet, rawSet, events.expected(), appSales, rawSales);
    }

    /** Publishes every record as fast as the broker takes them (acks=all, idempotent, batched). */
    static double publish(String bootstrapServers, String topic, CampusEvents events, int count) {
        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Instant first = Instant.now().minus(3, ChronoUnit.DAYS);
        long stepNanos = Duration.ofDays(3).minusMinutes(10).toNanos() / Math.max(1, count);
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "20",
                ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                CampusEvents.Draft d = events.next(first.plusNanos(stepNanos * i));
                producer.send(new ProducerRecord<>(topic, d.key(), d.value()), (md, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                        failure.set(e);
                    }
                });
            }
            producer.flush();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " records were not published", failure.get());
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private long consumed(String schema) throws SQLException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select coalesce(sum(consumed), 0) from ingest_partitions")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Seconds from the start of the first transaction that stored events to the start of the last. */
    private double transactionSpan(String schema) throws SQLException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select extract(epoch from max(t) - min(t)) from "
                     + "(select ingested_at t from sales union all select ingested_at from restocks) x")) {
            rs.next();
            return Math.max(0.001, rs.getDouble(1));
        }
    }
}

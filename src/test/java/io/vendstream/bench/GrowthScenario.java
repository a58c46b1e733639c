package io.vendstream.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vendstream.support.PackagedApp;

import static org.awaitility.Awaitility.await;

/**
 * Ingest once the tables hold years of history: does it slow down? A fresh schema (the product's
 * own migrations) is seeded with {@code bench.growth.sales} historical sales and everything years of
 * ingest leave beside them ({@link SalesSeeder} with {@link SalesSeeder.History#claims()}): each
 * sale claimed as ingest claims it (its primary key is the claim of its eventId, its source partition
 * and offset on a history topic are on the row, that topic's fences in {@code ingest_partitions}),
 * rollups, machines and stock, all dated in the three years
 * before the drained stream (which covers the last three days), then vacuumed, analyzed and
 * checkpointed so the drain does not pay for the seed. Then the ingest scenario's campus stream
 * (same generator and seed, {@code bench.growth.events} records) is published to a fresh topic
 * and the packaged application drains it into the seeded schema. The rate is timed as the ingest
 * scenario times it ({@code min/max(ingested_at)}), over the newly ingested rows only, and compared
 * with the empty-table rate of the same run: the ingest scenario's (the median application rate
 * over its rounds, with the WAL and buffer counters of its median round) when it ran with as many
 * events, else a drain of the same topic into an empty schema here first. WAL, full-page images,
 * checkpoints and buffer hits and reads of both drains, with the sizes of {@code sales} and
 * {@code restocks} (heap and each index) and {@code shared_buffers}, explain the difference.
 */
final class GrowthScenario {

    /** How far back the seeded history reaches. */
    static final int HISTORY_DAYS = 3 * 365;

    private final BenchInfra infra;
    private final BenchParameters p;

    GrowthScenario(BenchInfra infra, BenchParameters p) {
        this.infra = infra;
        this.p = p;
    }

    /** Runs the scenario; {@code ingest} is the ingest scenario's outcome of this run, or null when it did not run. */
    Map<String, Object> run(String runId, IngestScenario.Outcome ingest) throws Exception {
        String id = "bench_growth_" + runId;
        String topic = id + ".events";
        String historyTopic = id + ".history";
        infra.createTopics(topic, topic + ".dlq");
        infra.migrate(id);
        Map<String, Object> figures = new LinkedHashMap<>();

        // the history ends a day before the drained stream begins (it covers the last three days), so no
        // rollup bucket, machine or stock slot of the stream is older than what the seed left
        Instant historyEnd = Instant.now().minus(4, ChronoUnit.DAYS);
        SalesSeeder.History history = new SalesSeeder.History(historyEnd, HISTORY_DAYS, true);
        double[] seconds = new SalesSeeder(infra, id, p.timezone()).seed(p.growthSales(), historyTopic, history).get(0);
        Map<String, Object> seed = new LinkedHashMap<>();
        seed.put("sales", p.growthSales());
        seed.put("historyDays", HISTORY_DAYS);
        seed.put("historyEnd", historyEnd.toString());
        seed.put("historyTopic", historyTopic);
        seed.put("copySeconds", Percentiles.round(seconds[0]));
        seed.put("indexSeconds", Percentiles.round(seconds[1]));
        seed.put("rollupSeconds", Percentiles.round(seconds[2]));
        long t0 = System.nanoTime();
        vacuumAnalyze(id);
        seed.put("vacuumAnalyzeSeconds", Percentiles.round((System.nanoTime() - t0) / 1e9));
        seed.put("checkpoint", checkpoint());
        OffsetDateTime seededAt;
        long seededSales;
        long seededWithSource;
        long seededClaims;
        try (Connection c = infra.connect(id); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
                rs.next();
                seededAt = rs.getObject(1, OffsetDateTime.class);
            }
            try (ResultSet rs = st.executeQuery("select count(*), count(source_offset) from sales")) {
                rs.next();
                seededSales = rs.getLong(1);
                seededWithSource = rs.getLong(2);
            }
            // the idempotency keys as the product lists them: the view of the sales and restocks stored
            seededClaims = StoredSet.count(c, "processed_events");
        }
        long[] historyTally = partitions(id, historyTopic);
        seed.put("storedSales", seededSales);
        seed.put("storedWithSourceOffset", seededWithSource);
        seed.put("storedClaims", seededClaims);
        // consumed and next offsets of the history topic: as many as there are seeded sales, offsets from 0 up
        seed.put("historyConsumed", historyTally[0]);
        seed.put("historyNextOffsets", historyTally[4]);
        figures.put("seed", seed);
        figures.put("sizesBeforeDrain", sizes(id));
        figures.put("sharedBuffers", setting("shared_buffers"));
        figures.put("sharedBuffersBytes", sizeSetting("shared_buffers"));
        figures.put("maxWalSize", setting("max_wal_size"));
        figures.put("checkpointTimeout", setting("checkpoint_timeout"));

        CampusEvents events = new CampusEvents(42, p.duplicateShare(), p.invalidShare());
        double publishSeconds = IngestScenario.publish(infra.bootstrapServers(), topic, events, p.growthEvents());
        CampusEvents.Expected expected = events.expected();
        figures.put("expected", expected.toMap());
        figures.put("publishSeconds", Percentiles.round(publishSeconds));

        Map<String, Object> empty;
        if (ingest != null && p.growthEvents() == p.events()) {
            empty = new LinkedHashMap<>();
            empty.put("source", "ingest scenario");
            empty.put("why", "same events, same run; median application rate over the ingest rounds");
            empty.put("events", p.events());
            empty.put("rounds", ingest.rounds().size());
            // the counters are those of the median round's application drain
            empty.put("countersRound", ingest.medianRound().number());
            empty.put("eventsPerSecond", ingest.appEventsPerSecond());
            empty.put("drainSeconds", ingest.appDrainSeconds());
            Map<String, Object> counters = ingest.appDrainCounters();
            if (counters != null) {
                empty.put("counters", counters);
                empty.put("walBytesPerEvent", perEvent(counters.get("walBytes"), p.events()));
            }
        } else {
            String emptySchema = id + "_empty";
            infra.migrate(emptySchema);
            checkpoint();
            empty = drain("growth-empty", emptySchema, topic, id + "-empty", OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
            empty.put("source", "own drain");
            empty.put("why", ingest == null ? "the ingest scenario did not run"
                    : "the ingest scenario drained a different number of events");
            try (Connection c = infra.connect(emptySchema)) {
                empty.put("storedSales", StoredSet.count(c, "sales"));
            }
        }
        figures.put("empty", empty);

        figures.put("checkpointBeforeDrain", checkpoint());
        Map<String, Object> grown = drain("growth", id, topic, id + "-grown", seededAt);
        figures.put("grown", grown);
        figures.put("sizesAfterDrain", sizes(id));
        long emptyRate = ((Number) empty.get("eventsPerSecond")).longValue();
        long grownRate = ((Number) grown.get("eventsPerSecond")).longValue();
        figures.put("ratio", Math.round((double) grownRate / Math.max(1, emptyRate) * 100) / 100.0);

        long storedSales;
        long storedClaims;
        long storedRestocks;
        try (Connection c = infra.connect(id)) {
            storedSales = StoredSet.count(c, "sales");
            storedClaims = StoredSet.count(c, "processed_events");
            storedRestocks = StoredSet.count(c, "restocks");
        }
        figures.put("seededSales", seededSales);
        figures.put("expectedSales", seededSales + expected.sales);
        figures.put("storedSales", storedSales);
        figures.put("expectedClaims", seededClaims + expected.sales + expected.restocks);
        figures.put("storedClaims", storedClaims);
        figures.put("storedRestocks", storedRestocks);
        figures.put("storedAsExpected", seededSales == p.growthSales() && seededClaims == seededSales
                && seededWithSource == seededSales && historyTally[0] == seededSales && historyTally[4] == seededSales
                && storedSales == seededSales + expected.sales
                && storedClaims == seededClaims + expected.sales + expected.restocks
                && storedRestocks == expected.restocks);
        return figures;
    }

    /** Drains {@code topic} into {@code schema} with a fresh consumer group and times the rows stored after {@code after}. */
    private Map<String, Object> drain(String name, String schema, String topic, String group, OffsetDateTime after)
            throws Exception {
        int count = p.growthEvents();
        Map<String, Object> d = new LinkedHashMap<>();
        DrainCounters counters = DrainCounters.start(infra, schema);
        // retention off, whatever the defaults become: the seeded history is years old and must neither be
        // purged during the drain nor make the stream's events look old (BEYOND_RETENTION refuses by age only)
        try (PackagedApp process = infra.startApp(name, schema, topic, group, true, p.appJvmOptions(),
                Map.of("VENDSTREAM_RETENTION_RAW_DAYS", "0", "VENDSTREAM_RETENTION_REJECTED_DAYS", "0"))) {
            await("the application to drain " + count + " records into " + schema).atMost(p.drainTimeout())
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the application exited during the growth run");
                        }
                        return partitions(schema, topic)[0] >= count;
                    });
            d.put("wallSecondsIncludingStartup", Percentiles.round(process.uptimeSeconds()));
            d.put("peakRssMib", Percentiles.round(process.peakRssMib()));
        }
        Map<String, Object> c = counters.stop();
        double span = span(schema, after);
        d.put("events", count);
        d.put("drainSeconds", Percentiles.round(span));
        d.put("eventsPerSecond", Math.round(count / span));
        long[] tally = partitions(schema, topic);
        d.put("consumed", tally[0]);
        d.put("stored", tally[1]);
        d.put("duplicates", tally[2]);
        d.put("rejected", tally[3]);
        d.put("counters", c);
        d.put("walBytesPerEvent", perEvent(c.get("walBytes"), count));
        return d;
    }

    private static Object perEvent(Object bytes, long events) {
        return bytes == null ? null : Math.round(((Number) bytes).doubleValue() / Math.max(1, events));
    }

    /**
     * consumed, stored, duplicates, rejected and the sum of the next offsets of {@code topic}'s
     * partitions (the drained topic, or the seeded history's, which is another).
     */
    private long[] partitions(String schema, String topic) throws SQLException {
        try (Connection c = infra.connect(schema); PreparedStatement st = c.prepareStatement(
                "select coalesce(sum(consumed), 0), coalesce(sum(stored), 0), coalesce(sum(duplicates), 0), "
                        + "coalesce(sum(rejected), 0), coalesce(sum(next_offset), 0) from ingest_partitions where topic = ?")) {
            st.setString(1, topic);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)};
            }
        }
    }

    /** Seconds from the first to the last transaction that stored events after {@code after}. */
    private double span(String schema, OffsetDateTime after) throws SQLException {
        try (Connection c = infra.connect(schema); PreparedStatement st = c.prepareStatement(
                "select extract(epoch from max(t) - min(t)) from (select ingested_at t from sales where ingested_at > ? "
                        + "union all select ingested_at from restocks where ingested_at > ?) x")) {
            st.setObject(1, after);
            st.setObject(2, after);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return Math.max(0.001, rs.getDouble(1));
            }
        }
    }

    /**
     * Sizes in bytes of the event tables, {@code sales} and {@code restocks} (heap, all indexes, and
     * each index), whose primary keys are the idempotent repository ({@code processed_events} is a
     * view of them and has no storage of its own).
     */
    private Map<String, Object> sizes(String schema) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        try (Connection c = infra.connect(schema)) {
            for (String table : DrainCounters.TABLES) {
                try (PreparedStatement st = c.prepareStatement(
                        "select pg_relation_size(?::regclass), pg_indexes_size(?::regclass)")) {
                    String name = "\"" + schema + "\"." + table;
                    st.setString(1, name);
                    st.setString(2, name);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        m.put(table + "Table", rs.getLong(1));
                        m.put(table + "Indexes", rs.getLong(2));
                    }
                }
            }
            Map<String, Object> indexes = new LinkedHashMap<>();
            try (PreparedStatement st = c.prepareStatement("select indexrelname, pg_relation_size(indexrelid) "
                    + "from pg_stat_user_indexes where schemaname = ? and relname = any (?) order by relname, indexrelname")) {
                st.setString(1, schema);
                st.setArray(2, c.createArrayOf("text", DrainCounters.TABLES.toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        indexes.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            m.put("indexes", indexes);
        }
        return m;
    }

    private void vacuumAnalyze(String schema) throws SQLException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            String tables;
            try (PreparedStatement ps = c.prepareStatement(
                    "select string_agg(format('%I.%I', schemaname, tablename), ', ') from pg_tables where schemaname = ?")) {
                ps.setString(1, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    tables = rs.getString(1);
                }
            }
            st.execute("vacuum (analyze) " + tables);
        }
    }

    /** A checkpoint, so what follows starts with no dirty buffers of earlier work; how long it took, or why not. */
    private String checkpoint() {
        long t0 = System.nanoTime();
        try (Connection c = infra.connect("public"); Statement st = c.createStatement()) {
            st.execute("checkpoint");
            return Percentiles.round((System.nanoTime() - t0) / 1e9) + " s";
        } catch (SQLException e) {
            return "not run: " + e.getMessage();
        }
    }

    private String setting(String name) throws SQLException {
        try (Connection c = infra.connect("public"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private long sizeSetting(String name) throws SQLException {
        try (Connection c = infra.connect("public"); PreparedStatement st = c.prepareStatement(
                "select pg_size_bytes(current_setting(?))")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}

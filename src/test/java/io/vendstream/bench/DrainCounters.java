package io.vendstream.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * What PostgreSQL did during one drain: the WAL it wrote ({@code pg_current_wal_lsn()} before and
 * after, so exact), the full-page images and records among it and the checkpoints that ran
 * ({@code pg_stat_wal}, {@code pg_stat_checkpointer}: cluster-wide, and the benchmark runs one thing
 * at a time), and the buffer hits and reads of the event tables, {@code sales} and {@code restocks},
 * of the drained schema ({@code pg_statio_user_tables}, heap and indexes apart; their primary keys
 * are the idempotent repository, and {@code processed_events} is a view of them, with no blocks of
 * its own). A read is a block that was not in {@code shared_buffers}: it came from the page cache or
 * the disk.
 */
final class DrainCounters {

    /** The relations measured: the event tables, which ingest claims eventIds in by inserting into them. */
    static final List<String> TABLES = List.of("sales", "restocks");

    private final BenchInfra infra;
    private final String schema;
    private final Map<String, Long> start;

    private DrainCounters(BenchInfra infra, String schema, Map<String, Long> start) {
        this.infra = infra;
        this.schema = schema;
        this.start = start;
    }

    /** Reads the counters now, before the drain of {@code schema} starts. */
    static DrainCounters start(BenchInfra infra, String schema) throws SQLException {
        return new DrainCounters(infra, schema, read(infra, schema));
    }

    /**
     * The differences since {@link #start}, once the application has stopped: the statistics of
     * its sessions reach the shared counters when they end, so the reading waits until two in a
     * row agree (at most a few seconds).
     */
    Map<String, Object> stop() throws SQLException {
        AtomicReference<Map<String, Long>> last = new AtomicReference<>(read(infra, schema));
        try {
            await("two readings of the statistics in a row to agree")
                    .pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> {
                        Map<String, Long> again = read(infra, schema);
                        return again.equals(last.getAndSet(again));
                    });
        } catch (ConditionTimeoutException stillMoving) {
            // as before: after a few seconds the latest reading stands
        }
        Map<String, Long> end = last.get();
        Map<String, Object> diff = new LinkedHashMap<>();
        // both positions are pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0'): their difference is the WAL written
        diff.put("walBytes", end.get("lsn") - start.get("lsn"));
        for (String key : end.keySet()) {
            if (!key.equals("lsn")) {
                // a table the application's own migration created during the drain started at 0
                diff.put(key, end.get(key) - start.getOrDefault(key, 0L));
            }
        }
        return diff;
    }

    private static Map<String, Long> read(BenchInfra infra, String schema) throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                rs.next();
                m.put("lsn", rs.getLong(1));
            }
            optional(st, "select wal_records, wal_fpi from pg_stat_wal", rs -> {
                m.put("walRecords", rs.getLong(1));
                m.put("walFullPageImages", rs.getLong(2));
            });
            // PostgreSQL 17 moved the checkpoint counters to their own view
            if (!optional(st, "select num_timed + num_requested from pg_stat_checkpointer",
                    rs -> m.put("checkpoints", rs.getLong(1)))) {
                optional(st, "select checkpoints_timed + checkpoints_req from pg_stat_bgwriter",
                        rs -> m.put("checkpoints", rs.getLong(1)));
            }
            try (PreparedStatement ps = c.prepareStatement("select relname, coalesce(heap_blks_hit, 0), "
                    + "coalesce(heap_blks_read, 0), coalesce(idx_blks_hit, 0), coalesce(idx_blks_read, 0) "
                    + "from pg_statio_user_tables where schemaname = ? and relname = any (?)")) {
                ps.setString(1, schema);
                ps.setArray(2, c.createArrayOf("text", TABLES.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String t = rs.getString(1);
                        m.put(t + "HeapHit", rs.getLong(2));
                        m.put(t + "HeapRead", rs.getLong(3));
                        m.put(t + "IndexHit", rs.getLong(4));
                        m.put(t + "IndexRead", rs.getLong(5));
                    }
                }
            }
        }
        return m;
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    /** Runs a query a server version may not have; false when it failed. */
    private static boolean optional(Statement st, String sql, Row row) {
        try (ResultSet rs = st.executeQuery(sql)) {
            if (rs.next()) {
                row.read(rs);
            }
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}

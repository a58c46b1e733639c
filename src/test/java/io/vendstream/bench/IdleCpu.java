package io.vendstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the application and its PostgreSQL server cost while nothing comes in: CPU time from
 * {@code /proc} over a window, as a share of one core. PostgreSQL's is the postmaster's own and its
 * reaped children's ({@code cutime}, {@code cstime}) plus every live child's (backends, checkpointer,
 * autovacuum), so a backend that ends within the window still counts.
 */
final class IdleCpu {

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private IdleCpu() {
    }

    static Map<String, Object> measure(long appPid, BenchInfra infra, String schema, Duration window) throws Exception {
        long postmaster = postmaster(infra, schema);
        long app0 = ticks(appPid, false);
        long pg0 = postgresTicks(postmaster);
        long start = System.nanoTime();
        Thread.sleep(window.toMillis());
        long app1 = ticks(appPid, false);
        long pg1 = postgresTicks(postmaster);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("seconds", Percentiles.round(seconds));
        double app = (app1 - app0) / (double) TICKS_PER_SECOND / seconds * 100;
        double pg = (pg1 - pg0) / (double) TICKS_PER_SECOND / seconds * 100;
        figures.put("applicationPercentOfCore", Percentiles.round(app));
        figures.put("postgresPercentOfCore", Percentiles.round(pg));
        figures.put("totalPercentOfCore", Percentiles.round(app + pg));
        return figures;
    }

    /** The PostgreSQL server's postmaster: the parent of a backend of ours. */
    private static long postmaster(BenchInfra infra, String schema) throws SQLException, IOException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return Long.parseLong(stat(rs.getLong(1)).get(1));
        }
    }

    private static long postgresTicks(long postmaster) throws IOException {
        long total = ticks(postmaster, true);
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    List<String> f = stat(Long.parseLong(p.getFileName().toString()));
                    if (Long.parseLong(f.get(1)) == postmaster) {
                        total += Long.parseLong(f.get(11)) + Long.parseLong(f.get(12));
                    }
                } catch (IOException | RuntimeException gone) {
                    // ended while listed
                }
            }
        }
        return total;
    }

    private static long ticks(long pid, boolean withReapedChildren) throws IOException {
        List<String> f = stat(pid);
        long t = Long.parseLong(f.get(11)) + Long.parseLong(f.get(12));
        return withReapedChildren ? t + Long.parseLong(f.get(13)) + Long.parseLong(f.get(14)) : t;
    }

    /** The fields of /proc/pid/stat after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime. */
    private static List<String> stat(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        return new ArrayList<>(List.of(s.substring(s.lastIndexOf(')') + 2).split(" ")));
    }
}

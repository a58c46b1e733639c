package io.vendstream.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.ingest.DirectIngest;
import io.vendstream.ingest.EventStore;
import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.IngestBatch;
import io.vendstream.ingest.SourceRecord;
import io.vendstream.support.Campus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where one batch's time goes: the benchmark's campus stream, cut into polls of
 * {@code bench.max-poll-records}, validated and stored by the product's own {@link EventValidator}
 * and {@link EventStore} on one thread against the benchmark database, with every statement timed
 * on its way to PostgreSQL (round trip included), and both statements of the last poll that do the
 * batch's work, the claim (the inserts into {@code sales} and {@code restocks}, whose primary keys
 * are the idempotent repository) and the writes (rollups, stock, machines, fences), also run as
 * {@code EXPLAIN (ANALYZE, BUFFERS, WAL)}, so PostgreSQL says which table and index cost what.
 * Validation is timed twice: the whole validator, and Jackson's parse alone.
 * {@code ./mvnw -Pbench verify -Dit.test=BatchProfileIT [-Dbench.profile.polls=100]}; the report goes
 * to stdout and {@code target/bench/batch-profile-<run>.txt}.
 */
@Tag("benchmark")
class BatchProfileIT {

    @Test
    void should_time_each_step_of_a_batch() throws Exception {
        int polls = Integer.getInteger("bench.profile.polls", 100);
        int pollSize = Integer.getInteger("bench.max-poll-records", 2000);
        BenchInfra infra = BenchInfra.fromSystemProperties();
        String runId = Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
        String schema = "bench_profile_" + runId;
        String topic = schema + ".events";
        infra.migrate(schema);

        CampusEvents events = new CampusEvents(42, 0.01, 0.01);
        int count = polls * pollSize;
        Instant first = Instant.now().minus(3, ChronoUnit.DAYS);
        long stepNanos = Duration.ofDays(3).minusMinutes(10).toNanos() / count;
        List<List<SourceRecord>> batches = new ArrayList<>();
        for (int b = 0; b < polls; b++) {
            List<SourceRecord> poll = new ArrayList<>(pollSize);
            for (int i = 0; i < pollSize; i++) {
                long n = (long) b * pollSize + i;
                CampusEvents.Draft d = events.next(first.plusNanos(stepNanos * n));
                poll.add(new SourceRecord(topic, (int) (n % 3), n / 3, d.key(), d.value(), null));
            }
            batches.add(poll);
        }

        EventValidator validator = EventValidator.configured(300, 65536, 0);
        ObjectMapper mapper = new ObjectMapper();
        Map<String, List<Double>> steps = new TreeMap<>();
        try (Connection real = infra.connect(schema)) {
            TimingDataSource timed = new TimingDataSource(real, steps);
            EventStore store = new EventStore(timed, Campus.TIME_ZONE);
            long parseNanos = 0;
            long validateNanos = 0;
            for (int b = 0; b < batches.size(); b++) {
                List<SourceRecord> poll = batches.get(b);
                long t0 = System.nanoTime();
                for (SourceRecord r : poll) {
                    try {
                        mapper.readTree(r.value());
                    } catch (java.io.IOException broken) {
                        // the stream's truncated records: the validator refuses them too
                    }
                }
                long t1 = System.nanoTime();
                IngestBatch batch = DirectIngest.batch(poll, validator, false);
                long t2 = System.nanoTime();
                // the first quarter warms the JIT compiler up and is not counted
                boolean counted = b >= polls / 4;
                if (counted) {
                    parseNanos += t1 - t0;
                    validateNanos += t2 - t1;
                }
                timed.counting(counted);
                timed.explainStatements(b == polls - 1);
                long s0 = System.nanoTime();
                store.store(batch);
                if (counted) {
                    steps.computeIfAbsent("store (whole transaction)", k -> new ArrayList<>()).add((System.nanoTime() - s0) / 1e6);
                }
            }
            int countedPolls = polls - polls / 4;
            StringBuilder report = new StringBuilder();
            report.append(String.format(java.util.Locale.ROOT, "BATCH PROFILE  %d polls of %d records (%d counted after warm-up), "
                    + "one thread, schema %s%n", polls, pollSize, countedPolls, schema));
            report.append(String.format(java.util.Locale.ROOT, "  %-34s %10s %10s %10s%n", "step", "mean ms", "p50 ms",
                    "µs/record"));
            report.append(row("Jackson parse only", parseNanos / 1e6 / countedPolls, Double.NaN, parseNanos / 1e3 / countedPolls / pollSize));
            report.append(row("validate (schema + rules + event)", validateNanos / 1e6 / countedPolls, Double.NaN,
                    validateNanos / 1e3 / countedPolls / pollSize));
            steps.forEach((step, ms) -> {
                double[] v = ms.stream().mapToDouble(Double::doubleValue).toArray();
                double mean = java.util.Arrays.stream(v).sum() / countedPolls;
                report.append(row(step, mean, new Percentiles(v).at(50), mean * 1000 / pollSize));
            });
            report.append("\nEXPLAIN (ANALYZE, BUFFERS, WAL) of the last poll's statements, each run in a savepoint "
                    + "rolled back before the statement itself ran (not timed above):\n").append(timed.plan());
            try (Statement st = real.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from sales")) {
                rs.next();
                assertThat(rs.getLong(1)).as("sales stored").isPositive();
            }
            System.out.println(report);
            Path out = Path.of(System.getProperty("vendstream.project.dir", "."), "target", "bench",
                    "batch-profile-" + runId + ".txt");
            Files.createDirectories(out.getParent());
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
                w.print(report);
            }
        }
    }

    private static String row(String step, double mean, double p50, double perRecordMicros) {
        return String.format(java.util.Locale.ROOT, "  %-34s %10.2f %10s %10.2f%n", step, mean,
                Double.isNaN(p50) ? "" : String.format(java.util.Locale.ROOT, "%.2f", p50), perRecordMicros);
    }

    static final String CLAIM = "claim = insert sales/restocks";
    static final String WRITES = "writes (rollups, stock, fences)";

    /**
     * What a statement does, from its text. The claim and the writes are both one statement of
     * CTEs: the claim's are {@code claimed_sales} and {@code claimed_restocks} (EventStore.claim),
     * the writes' are named after what they write ({@code write_machines}, {@code stock_input}, ...,
     * {@code write_fences}).
     */
    static String label(String sql) {
        String s = sql.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.startsWith("select partition")) {
            return "lock fences (select for update)";
        }
        if (s.startsWith("insert into ingest_partitions")) {
            return "new partitions";
        }
        if (s.startsWith("with claimed_")) {
            return CLAIM;
        }
        if (s.startsWith("insert into rejected_events")) {
            return "dead-letter rows";
        }
        if (s.startsWith("insert into rejected_counts")) {
            return "dead-letter counts";
        }
        if (s.startsWith("with ")) {
            return WRITES;
        }
        return s.length() > 34 ? s.substring(0, 34) : s;
    }

    /**
     * One connection, handed out again and again (never closed by the store), whose statements
     * are timed per label. While explaining, the claim and the writes first run as EXPLAIN ANALYZE
     * with the same parameters in a savepoint that is then rolled back, and then run themselves
     * (timed alone), so the store gets the claim's ids and stores what it would have.
     */
    private static final class TimingDataSource implements DataSource {
        private final Connection real;
        private final Map<String, List<Double>> steps;
        private boolean counting;
        private boolean explain;
        private final StringBuilder plan = new StringBuilder();

        TimingDataSource(Connection real, Map<String, List<Double>> steps) {
            this.real = real;
            this.steps = steps;
        }

        void counting(boolean on) {
            counting = on;
        }

        void explainStatements(boolean on) {
            explain = on;
        }

        String plan() {
            return plan.toString();
        }

        private void record(String label, long startedNanos) {
            if (counting) {
                steps.computeIfAbsent(label, k -> new ArrayList<>()).add((System.nanoTime() - startedNanos) / 1e6);
            }
        }

        @Override
        public Connection getConnection() {
            InvocationHandler h = (proxy, method, args) -> {
                switch (method.getName()) {
                    case "close":
                        return null;
                    case "commit": {
                        long t = System.nanoTime();
                        real.commit();
                        record("commit", t);
                        return null;
                    }
                    case "prepareStatement":
                        return statement((String) args[0]);
                    default:
                        return invoke(real, method, args);
                }
            };
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
        }

        private PreparedStatement statement(String sql) throws SQLException {
            PreparedStatement st = real.prepareStatement(sql);
            String label = label(sql);
            List<Object[]> binds = new ArrayList<>();
            InvocationHandler h = (proxy, method, args) -> {
                String name = method.getName();
                if (name.startsWith("set") && args != null && args.length == 2) {
                    binds.add(new Object[] {name, args[0], args[1]});
                }
                if (name.startsWith("execute")) {
                    if (explain && (label.equals(CLAIM) || label.equals(WRITES)) && args == null) {
                        explainFirst(label, sql, binds);
                    }
                    long t = System.nanoTime();
                    Object result = invoke(st, method, args);
                    record(label, t);
                    return result;
                }
                return invoke(st, method, args);
            };
            return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, h);
        }

        /** Runs the statement as EXPLAIN ANALYZE in a savepoint rolled back after, and appends its plan under its label. */
        private void explainFirst(String label, String sql, List<Object[]> binds) throws SQLException {
            plan.append("\n-- ").append(label).append('\n');
            java.sql.Savepoint before = real.setSavepoint();
            try (PreparedStatement ex = real.prepareStatement("explain (analyze, buffers, wal, timing) " + sql)) {
                for (Object[] b : binds) {
                    int index = (Integer) b[1];
                    switch ((String) b[0]) {
                        case "setArray" -> ex.setArray(index, (java.sql.Array) b[2]);
                        case "setString" -> ex.setString(index, (String) b[2]);
                        case "setInt" -> ex.setInt(index, (Integer) b[2]);
                        case "setLong" -> ex.setLong(index, (Long) b[2]);
                        default -> ex.setObject(index, b[2]);
                    }
                }
                try (ResultSet rs = ex.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            } finally {
                real.rollback(before);
            }
            real.releaseSavepoint(before);
        }

        private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        @Override
        public Connection getConnection(String username, String password) {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}

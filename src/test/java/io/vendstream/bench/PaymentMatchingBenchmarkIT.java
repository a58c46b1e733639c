package io.vendstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Does payment matching cost the same whatever the history? For each size in
 * {@code bench.payments.sizes} (default 1,000,000 and 10,000,000 stored payments), a fresh schema (the
 * product's migrations) is seeded with generate_series: half as many cashless sales with a
 * transactionRef, their authorization and settlement (the stored payments), and their matched
 * transactions, spread over three years, indexes built after the load, then vacuumed and analyzed.
 * Then {@code bench.payments.rounds} rounds each store {@code bench.payments.new-per-round} new
 * cashless vends with their authorization and settlement (three days old, so judged at once) and
 * queue their references, as ingest does, and run the two statements of route match-payments
 * (routes/payments/*.sql, their settings from application.properties) as the route runs them, timed;
 * the last round's are also run under {@code EXPLAIN (ANALYZE, BUFFERS)}. The report (median and
 * p95 per statement, buffers touched) goes to stdout and {@code target/bench/payment-matching-<run>.json}.
 * {@code ./mvnw -Pbench verify -Dit.test=PaymentMatchingBenchmarkIT}; figures in docs/performance.md.
 */
@Tag("benchmark")
class PaymentMatchingBenchmarkIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROPERTY = Pattern.compile(":#\\$\\{properties:([a-z0-9.-]+)}");

    @Test
    void should_match_new_payments_at_a_cost_that_does_not_grow_with_the_stored_history() throws Exception {
        long[] sizes = Arrays.stream(System.getProperty("bench.payments.sizes", "1000000,10000000").split(","))
                .mapToLong(s -> Long.parseLong(s.trim())).toArray();
        int rounds = Integer.getInteger("bench.payments.rounds", 30);
        int perRound = Integer.getInteger("bench.payments.new-per-round", 500);
        BenchInfra infra = BenchInfra.fromSystemProperties();
        String runId = Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
        Properties settings = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            settings.load(in);
        }
        Path routes = Path.of(System.getProperty("vendstream.project.dir", ".")).resolve("routes").resolve("payments");
        String fold = statement(routes.resolve("fold-payment-events.sql"), settings);
        String judge = statement(routes.resolve("judge-payment-transactions.sql"), settings);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("newPerRound", perRound);
        report.put("rounds", rounds);
        List<Map<String, Object>> results = new ArrayList<>();
        for (long size : sizes) {
            String schema = "bench_payments_" + runId + "_" + size;
            infra.migrate(schema);
            try (Connection c = infra.connect(schema)) {
                long seedStarted = System.nanoTime();
                seed(c, size);
                double seedSeconds = (System.nanoTime() - seedStarted) / 1e9;
                List<Double> foldMillis = new ArrayList<>();
                List<Double> judgeMillis = new ArrayList<>();
                long next = size;
                for (int r = 0; r < rounds; r++) {
                    arrive(c, next, perRound);
                    next += perRound;
                    foldMillis.add(timed(c, fold));
                    judgeMillis.add(timed(c, judge));
                }
                // the last round once more, explained: which pages the two statements touch
                arrive(c, next, perRound);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("storedPayments", BenchInfra.queryLong(c, "select count(*) from payments"));
                result.put("storedSales", BenchInfra.queryLong(c, "select count(*) from sales"));
                result.put("seedSeconds", Math.round(seedSeconds));
                result.put("foldMillisMedian", Percentiles.of(foldMillis).at(50));
                result.put("foldMillisP95", Percentiles.of(foldMillis).at(95));
                result.put("judgeMillisMedian", Percentiles.of(judgeMillis).at(50));
                result.put("judgeMillisP95", Percentiles.of(judgeMillis).at(95));
                result.put("foldBuffers", buffers(c, fold));
                result.put("judgeBuffers", buffers(c, judge));
                result.put("matchedInRounds", BenchInfra.queryLong(c, "select count(*) from payment_transactions where status = 'matched' "
                        + "and transaction_ref like 'N%'"));
                results.add(result);
                System.out.println("payment matching with " + size + " stored payments: " + result);
            }
            // ten million rows take gigabytes: kept only when asked for (-Dbench.payments.keep=true)
            if (!Boolean.getBoolean("bench.payments.keep")) {
                try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
                    st.execute("drop schema " + schema + " cascade");
                }
            }
        }
        report.put("results", results);
        Path out = Path.of("target", "bench", "payment-matching-" + runId + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        System.out.println("Payment matching benchmark: " + out.toAbsolutePath());

        Map<String, Object> small = results.get(0);
        Map<String, Object> large = results.get(results.size() - 1);
        assertThat((Long) large.get("matchedInRounds")).as("every round's transactions matched").isEqualTo((long) (rounds + 1) * perRound);
        // flat: ten times the history costs no more than twice the time, and about the same pages
        assertThat((Double) large.get("foldMillisMedian")).isLessThan(2 * (Double) small.get("foldMillisMedian") + 5);
        assertThat((Double) large.get("judgeMillisMedian")).isLessThan(2 * (Double) small.get("judgeMillisMedian") + 5);
        assertThat((Long) large.get("foldBuffers")).isLessThan(2 * (Long) small.get("foldBuffers"));
    }

    /** The route's SQL with its settings as literals (JDBC knows no Camel placeholders). */
    static String statement(Path file, Properties settings) throws IOException {
        String sql = Files.readString(file);
        Matcher m = PROPERTY.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = settings.getProperty(m.group(1));
            if (value == null) {
                throw new IllegalStateException(m.group(1) + " is not in application.properties");
            }
            m.appendReplacement(out, Matcher.quoteReplacement("'" + value.trim() + "'"));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * {@code size} stored payments: size/2 cashless sales with their authorization and settlement,
     * matched, over three years; indexes and keys built after the load.
     */
    private static void seed(Connection c, long size) throws SQLException {
        long refs = size / 2;
        try (Statement st = c.createStatement()) {
            List<String> rebuild = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select indexname, indexdef from pg_indexes where schemaname = current_schema() "
                    + "and tablename in ('sales', 'payments', 'payment_transactions') order by indexname")) {
                while (rs.next()) {
                    rebuild.add(rs.getString(2));
                }
            }
            st.execute("alter table payment_exceptions drop constraint payment_exceptions_transaction_ref_fkey");
            st.execute("alter table sales drop constraint sales_pkey");
            st.execute("alter table payments drop constraint payments_pkey");
            st.execute("alter table payment_transactions drop constraint payment_transactions_pkey");
            try (ResultSet rs = st.executeQuery("select string_agg(format('drop index %I', indexname), '; ') from pg_indexes "
                    + "where schemaname = current_schema() and tablename in ('sales', 'payments', 'payment_transactions')")) {
                rs.next();
                if (rs.getString(1) != null) {
                    st.execute(rs.getString(1));
                }
            }
            st.execute("insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, "
                    + "amount, payment_method, stock_after, occurred_at, source_partition, source_offset, transaction_ref) "
                    + "select md5('v' || i)::uuid, 'm-' || (i % 35), 'Hall ' || (i % 11), 'Aqua 600ml', 'drink', 8000, 'IDR', 1, 8000, "
                    + "'qris', null, now() - interval '3 years' + (i * interval '1 second' * (94608000.0 / " + refs + ")), "
                    + "(i % 3)::int, i, 'H' || i from generate_series(1, " + refs + ") i");
            st.execute("insert into payments (payment_event_id, kind, transaction_ref, machine_id, processor, payment_method, amount, "
                    + "currency, settlement_batch, occurred_at, source_partition, source_offset) "
                    + "select md5(k || i)::uuid, case k when 'a' then 'authorization' else 'settlement' end, 'H' || i, 'm-' || (i % 35), "
                    + "'qris-switch', 'qris', 8000, 'IDR', case k when 's' then 'batch' end, "
                    + "now() - interval '3 years' + (i * interval '1 second' * (94608000.0 / " + refs + ")) "
                    + "+ case k when 's' then interval '16 hours' else interval '0' end, (i % 3)::int, i "
                    + "from generate_series(1, " + refs + ") i, (values ('a'), ('s')) as kinds (k)");
            st.execute("insert into payment_transactions (transaction_ref, machine_id, processor, payment_method, currency, vend_event_id, "
                    + "vends, vend_at, vend_amount, authorizations, authorized_at, authorized_amount, authorized_total, settlements, "
                    + "settled_at, settled_total, settlement_batch, refunds, refunded_total, first_at, status, check_at, judged_at) "
                    + "select 'H' || i, 'm-' || (i % 35), 'qris-switch', 'qris', 'IDR', md5('v' || i)::uuid, 1, t, 8000, 1, t, 8000, "
                    + "8000, 1, t + interval '16 hours', 8000, 'batch', 0, 0, t, 'matched', null, t + interval '17 hours' "
                    + "from (select i, now() - interval '3 years' + (i * interval '1 second' * (94608000.0 / " + refs + ")) as t "
                    + "from generate_series(1, " + refs + ") i) s");
            for (String index : rebuild) {
                st.execute(index);
            }
            st.execute("alter table sales add constraint sales_pkey primary key using index sales_pkey");
            st.execute("alter table payments add constraint payments_pkey primary key using index payments_pkey");
            st.execute("alter table payment_transactions add constraint payment_transactions_pkey primary key "
                    + "using index payment_transactions_pkey");
            st.execute("alter table payment_exceptions add constraint payment_exceptions_transaction_ref_fkey "
                    + "foreign key (transaction_ref) references payment_transactions (transaction_ref)");
            st.execute("vacuum analyze sales");
            st.execute("vacuum analyze payments");
            st.execute("vacuum analyze payment_transactions");
        }
    }

    /** {@code n} new cashless vends with their authorization and settlement, three days old, queued as ingest queues them. */
    private static void arrive(Connection c, long first, int n) throws SQLException {
        String range = "generate_series(" + first + ", " + (first + n - 1) + ") i";
        String at = "now() - interval '3 days' + i * interval '1 millisecond'";
        try (Statement st = c.createStatement()) {
            st.execute("with s as (insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, "
                    + "amount, payment_method, occurred_at, source_partition, source_offset, transaction_ref) "
                    + "select md5('nv' || i)::uuid, 'm-' || (i % 35), 'Hall ' || (i % 11), 'Aqua 600ml', 'drink', 8000, 'IDR', 1, 8000, "
                    + "'qris', " + at + ", 0, i, 'N' || i from " + range + " returning transaction_ref) "
                    + "insert into payment_match_queue (transaction_ref) select transaction_ref from s");
            st.execute("with p as (insert into payments (payment_event_id, kind, transaction_ref, machine_id, processor, payment_method, "
                    + "amount, currency, occurred_at, source_partition, source_offset) "
                    + "select md5('n' || k || i)::uuid, case k when 'a' then 'authorization' else 'settlement' end, 'N' || i, "
                    + "'m-' || (i % 35), 'qris-switch', 'qris', 8000, 'IDR', " + at + " + case k when 's' then interval '16 hours' "
                    + "else interval '0' end, 0, i from " + range + ", (values ('a'), ('s')) as kinds (k) returning transaction_ref) "
                    + "insert into payment_match_queue (transaction_ref) select transaction_ref from p");
        }
    }

    private static double timed(Connection c, String sql) throws SQLException {
        long started = System.nanoTime();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
        }
        return Math.round((System.nanoTime() - started) / 1e4) / 100.0;
    }

    /** Shared buffers hit and read by the statement, as EXPLAIN (ANALYZE, BUFFERS) counts them (it runs it). */
    private static long buffers(Connection c, String sql) throws SQLException, IOException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("explain (analyze, buffers, format json) " + sql)) {
            rs.next();
            JsonNode plan = JSON.readTree(rs.getString(1)).get(0).get("Plan");
            return plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong();
        }
    }
}

package io.vendstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.postgresql.PGConnection;

/**
 * Seeds a schema with a long sales history as fast as PostgreSQL takes it: the sales rows by
 * {@code COPY} (two streams, indexes dropped first and rebuilt after, as any bulk load does),
 * then the rollups and current state computed from those rows with {@code insert ... select ...
 * group by}, in the campus time zone, so that the API reads tables consistent with the sales.
 * With {@link History#claims()} every sale also gets its idempotency key in {@code processed_events},
 * as the application would have stored it, so the history is what years of real ingest leave behind.
 */
final class SalesSeeder {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final int DAYS = 180;

    private final BenchInfra infra;
    private final String schema;
    private final String timezone;

    /**
     * Where the seeded sales lie in time: campus days from {@code days} before {@code end} up to
     * {@code end}; with {@code claims}, each sale also gets its {@code processed_events} row (same
     * event id, source partition and offset on the seeding topic) and an {@code ingested_at} a moment
     * after its {@code occurred_at}, as ingest would have left them.
     */
    record History(Instant end, int days, boolean claims) {

        /** The last 180 days up to now, sales only (the API scenario). */
        static History recent() {
            return new History(Instant.now(), DAYS, false);
        }
    }

    SalesSeeder(BenchInfra infra, String schema, String timezone) {
        this.infra = infra;
        this.schema = schema;
        this.timezone = timezone;
    }

    /** Seeds {@code sales} rows; returns the seconds taken per phase. */
    List<double[]> seed(long sales, String topic) throws Exception {
        return seed(sales, topic, History.recent());
    }

    /**
     * Seeds {@code sales} rows dated as {@code history} says; returns the seconds taken per phase:
     * COPY, indexes, rollups, and the idempotency keys (0 without claims).
     */
    List<double[]> seed(long sales, String topic, History history) throws Exception {
        List<double[]> phases = new ArrayList<>();
        long t0 = System.nanoTime();
        List<String> indexes = new ArrayList<>();
        try (Connection c = infra.connect(schema)) {
            try (PreparedStatement st = c.prepareStatement("select indexname, indexdef from pg_indexes "
                    + "where schemaname = ? and tablename = 'sales' and indexname <> 'sales_pkey'")) {
                st.setString(1, schema);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        indexes.add(rs.getString(2));
                        try (Statement drop = c.createStatement()) {
                            drop.execute("drop index \"" + schema + "\".\"" + rs.getString(1) + "\"");
                        }
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("alter table sales drop constraint sales_pkey");
                if (history.claims()) {
                    st.execute("alter table processed_events drop constraint processed_events_pkey");
                }
            }
        }
        int streams = 2;
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            List<Future<Long>> copies = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                long rows = sales / streams + (s == 0 ? sales % streams : 0);
                long seed = 1000 + s;
                copies.add(pool.submit(() -> copy(rows, seed, history)));
            }
            for (Future<Long> f : copies) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long t1 = System.nanoTime();
        if (history.claims()) {
            try (Connection c = infra.connect(schema)) {
                claims(c);
            }
        }
        long tClaims = System.nanoTime();
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            st.execute("set maintenance_work_mem = '256MB'");
            st.execute("alter table sales add primary key (event_id)");
            for (String index : indexes) {
                st.execute(index);
            }
            if (history.claims()) {
                st.execute("alter table processed_events add primary key (event_id)");
            }
        }
        long t2 = System.nanoTime();
        try (Connection c = infra.connect(schema)) {
            rollups(c, topic, sales, history);
        }
        long t3 = System.nanoTime();
        phases.add(new double[] {(t1 - t0) / 1e9, (t2 - tClaims) / 1e9, (t3 - t2) / 1e9, (tClaims - t1) / 1e9});
        return phases;
    }

    private long copy(long rows, long seed, History history) throws SQLException, IOException {
        try (Connection c = infra.connect(schema)) {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "copy sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                            + "payment_method, stock_after, occurred_at" + (history.claims() ? ", ingested_at" : "")
                            + ") from stdin",
                    new Rows(rows, seed, history), 1 << 16);
        }
    }

    /**
     * One idempotency key per stored sale, as ingest claims them: same event id, type 'sale', the
     * partition its machine's key maps to (3 partitions, as the product creates them) and offsets in
     * the order the sales were ingested, stored when the sale was.
     */
    private static void claims(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("set work_mem = '256MB'");
            st.executeUpdate("insert into processed_events (event_id, event_type, source_partition, source_offset, stored_at) "
                    + "select event_id, 'sale', partition, row_number() over (partition by partition order by ingested_at) - 1, "
                    + "ingested_at from (select event_id, ingested_at, abs(hashtext(machine_id)) % 3 as partition from sales) s");
        }
    }

    private void rollups(Connection c, String topic, long sales, History history) throws SQLException {
        String[] statements = {
                "insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) "
                        + "select date_trunc('hour', occurred_at at time zone ?::text) at time zone ?::text, machine_id, "
                        + "min(location), count(*), sum(quantity), sum(amount) from sales group by 1, 2",
                "insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) "
                        + "select (occurred_at at time zone ?::text)::date, machine_id, product, min(location), min(category), "
                        + "count(*), sum(quantity), sum(amount) from sales group by 1, 2, 3",
                "insert into sales_daily_payment (day, machine_id, payment_method, location, sales_count, revenue) "
                        + "select (occurred_at at time zone ?::text)::date, machine_id, payment_method, min(location), "
                        + "count(*), sum(amount) from sales group by 1, 2, 3",
        };
        for (String sql : statements) {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                for (int i = 1; i <= st.getParameterMetaData().getParameterCount(); i++) {
                    st.setString(i, timezone);
                }
                st.executeUpdate();
            }
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate("insert into machines (machine_id, location, first_seen, last_seen, last_sale_at) "
                    + "select machine_id, min(location), min(occurred_at), max(occurred_at), max(occurred_at) "
                    + "from sales group by machine_id");
            // current levels: a few slots empty or low, as on a real campus before the restock round
            if (history.claims()) {
                // as of the slot's last sale: events newer than the history always apply their stockAfter
                st.executeUpdate("insert into stock (machine_id, product, location, category, quantity, capacity, as_of) "
                        + "select machine_id, product, min(location), min(category), abs(hashtext(machine_id || product)) % 13, "
                        + "12, max(occurred_at) from sales group by machine_id, product");
            } else {
                st.executeUpdate("insert into stock (machine_id, product, location, category, quantity, capacity, as_of) "
                        + "select machine_id, product, min(location), min(category), abs(hashtext(machine_id || product)) % 13, "
                        + "12, max(day)::timestamptz from sales_daily_product group by machine_id, product");
            }
            // a stock-out history as long as the sales history: about one slot-day in four had an episode of
            // half an hour to five hours (the stock rows above opened the current ones)
            st.executeUpdate("insert into stockout_episodes (machine_id, product, location, started_at, ended_at) "
                    + "select machine_id, product, location, t, t + (30 + abs(hashtext(product || day)) % 270) * interval '1 minute' "
                    + "from (select machine_id, product, location, day, day::timestamptz + (8 + abs(hashtext(machine_id || day)) % 10) "
                    + "* interval '1 hour' as t from sales_daily_product where abs(hashtext(machine_id || product || day)) % 4 = 0 "
                    + "and day < current_date) e");
        }
        try (PreparedStatement st = c.prepareStatement("insert into rejected_events (source_topic, source_partition, "
                + "source_offset, reason, detail, payload, payload_size, rejected_at) select 'seed', g % 3, g, "
                + "(array['MALFORMED_JSON','SCHEMA_VIOLATION','FUTURE_TIMESTAMP'])[1 + g % 3], 'seeded rejection', "
                + "convert_to('{\"broken\":' || g, 'UTF8'), 12, ?::timestamptz - g * interval '1 minute' "
                + "from generate_series(1, 1000) g")) {
            st.setString(1, history.end().toString());
            st.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate("insert into rejected_counts (topic, partition, reason, count) select source_topic, "
                    + "source_partition, reason, count(*) from rejected_events group by 1, 2, 3");
        }
        if (history.claims()) {
            // the fences and counters where the claims' offsets leave them
            try (PreparedStatement st = c.prepareStatement("insert into ingest_partitions (topic, partition, next_offset, "
                    + "consumed, stored, duplicates, rejected) select ?, source_partition, max(source_offset) + 1, count(*), "
                    + "count(*), 0, 0 from processed_events group by source_partition")) {
                st.setString(1, topic);
                st.executeUpdate();
            }
            // no analyze here: the growth scenario vacuums and analyzes its own schema after seeding
            return;
        }
        try (PreparedStatement st = c.prepareStatement("insert into ingest_partitions (topic, partition, next_offset, "
                + "consumed, stored, duplicates, rejected) values (?, ?, 0, ?, ?, 0, 0)")) {
            for (int partition = 0; partition < 3; partition++) {
                long share = sales / 3 + (partition == 0 ? sales % 3 : 0);
                st.setString(1, topic);
                st.setInt(2, partition);
                st.setLong(3, share);
                st.setLong(4, share);
                st.addBatch();
            }
            st.executeBatch();
        }
        try (Statement st = c.createStatement()) {
            st.execute("analyze");
        }
    }

    /** Sales rows in COPY text format, generated as PostgreSQL reads them. */
    private static final class Rows extends InputStream {
        private final SplittableRandom random;
        private final long rows;
        private final long nowSeconds;
        private final int days;
        private final boolean ingestedAt;
        private final String[] machineIds = new String[CampusEvents.MACHINES];
        private final String[] locations = new String[CampusEvents.MACHINES];
        private long produced;
        private byte[] chunk = new byte[0];
        private int position;

        Rows(long rows, long seed, History history) {
            this.rows = rows;
            this.nowSeconds = history.end().truncatedTo(ChronoUnit.SECONDS).getEpochSecond();
            this.days = history.days();
            this.ingestedAt = history.claims();
            this.random = new SplittableRandom(seed);
            CampusEvents fleet = new CampusEvents(seed, 0, 0);
            for (int m = 0; m < machineIds.length; m++) {
                machineIds[m] = fleet.machineId(m);
                locations[m] = fleet.location(m);
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= chunk.length && !refill()) {
                return -1;
            }
            int n = Math.min(len, chunk.length - position);
            System.arraycopy(chunk, position, b, off, n);
            position += n;
            return n;
        }

        private boolean refill() {
            if (produced >= rows) {
                return false;
            }
            StringBuilder s = new StringBuilder(256 * 1024);
            for (int i = 0; i < 1000 && produced < rows; i++, produced++) {
                int m = random.nextInt(machineIds.length);
                CampusEvents.Product p = CampusEvents.PRODUCTS[random.nextInt(CampusEvents.PRODUCTS.length)];
                int quantity = random.nextInt(10) == 0 ? 2 : 1;
                // busy between 07:00 and 21:00 campus time (UTC+7), quiet at night
                long day = random.nextInt(days);
                int hour = random.nextInt(4) == 0 ? random.nextInt(24) : 7 + random.nextInt(14);
                long at = nowSeconds - day * 86_400 - ((nowSeconds + 7 * 3600) % 86_400) + hour * 3600L
                        + random.nextInt(3600);
                if (at > nowSeconds) {
                    at -= 86_400;
                }
                s.append(new UUID(random.nextLong() & 0xffffffffffff0fffL | 0x4000L,
                                random.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)).append('\t')
                        .append(machineIds[m]).append('\t').append(locations[m]).append('\t')
                        .append(p.name()).append('\t').append(p.category()).append('\t')
                        .append(p.price().toPlainString()).append("\tIDR\t").append(quantity).append('\t')
                        .append(p.price().multiply(java.math.BigDecimal.valueOf(quantity)).toPlainString()).append('\t')
                        .append(CampusEvents.PAYMENTS[random.nextInt(CampusEvents.PAYMENTS.length)]).append('\t')
                        .append(random.nextInt(12)).append('\t')
                        .append(TIMESTAMP.format(LocalDateTime.ofEpochSecond(at, random.nextInt(1_000_000) * 1000,
                                ZoneOffset.UTC))).append("+00");
                if (ingestedAt) {
                    // stored a moment after it happened, as ingest keeps up with the fleet
                    s.append('\t').append(TIMESTAMP.format(LocalDateTime.ofEpochSecond(at + 1 + random.nextInt(3),
                            random.nextInt(1_000_000) * 1000, ZoneOffset.UTC))).append("+00");
                }
                s.append('\n');
            }
            chunk = s.toString().getBytes(StandardCharsets.UTF_8);
            position = 0;
            return true;
        }
    }
}

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
 */
final class SalesSeeder {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final int DAYS = 180;

    private final BenchInfra infra;
    private final String schema;
    private final String timezone;

    SalesSeeder(BenchInfra infra, String schema, String timezone) {
        this.infra = infra;
        this.schema = schema;
        this.timezone = timezone;
    }

    /** Seeds {@code sales} rows; returns the seconds taken per phase. */
    List<double[]> seed(long sales, String topic) throws Exception {
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
            }
        }
        int streams = 2;
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            List<Future<Long>> copies = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                long rows = sales / streams + (s == 0 ? sales % streams : 0);
                long seed = 1000 + s;
                copies.add(pool.submit(() -> copy(rows, seed)));
            }
            for (Future<Long> f : copies) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long t1 = System.nanoTime();
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            st.execute("set maintenance_work_mem = '256MB'");
            st.execute("alter table sales add primary key (event_id)");
            for (String index : indexes) {
                st.execute(index);
            }
        }
        long t2 = System.nanoTime();
        try (Connection c = infra.connect(schema)) {
            rollups(c, topic, sales);
        }
        long t3 = System.nanoTime();
        phases.add(new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9});
        return phases;
    }

    private long copy(long rows, long seed) throws SQLException, IOException {
        try (Connection c = infra.connect(schema)) {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "copy sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                            + "payment_method, stock_after, occurred_at) from stdin",
                    new Rows(rows, seed), 1 << 16);
        }
    }

    private void rollups(Connection c, String topic, long sales) throws SQLException {
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
            st.executeUpdate("insert into stock (machine_id, product, location, category, quantity, capacity, as_of) "
                    + "select machine_id, product, min(location), min(category), abs(hashtext(machine_id || product)) % 13, "
                    + "12, max(day)::timestamptz from sales_daily_product group by machine_id, product");
            // a stock-out history as long as the sales history: about one slot-day in four had an episode of
            // half an hour to five hours (the stock rows above opened the current ones)
            st.executeUpdate("insert into stockout_episodes (machine_id, product, location, started_at, ended_at) "
                    + "select machine_id, product, location, t, t + (30 + abs(hashtext(product || day)) % 270) * interval '1 minute' "
                    + "from (select machine_id, product, location, day, day::timestamptz + (8 + abs(hashtext(machine_id || day)) % 10) "
                    + "* interval '1 hour' as t from sales_daily_product where abs(hashtext(machine_id || product || day)) % 4 = 0 "
                    + "and day < current_date) e");
            st.executeUpdate("insert into rejected_events (source_topic, source_partition, source_offset, reason, detail, "
                    + "payload, payload_size, rejected_at) select 'seed', g % 3, g, "
                    + "(array['MALFORMED_JSON','SCHEMA_VIOLATION','FUTURE_TIMESTAMP'])[1 + g % 3], 'seeded rejection', "
                    + "convert_to('{\"broken\":' || g, 'UTF8'), 12, now() - g * interval '1 minute' "
                    + "from generate_series(1, 1000) g");
            st.executeUpdate("insert into rejected_counts (topic, partition, reason, count) select source_topic, "
                    + "source_partition, reason, count(*) from rejected_events group by 1, 2, 3");
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
        private final long nowSeconds = Instant.now().truncatedTo(ChronoUnit.SECONDS).getEpochSecond();
        private final String[] machineIds = new String[CampusEvents.MACHINES];
        private final String[] locations = new String[CampusEvents.MACHINES];
        private long produced;
        private byte[] chunk = new byte[0];
        private int position;

        Rows(long rows, long seed) {
            this.rows = rows;
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
                long day = random.nextInt(DAYS);
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
                                ZoneOffset.UTC))).append("+00\n");
            }
            chunk = s.toString().getBytes(StandardCharsets.UTF_8);
            position = 0;
            return true;
        }
    }
}

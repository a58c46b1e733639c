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
 * {@code COPY} (two streams, or with claims one per source partition; indexes dropped first and
 * rebuilt after, as any bulk load does),
 * then the rollups and current state computed from those rows with {@code insert ... select ...
 * group by}, in the campus time zone, so that the API reads tables consistent with the sales.
 * With {@link History#claims()} every sale is also claimed as the application would have stored it
 * (its primary key is the claim of its eventId; its source partition and offset are on the row), so
 * the history is what years of real ingest leave behind.
 */
final class SalesSeeder {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final int DAYS = 180;
    /** Source partitions the product creates for a topic; a machine's events go to one of them by its key. */
    private static final int PARTITIONS = 3;

    private final BenchInfra infra;
    private final String schema;
    private final String timezone;

    /**
     * Where the seeded sales lie in time: campus days from {@code days} before {@code end} up to
     * {@code end}; with {@code claims}, each sale also gets its {@code source_partition} and
     * {@code source_offset} on the seeding topic and an {@code ingested_at} a moment after its
     * {@code occurred_at}, as ingest would have left them (the sale's primary key is its claim, and
     * the {@code processed_events} view lists it), with the topic's fences and counters.
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
     * COPY (with claims, the source partitions and offsets go in with the rows), indexes, rollups.
     */
    List<double[]> seed(long sales, String topic, History history) throws Exception {
        List<double[]> phases = new ArrayList<>();
        long t0 = System.nanoTime();
        List<String> indexes = new ArrayList<>();
        CampusEvents fleet = new CampusEvents(0, 0, 0);
        String[] machineIds = new String[CampusEvents.MACHINES];
        String[] locations = new String[CampusEvents.MACHINES];
        for (int m = 0; m < machineIds.length; m++) {
            machineIds[m] = fleet.machineId(m);
            locations[m] = fleet.location(m);
        }
        int[] partitionOf;
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
            partitionOf = history.claims() ? partitions(c, machineIds) : null;
        }
        // without claims: two streams over the whole fleet, rows in no particular order. With claims: one
        // stream per source partition, over the machines whose key maps to it, each writing its rows in the
        // order they were ingested, so the stream's row number is the offset on that partition
        List<Rows> streams = new ArrayList<>();
        if (partitionOf == null) {
            int[] all = java.util.stream.IntStream.range(0, machineIds.length).toArray();
            for (int s = 0; s < 2; s++) {
                long rows = sales / 2 + (s == 0 ? sales % 2 : 0);
                streams.add(new Rows(rows, 1000 + s, history, machineIds, locations, all, -1));
            }
        } else {
            long before = 0;
            int machinesBefore = 0;
            for (int partition = 0; partition < PARTITIONS; partition++) {
                int p = partition;
                int[] machines = java.util.stream.IntStream.range(0, machineIds.length)
                        .filter(m -> partitionOf[m] == p).toArray();
                // each partition's share of the sales is its share of the fleet (every machine sells alike)
                machinesBefore += machines.length;
                long upTo = sales * machinesBefore / machineIds.length;
                if (upTo > before) {
                    streams.add(new Rows(upTo - before, 1000 + partition, history, machineIds, locations, machines,
                            partition));
                }
                before = upTo;
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(streams.size());
        try {
            List<Future<Long>> copies = new ArrayList<>();
            for (Rows rows : streams) {
                copies.add(pool.submit(() -> copy(rows, history)));
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
            rollups(c, topic, sales, history);
        }
        long t3 = System.nanoTime();
        phases.add(new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9});
        return phases;
    }

    /**
     * The source partition of each machine's events, as the seed has always mapped a machine's key
     * ({@code abs(hashtext(machine_id)) % 3}, computed by PostgreSQL).
     */
    private static int[] partitions(Connection c, String[] machineIds) throws SQLException {
        int[] partitionOf = new int[machineIds.length];
        try (PreparedStatement st = c.prepareStatement("select i, abs(hashtext(m)) % " + PARTITIONS
                + " from unnest(?::text[]) with ordinality as t (m, i)")) {
            st.setArray(1, c.createArrayOf("text", machineIds));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    partitionOf[rs.getInt(1) - 1] = rs.getInt(2);
                }
            }
        }
        return partitionOf;
    }

    private long copy(Rows rows, History history) throws SQLException, IOException {
        try (Connection c = infra.connect(schema)) {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "copy sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                            + "payment_method, stock_after, occurred_at"
                            + (history.claims() ? ", ingested_at, source_partition, source_offset" : "") + ") from stdin",
                    rows, 1 << 16);
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
            // the fences and counters where the stored offsets leave them
            try (PreparedStatement st = c.prepareStatement("insert into ingest_partitions (topic, partition, next_offset, "
                    + "consumed, stored, duplicates, rejected) select ?, source_partition, max(source_offset) + 1, count(*), "
                    + "count(*), 0, 0 from sales group by source_partition")) {
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

    /**
     * Sales rows in COPY text format, generated as PostgreSQL reads them, of the given machines.
     * Without claims, in no particular order. With claims, in the order they were ingested, each
     * with its source partition and offset (its row number: a stream is one partition); their
     * times are drawn first, packed one {@code long} a sale (ingested_at in microseconds since two
     * days before the history's first, then the ingest delay in milliseconds, 12 bits) and sorted;
     * the rest of each row is drawn as it is written.
     */
    private static final class Rows extends InputStream {
        private static final int DELAY_BITS = 12;

        private final SplittableRandom random;
        private final long rows;
        private final long nowSeconds;
        private final int days;
        private final String[] machineIds;
        private final String[] locations;
        private final int[] machines;
        private final int partition;
        private final long baseMicros;
        private final SplittableRandom times;
        private long[] ingestOrder;
        private long produced;
        private byte[] chunk = new byte[0];
        private int position;

        Rows(long rows, long seed, History history, String[] machineIds, String[] locations, int[] machines,
                int partition) {
            this.rows = rows;
            this.nowSeconds = history.end().truncatedTo(ChronoUnit.SECONDS).getEpochSecond();
            this.days = history.days();
            this.random = new SplittableRandom(seed);
            this.machineIds = machineIds;
            this.locations = locations;
            this.machines = machines;
            this.partition = partition;
            this.baseMicros = (nowSeconds - (days + 2) * 86_400L) * 1_000_000L;
            this.times = history.claims() ? random.split() : null;
        }

        /** The stream's sales as (ingested_at, delay) keys, sorted: the order ingest stored them in. */
        private long[] ingestOrder(SplittableRandom times) {
            if (rows > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(rows + " sales on one partition: seed fewer");
            }
            long[] keys = new long[(int) rows];
            for (int i = 0; i < keys.length; i++) {
                long occurredMicros = occurredAt(times) * 1_000_000L + times.nextInt(1_000_000);
                // stored a moment after it happened, as ingest keeps up with the fleet
                int delayMs = 1000 + times.nextInt(3000);
                keys[i] = (occurredMicros + delayMs * 1000L - baseMicros) << DELAY_BITS | delayMs;
            }
            java.util.Arrays.sort(keys);
            return keys;
        }

        /** A sale's second: busy between 07:00 and 21:00 campus time (UTC+7), quiet at night. */
        private long occurredAt(SplittableRandom r) {
            long day = r.nextInt(days);
            int hour = r.nextInt(4) == 0 ? r.nextInt(24) : 7 + r.nextInt(14);
            long at = nowSeconds - day * 86_400 - ((nowSeconds + 7 * 3600) % 86_400) + hour * 3600L + r.nextInt(3600);
            return at > nowSeconds ? at - 86_400 : at;
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
            if (times != null && ingestOrder == null) {
                // drawn and sorted on the COPY's own thread, as it starts reading
                ingestOrder = ingestOrder(times);
            }
            StringBuilder s = new StringBuilder(256 * 1024);
            for (int i = 0; i < 1000 && produced < rows; i++, produced++) {
                int m = machines[random.nextInt(machines.length)];
                CampusEvents.Product p = CampusEvents.PRODUCTS[random.nextInt(CampusEvents.PRODUCTS.length)];
                int quantity = random.nextInt(10) == 0 ? 2 : 1;
                // without claims, the time is drawn here (before the id, as the seed always drew it)
                long at = ingestOrder == null ? occurredAt(random) : 0;
                s.append(new UUID(random.nextLong() & 0xffffffffffff0fffL | 0x4000L,
                        random.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L));
                columns(s, m, p, quantity);
                if (ingestOrder == null) {
                    s.append(TIMESTAMP.format(LocalDateTime.ofEpochSecond(at, random.nextInt(1_000_000) * 1000,
                            ZoneOffset.UTC))).append("+00");
                } else {
                    long key = ingestOrder[(int) produced];
                    long ingestedMicros = baseMicros + (key >>> DELAY_BITS);
                    long occurredMicros = ingestedMicros - (key & ((1 << DELAY_BITS) - 1)) * 1000L;
                    timestamp(s, occurredMicros).append('\t');
                    timestamp(s, ingestedMicros).append('\t').append(partition).append('\t').append(produced);
                }
                s.append('\n');
            }
            chunk = s.toString().getBytes(StandardCharsets.UTF_8);
            position = 0;
            return true;
        }

        /** The columns from machine_id to stock_after, each preceded by its tab, and the tab before occurred_at. */
        private void columns(StringBuilder s, int m, CampusEvents.Product p, int quantity) {
            s.append('\t').append(machineIds[m]).append('\t').append(locations[m]).append('\t')
                    .append(p.name()).append('\t').append(p.category()).append('\t')
                    .append(p.price().toPlainString()).append("\tIDR\t").append(quantity).append('\t')
                    .append(p.price().multiply(java.math.BigDecimal.valueOf(quantity)).toPlainString()).append('\t')
                    .append(CampusEvents.PAYMENTS[random.nextInt(CampusEvents.PAYMENTS.length)]).append('\t')
                    .append(random.nextInt(12)).append('\t');
        }

        private static StringBuilder timestamp(StringBuilder s, long micros) {
            return s.append(TIMESTAMP.format(LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC))).append("+00");
        }
    }
}

package io.vendstream.http;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.vendstream.dex.DexWriter;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;

/**
 * A campus fleet written straight into the tables the ingest route maintains: four weeks of
 * hourly rollups with a lunchtime peak and quiet weekends, today's products and payments,
 * current stock with a few empty slots, rejections and ingest counters. {@link #sell} adds one
 * sale the way ingest would (sale row, rollups, machine, counters), so figures move between polls.
 */
final class DemoFleet {

    record Machine(String id, String location) {
    }

    static final List<Machine> MACHINES = List.of(
            new Machine("eng-01", "Engineering"), new Machine("eng-02", "Engineering"), new Machine("eng-03", "Engineering"),
            new Machine("med-01", "Medicine"), new Machine("med-02", "Medicine"),
            new Machine("econ-01", "Economics & Business"), new Machine("econ-02", "Economics & Business"),
            new Machine("law-01", "Law"), new Machine("lib-01", "Central Library"), new Machine("lib-02", "Central Library"));
    static final List<String> PRODUCTS = List.of("Aqua 600ml", "Teh Botol", "Kopi Susu", "Chitato", "Pocari Sweat",
            "Roti Coklat", "Indomie Cup", "Oreo", "Mizone", "Coca-Cola");
    private static final String[] CATEGORIES = {"drink", "drink", "drink", "snack", "drink", "food", "food", "snack", "drink", "drink"};
    private static final int[] PRICES = {5000, 6000, 12000, 10000, 9000, 8000, 9000, 7000, 7000, 8000};
    private static final String[] PAYMENTS = {"qris", "cash", "ewallet", "card"};
    // sales per machine-hour across a campus day: breakfast, the lunch rush, the afternoon lull
    private static final int[] HOURLY = {0, 0, 0, 0, 0, 0, 1, 4, 8, 10, 9, 12, 16, 14, 9, 8, 10, 7, 5, 3, 2, 1, 1, 0};

    private final Namespace ns;
    private final ZoneId zone;
    private final AtomicInteger sold = new AtomicInteger();

    DemoFleet(Namespace ns, ZoneId zone) {
        this.ns = ns;
        this.zone = zone;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
    }

    void seed() throws SQLException {
        Instant now = Instant.now();
        LocalDate today = LocalDate.now(zone);
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement machines = c.prepareStatement(
                    "insert into machines (machine_id, location, first_seen, last_seen, last_sale_at) values (?, ?, ?, ?, ?)");
                 PreparedStatement hourly = c.prepareStatement(
                         "insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) values (?, ?, ?, ?, ?, ?)");
                 PreparedStatement products = c.prepareStatement("insert into sales_daily_product (day, machine_id, product, location, "
                         + "category, sales_count, units, revenue) values (?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement payments = c.prepareStatement("insert into sales_daily_payment (day, machine_id, payment_method, "
                         + "location, sales_count, revenue) values (?, ?, ?, ?, ?, ?)");
                 PreparedStatement stock = c.prepareStatement("insert into stock (machine_id, product, location, category, quantity, "
                         + "capacity, as_of) values (?, ?, ?, ?, ?, ?, ?)")) {
                for (int m = 0; m < MACHINES.size(); m++) {
                    Machine machine = MACHINES.get(m);
                    // law-01 went quiet two hours ago: the dashboard shows it silent
                    Instant lastSeen = machine.id().equals("law-01") ? now.minus(2, ChronoUnit.HOURS) : now.minusSeconds(5 + m);
                    machines.setString(1, machine.id());
                    machines.setString(2, machine.location());
                    machines.setObject(3, utc(now.minus(60, ChronoUnit.DAYS)));
                    machines.setObject(4, utc(lastSeen));
                    machines.setObject(5, utc(lastSeen));
                    machines.addBatch();
                    double weight = 0.6 + (m % 4) * 0.3;
                    for (int d = 27; d >= 0; d--) {
                        LocalDate date = today.minusDays(d);
                        boolean weekend = date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY;
                        for (int h = 0; h < 24; h++) {
                            long count = Math.round(HOURLY[h] * weight * (weekend ? 0.35 : 1.0) * (1 + ((d + h + m) % 5) * 0.08));
                            if (count == 0) {
                                continue;
                            }
                            ZonedDateTime hour = date.atStartOfDay(zone).plusHours(h);
                            hourly.setObject(1, hour.toOffsetDateTime());
                            hourly.setString(2, machine.id());
                            hourly.setString(3, machine.location());
                            hourly.setLong(4, count);
                            hourly.setLong(5, count + count / 6);
                            hourly.setBigDecimal(6, BigDecimal.valueOf(count * 7800L));
                            hourly.addBatch();
                        }
                    }
                    for (int p = 0; p < PRODUCTS.size(); p++) {
                        long count = 2 + ((p * 7 + m * 3) % 11) + (p < 3 ? 12 : 0);
                        products.setObject(1, today);
                        products.setString(2, machine.id());
                        products.setString(3, PRODUCTS.get(p));
                        products.setString(4, machine.location());
                        products.setString(5, CATEGORIES[p]);
                        products.setLong(6, count);
                        products.setLong(7, count + count / 5);
                        products.setBigDecimal(8, BigDecimal.valueOf(count * PRICES[p]));
                        products.addBatch();

                        int capacity = 12;
                        int quantity = (m * 5 + p * 3) % 13;
                        stock.setString(1, machine.id());
                        stock.setString(2, PRODUCTS.get(p));
                        stock.setString(3, machine.location());
                        stock.setString(4, CATEGORIES[p]);
                        stock.setInt(5, Math.min(quantity, capacity));
                        stock.setInt(6, capacity);
                        stock.setObject(7, utc(now.minus((m + p) * 7L, ChronoUnit.MINUTES)));
                        stock.addBatch();
                    }
                    for (int k = 0; k < PAYMENTS.length; k++) {
                        long count = new long[] {48, 21, 17, 6}[k] + m * (4 - k);
                        payments.setObject(1, today);
                        payments.setString(2, machine.id());
                        payments.setString(3, PAYMENTS[k]);
                        payments.setString(4, machine.location());
                        payments.setLong(5, count);
                        payments.setBigDecimal(6, BigDecimal.valueOf(count * 7800L));
                        payments.addBatch();
                    }
                }
                machines.executeBatch();
                hourly.executeBatch();
                products.executeBatch();
                payments.executeBatch();
                stock.executeBatch();
            }
            seedPipeline(c, now);
            c.commit();
        }
        List<Machine> reporting = MACHINES.stream().filter(m -> !m.id().equals("law-01")).toList();
        for (int i = 0; i < 20; i++) {
            sell(reporting.get(i % reporting.size()));
        }
    }

    /**
     * Four cashless transactions of yesterday as route match-payments leaves them: two matched (the
     * vend 2 s and 4 s after its authorization, settled 16 h and 20 h later), one settled short
     * (AMOUNT_MISMATCH, 7,600 of 8,000) and one never settled (SETTLEMENT_MISSING). So the payments
     * panel shows: vend to authorization p50 2 s, 3 of 4 cashless sales settled (75 %), 2 open exceptions.
     */
    void seedPayments() throws SQLException {
        Instant vend = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = connect()) {
            Object[][] rows = {
                    // ref, machine, delay s, settled, settlement lag h, status, exception
                    {"TX-DEMO-0001", "med-01", 2, "8000.00", 16, "matched", null},
                    {"TX-DEMO-0002", "eng-01", 4, "8000.00", 20, "matched", null},
                    {"TX-DEMO-0003", "eng-02", 2, "7600.00", 18, "exception", "AMOUNT_MISMATCH"},
                    {"TX-DEMO-0004", "lib-01", 2, null, 0, "exception", "SETTLEMENT_MISSING"}};
            for (Object[] r : rows) {
                Instant authorized = vend.minusSeconds((Integer) r[2]);
                boolean settled = r[3] != null;
                run(c, "insert into payment_transactions (transaction_ref, machine_id, processor, payment_method, currency, vends, "
                                + "vend_at, vend_amount, authorizations, authorized_at, authorized_amount, authorized_total, settlements, "
                                + "settled_at, settled_total, settlement_batch, first_at, status, exception, judged_at) "
                                + "values (?, ?, 'qris-switch', 'qris', 'IDR', 1, ?, 8000.00, 1, ?, 8000.00, 8000.00, ?, ?, ?, ?, ?, ?, ?, now())",
                        r[0], r[1], utc(vend), utc(authorized), settled ? 1 : 0,
                        settled ? utc(authorized.plus((Integer) r[4], ChronoUnit.HOURS)) : null,
                        settled ? new java.math.BigDecimal((String) r[3]) : java.math.BigDecimal.ZERO,
                        settled ? "qris-switch-batch" : null, utc(authorized), r[5], r[6]);
                if (r[6] != null) {
                    run(c, "insert into payment_exceptions (transaction_ref, kind, machine_id, processor, amount, detail) "
                                    + "values (?, ?, ?, 'qris-switch', ?, ?)", r[0], r[6], r[1],
                            settled ? new java.math.BigDecimal("400.00") : new java.math.BigDecimal("8000.00"),
                            settled ? "vend 8000.00, authorized 8000.00, settled 7600.00" : "authorized 8000.00, not settled");
                }
            }
        }
    }

    private void seedPipeline(Connection c, Instant now) throws SQLException {
        try (PreparedStatement partitions = c.prepareStatement("insert into ingest_partitions (topic, partition, next_offset, consumed, "
                + "stored, duplicates, rejected) values (?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement counts = c.prepareStatement("insert into rejected_counts (topic, partition, reason, count) values (?, ?, ?, ?)");
             PreparedStatement rejected = c.prepareStatement("insert into rejected_events (source_topic, source_partition, source_offset, "
                     + "message_key, reason, detail, payload, payload_size, rejected_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement latency = c.prepareStatement("insert into latency_minute (minute, le_ms, count) values (?, ?, ?)")) {
            long[][] counters = {{14_210, 14_180, 21, 9}, {13_877, 13_850, 19, 8}, {14_502, 14_476, 17, 9}};
            for (int p = 0; p < 3; p++) {
                partitions.setString(1, ns.topic());
                partitions.setInt(2, p);
                partitions.setLong(3, counters[p][0]);
                for (int k = 0; k < 4; k++) {
                    partitions.setLong(4 + k, counters[p][k]);
                }
                partitions.addBatch();
                for (String[] reason : new String[][] {{"SCHEMA_VIOLATION", "5"}, {"MALFORMED_JSON", "2"}, {"FUTURE_TIMESTAMP", "1"}}) {
                    counts.setString(1, ns.topic());
                    counts.setInt(2, p);
                    counts.setString(3, reason[0]);
                    counts.setLong(4, Long.parseLong(reason[1]) + (p == 1 && reason[0].equals("MALFORMED_JSON") ? -1 : 0)
                            + (p == 2 && reason[0].equals("SCHEMA_VIOLATION") ? 1 : 0));
                    counts.addBatch();
                }
            }
            String[][] samples = {
                    {"SCHEMA_VIOLATION", "quantity: must be between 1 and 50 for a sale (was 0)", "{\"eventId\":\"5b1e0c55-8f0e-4a59-9d7e-6f1b2a1f0c11\",\"type\":\"sale\",\"machineId\":\"eng-02\",\"quantity\":0}"},
                    {"MALFORMED_JSON", "not JSON: unexpected end of input at byte 41", "{\"eventId\":\"9a7c\",\"type\":\"sale\",\"machineI"},
                    {"FUTURE_TIMESTAMP", "occurredAt 2031-01-01T08:00:00+07:00 is more than 5 minutes in the future", "{\"eventId\":\"0f4d7a6e-2b9c-4d51-8e3a-7c2f1b6d9e40\",\"occurredAt\":\"2031-01-01T08:00:00+07:00\"}"},
                    {"SCHEMA_VIOLATION", "paymentMethod: must be one of cash, qris, card, ewallet (was \"bitcoin\")", "{\"type\":\"sale\",\"paymentMethod\":\"bitcoin\"}"},
            };
            for (int i = 0; i < samples.length; i++) {
                byte[] payload = samples[i][2].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                rejected.setString(1, ns.topic());
                rejected.setInt(2, i % 3);
                rejected.setLong(3, 1000L + i * 137);
                rejected.setBytes(4, "eng-02".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                rejected.setString(5, samples[i][0]);
                rejected.setString(6, samples[i][1]);
                rejected.setBytes(7, payload);
                rejected.setInt(8, payload.length);
                rejected.setObject(9, utc(now.minus(3L + i * 11, ChronoUnit.MINUTES)));
                rejected.addBatch();
            }
            int[] buckets = {5, 10, 25, 50, 100, 250, 500};
            long[] perMinute = {12, 60, 140, 90, 30, 6, 1};
            for (int minute = 0; minute < 5; minute++) {
                for (int b = 0; b < buckets.length; b++) {
                    latency.setObject(1, utc(now.truncatedTo(ChronoUnit.MINUTES).minus(minute, ChronoUnit.MINUTES)));
                    latency.setInt(2, buckets[b]);
                    latency.setLong(3, perMinute[b]);
                    latency.addBatch();
                }
            }
            partitions.executeBatch();
            counts.executeBatch();
            rejected.executeBatch();
            latency.executeBatch();
        }
    }

    /**
     * Two DEX audit reads of med-01 and of med-02, a day apart two days ago, with the sales the
     * stream delivered between them stored raw: med-02's books agree with the stream, med-01 counted
     * two cash sales of Aqua 600ml that never arrived. The caller uploads them (POST /api/dex).
     */
    Map<String, List<String>> auditReads() throws SQLException {
        ZonedDateTime first = LocalDate.now(zone).minusDays(2).atTime(6, 0).atZone(zone);
        ZonedDateTime second = first.plusDays(1);
        Map<String, List<String>> reads = new LinkedHashMap<>();
        for (String machineId : List.of("med-01", "med-02")) {
            Machine machine = MACHINES.stream().filter(m -> m.id().equals(machineId)).findFirst().orElseThrow();
            long[] vends = new long[PRODUCTS.size()];
            long cashVends = 0;
            long cashValue = 0;
            long cashlessVends = 0;
            long cashlessValue = 0;
            try (Connection c = connect()) {
                for (int k = 0; k < 12; k++) {
                    int p = k % 4;
                    String payment = PAYMENTS[k % PAYMENTS.length];
                    run(c, "insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                                    + "payment_method, stock_after, occurred_at) values (?, ?, ?, ?, ?, ?, 'IDR', 1, ?, ?, null, ?)",
                            UUID.randomUUID(), machineId, machine.location(), PRODUCTS.get(p), CATEGORIES[p], BigDecimal.valueOf(PRICES[p]),
                            BigDecimal.valueOf(PRICES[p]), payment, utc(first.plusHours(2 + k).toInstant()));
                    vends[p]++;
                    if (payment.equals("cash")) {
                        cashVends++;
                        cashValue += PRICES[p];
                    } else {
                        cashlessVends++;
                        cashlessValue += PRICES[p];
                    }
                }
            }
            if (machineId.equals("med-01")) {
                vends[0] += 2;
                cashVends += 2;
                cashValue += 2L * PRICES[0];
            }
            List<DexWriter.Selection> before = new ArrayList<>();
            List<DexWriter.Selection> after = new ArrayList<>();
            for (int p = 0; p < PRODUCTS.size(); p++) {
                BigDecimal price = BigDecimal.valueOf(PRICES[p]);
                DexWriter.Sales base = new DexWriter.Sales(100 + p, price.multiply(BigDecimal.valueOf(100 + p)));
                DexWriter.Sales interval = new DexWriter.Sales(vends[p], price.multiply(BigDecimal.valueOf(vends[p])));
                before.add(new DexWriter.Selection(String.valueOf(10 + p), PRODUCTS.get(p), price, base, base));
                after.add(new DexWriter.Selection(String.valueOf(10 + p), PRODUCTS.get(p), price,
                        new DexWriter.Sales(base.vends() + vends[p], base.value().add(interval.value())), interval));
            }
            DexWriter.Sales cashBase = new DexWriter.Sales(600, BigDecimal.valueOf(4_000_000));
            DexWriter.Sales cashlessBase = new DexWriter.Sales(445, BigDecimal.valueOf(3_185_000));
            DexWriter.Sales cash = new DexWriter.Sales(cashVends, BigDecimal.valueOf(cashValue));
            DexWriter.Sales cashless = new DexWriter.Sales(cashlessVends, BigDecimal.valueOf(cashlessValue));
            String serial = "SN-" + machineId.toUpperCase(java.util.Locale.ROOT);
            reads.put(machineId, List.of(
                    audit(serial, first, before, cashBase, cashBase, cashlessBase, cashlessBase, 41),
                    audit(serial, second, after, new DexWriter.Sales(cashBase.vends() + cashVends, cashBase.value().add(cash.value())),
                            cash, new DexWriter.Sales(cashlessBase.vends() + cashlessVends, cashlessBase.value().add(cashless.value())),
                            cashless, 42)));
        }
        return reads;
    }

    /** A sound read in rupiah (ISO 4217 360, two decimals): VA1 is CA2 + DA2. */
    private static String audit(String serial, ZonedDateTime at, List<DexWriter.Selection> selections, DexWriter.Sales cashInit,
                                DexWriter.Sales cashReset, DexWriter.Sales cashlessInit, DexWriter.Sales cashlessReset, long reads) {
        DexWriter.Sales paidInit = new DexWriter.Sales(cashInit.vends() + cashlessInit.vends(), cashInit.value().add(cashlessInit.value()));
        DexWriter.Sales paidReset = new DexWriter.Sales(cashReset.vends() + cashlessReset.vends(), cashReset.value().add(cashlessReset.value()));
        return DexWriter.write(new DexWriter.Audit(serial, "VST-SIM", serial, 2, "360", "IDR", at.toLocalDateTime(), paidInit, paidReset,
                cashInit, cashReset, cashlessInit, cashlessReset, selections, reads));
    }

    /** One sale on this machine, stored as the ingest route would store it: one transaction. */
    void sell(Machine machine) throws SQLException {
        int n = sold.incrementAndGet();
        int p = (n * 7) % PRODUCTS.size();
        int quantity = 1 + n % 2;
        BigDecimal amount = BigDecimal.valueOf((long) PRICES[p] * quantity);
        String payment = PAYMENTS[n % 3];
        Instant now = Instant.now();
        LocalDate today = LocalDate.now(zone);
        OffsetDateTime hour = now.atZone(zone).truncatedTo(ChronoUnit.HOURS).toOffsetDateTime();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            run(c, "insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                            + "payment_method, stock_after, occurred_at) values (?, ?, ?, ?, ?, ?, 'IDR', ?, ?, ?, ?, ?)",
                    UUID.randomUUID(), machine.id(), machine.location(), PRODUCTS.get(p), CATEGORIES[p], BigDecimal.valueOf(PRICES[p]),
                    quantity, amount, payment, 5, utc(now.minusMillis(40)));
            run(c, "insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) values (?, ?, ?, 1, ?, ?) "
                            + "on conflict (hour, machine_id) do update set sales_count = sales_hourly.sales_count + 1, "
                            + "units = sales_hourly.units + excluded.units, revenue = sales_hourly.revenue + excluded.revenue",
                    hour, machine.id(), machine.location(), (long) quantity, amount);
            run(c, "insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) "
                            + "values (?, ?, ?, ?, ?, 1, ?, ?) on conflict (day, machine_id, product) do update set "
                            + "sales_count = sales_daily_product.sales_count + 1, units = sales_daily_product.units + excluded.units, "
                            + "revenue = sales_daily_product.revenue + excluded.revenue",
                    today, machine.id(), PRODUCTS.get(p), machine.location(), CATEGORIES[p], (long) quantity, amount);
            run(c, "insert into sales_daily_payment (day, machine_id, payment_method, location, sales_count, revenue) values (?, ?, ?, ?, 1, ?) "
                            + "on conflict (day, machine_id, payment_method) do update set sales_count = sales_daily_payment.sales_count + 1, "
                            + "revenue = sales_daily_payment.revenue + excluded.revenue",
                    today, machine.id(), payment, machine.location(), amount);
            run(c, "update machines set last_seen = ?, last_sale_at = ? where machine_id = ?", utc(now), utc(now), machine.id());
            run(c, "update ingest_partitions set consumed = consumed + 1, stored = stored + 1, next_offset = next_offset + 1 "
                    + "where topic = ? and partition = ?", ns.topic(), n % 3);
            run(c, "insert into latency_minute (minute, stage, le_ms, count) values (?, 'pipeline', 50, 1) "
                    + "on conflict (minute, stage, le_ms, writer) do update set count = latency_minute.count + 1",
                    utc(now.truncatedTo(ChronoUnit.MINUTES)));
            c.commit();
        }
    }

    private static void run(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}

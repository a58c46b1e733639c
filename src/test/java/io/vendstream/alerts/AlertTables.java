package io.vendstream.alerts;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.api.management.ManagedCamelContext;

import static org.awaitility.Awaitility.await;

/** Seeds the tables ingest maintains and reads the alert tables, in one test namespace's schema. */
final class AlertTables {

    private final Namespace ns;

    AlertTables(Namespace ns) {
        this.ns = ns;
    }

    void machine(String machineId, String location, Instant lastSeen) throws SQLException {
        exec("insert into machines (machine_id, location, first_seen, last_seen, last_sale_at) values (?, ?, ?, ?, ?) "
                + "on conflict (machine_id) do update set last_seen = excluded.last_seen",
                machineId, location, at(lastSeen.minus(30, ChronoUnit.DAYS)), at(lastSeen), at(lastSeen));
    }

    void stock(String machineId, String product, String location, int quantity, int capacity) throws SQLException {
        exec("insert into stock (machine_id, product, location, category, quantity, capacity, as_of) values (?, ?, ?, 'drink', ?, ?, now()) "
                + "on conflict (machine_id, product) do update set quantity = excluded.quantity, capacity = excluded.capacity, as_of = now()",
                machineId, product, location, quantity, capacity);
    }

    void hourly(Instant hour, String machineId, String location, int sales) throws SQLException {
        exec("insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) values (?, ?, ?, ?, ?, ?)",
                at(hour), machineId, location, sales, sales, new BigDecimal(sales * 10_000));
    }

    void dailyProduct(LocalDate day, String machineId, String product, String location, int units) throws SQLException {
        exec("insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) "
                + "values (?, ?, ?, ?, 'drink', ?, ?, ?)", day, machineId, product, location, units, units, new BigDecimal(units * 5_000));
    }

    void payment(LocalDate day, String machineId, String location, String method, int sales) throws SQLException {
        exec("insert into sales_daily_payment (day, machine_id, payment_method, location, sales_count, revenue) values (?, ?, ?, ?, ?, ?)",
                day, machineId, method, location, sales, new BigDecimal(sales * 10_000));
    }

    void sale(String machineId, String location, String product, String method, int price, Integer stockAfter, Instant at)
            throws SQLException {
        exec("insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                        + "payment_method, stock_after, occurred_at) values (?, ?, ?, ?, 'snack', ?, 'IDR', 1, ?, ?, ?, ?)",
                UUID.randomUUID(), machineId, location, product, new BigDecimal(price), new BigDecimal(price), method, stockAfter, at(at));
    }

    /** The hourly rollup of a machine's sales, as ingest keeps it (hours of the campus time zone). */
    void rollUpHours(String machineId, String zone) throws SQLException {
        exec("insert into sales_hourly as r (hour, machine_id, location, sales_count, units, revenue) "
                + "select date_trunc('hour', occurred_at, ?), machine_id, min(location), count(*), sum(quantity), sum(amount) "
                + "from sales where machine_id = ? group by 1, 2 on conflict (hour, machine_id) do update set "
                + "sales_count = excluded.sales_count, units = excluded.units, revenue = excluded.revenue", zone, machineId);
    }

    /** A sale ingest's stock judge found to disagree with the level before it (table stock_mismatches). */
    void mismatch(String machineId, String location, String product, int expected, int reported, Instant at) throws SQLException {
        exec("insert into stock_mismatches (event_id, machine_id, product, location, occurred_at, quantity, expected, reported) "
                + "values (?, ?, ?, ?, ?, 1, ?, ?)", UUID.randomUUID(), machineId, product, location, at(at), expected, reported);
    }

    void restock(String machineId, String location, String product, int quantity, int stockAfter, Instant at) throws SQLException {
        exec("insert into restocks (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at) "
                + "values (?, ?, ?, ?, 'snack', ?, ?, ?)", UUID.randomUUID(), machineId, location, product, quantity, stockAfter, at(at));
    }

    /** The transitions (opened, resolved) of a rule's alerts about one machine, in order. */
    List<String> transitions(String rule, String machineId) throws SQLException {
        return strings("select t.transition from alert_transitions t join alerts a on a.id = t.alert_id "
                + "where a.rule = ? and a.machine_id = ? order by t.seq", rule, machineId);
    }

    /**
     * An application in {@code ns} whose rules evaluate every 250 ms from the start, on the tables a
     * test seeds (ingest off), publishing to the namespace's own alerts topic.
     */
    static Properties fastRules(Namespace ns) {
        Properties props = ns.appProperties();
        props.setProperty("vendstream.ingest.enabled", "false");
        props.setProperty("vendstream.alerts.topic", ns.id() + ".alerts");
        props.setProperty("vendstream.alerts.evaluate-period-millis", "250");
        props.setProperty("vendstream.alerts.first-evaluation-delay-millis", "0");
        // the low-stock rule's forecast sees seeded history at once
        props.setProperty("vendstream.restock.model-refresh-seconds", "1");
        // a machine whose MQTT session ends is offline at once
        props.setProperty("vendstream.alerts.machine-offline.min-minutes", "0");
        return props;
    }

    /** Waits until the route has completed this many more exchanges (timer ticks) than now. */
    static void awaitRounds(VendstreamApp app, String routeId, int rounds) {
        ManagedCamelContext managed = app.context().getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        long start = managed.getManagedRoute(routeId).getExchangesCompleted();
        await().atMost(Duration.ofSeconds(60)).until(() -> managed.getManagedRoute(routeId).getExchangesCompleted() >= start + rounds);
    }

    /**
     * Keeps the payload of the first transition of a rule's alert about a machine (or location) as a
     * test artifact in target/alert-examples/ (docs/alerts.md shows them).
     */
    void saveExample(String rule, String subjectColumn, String subject) throws Exception {
        List<String> payloads = strings("select t.payload::text from alert_transitions t join alerts a on a.id = t.alert_id "
                + "where a.rule = ? and a." + subjectColumn + " = ? order by t.seq", rule, subject);
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "alert-examples"));
        for (String payload : payloads) {
            com.fasterxml.jackson.databind.JsonNode alert = new com.fasterxml.jackson.databind.ObjectMapper().readTree(payload);
            java.nio.file.Files.writeString(dir.resolve(rule + "-" + alert.get("transition").asText() + ".json"),
                    alert.toPrettyString());
        }
    }

    void exec(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.executeUpdate();
        }
    }

    List<String> strings(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            List<String> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    long count(String sql, Object... args) throws SQLException {
        return Long.parseLong(strings(sql, args).get(0));
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
    }

    static OffsetDateTime at(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}

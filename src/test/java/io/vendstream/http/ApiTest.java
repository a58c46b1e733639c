package io.vendstream.http;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vendstream.support.Campus;
import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.ServiceStatus;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP API against a real PostgreSQL whose rollup and current-state tables are seeded with
 * known rows (the tables the ingest route maintains), so every figure can be checked exactly.
 */
class ApiTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ContractSchemas CONTRACT = new ContractSchemas();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("api")
            // the API reads what ingest stored; here the tables are seeded directly
            .with("vendstream.ingest.enabled", "false")
            // every request queries, so each answer can be checked against the rows just seeded
            .with("vendstream.api.cache-millis", "0");
    private static Instant now;
    private static Instant today;
    private static LocalDate day;

    @BeforeAll
    static void start_the_application_on_a_seeded_database() throws Exception {
        now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        today = LocalDate.now(Campus.ZONE).atStartOfDay(Campus.ZONE).toInstant();
        day = LocalDate.now(Campus.ZONE);
        seed();
        publishAndCommitOffsets();
    }

    // ------------------------------------------------------------------------------------ seed

    private static void seed() throws SQLException {
        try (Connection c = APP.ledger().connect()) {
            insert(c, "insert into machines (machine_id, location, first_seen, last_seen, last_sale_at) values (?, ?, ?, ?, ?)",
                    row("m-eng-1", "Engineering", ago(86_400 * 3), ago(10), ago(10)),
                    row("m-eng-2", "Engineering", ago(86_400 * 3), ago(7_200), ago(7_200)),
                    row("m-med-1", "Medicine", ago(86_400 * 3), ago(30), ago(30)));
            insert(c, "insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) values (?, ?, ?, ?, ?, ?)",
                    row(hour(1), "m-eng-1", "Engineering", 10, 12, new BigDecimal("120000.00")),
                    row(hour(2), "m-eng-1", "Engineering", 5, 5, new BigDecimal("50000.00")),
                    row(hour(1), "m-med-1", "Medicine", 4, 4, new BigDecimal("30000.00")),
                    row(hour(-23), "m-eng-2", "Engineering", 7, 7, new BigDecimal("70000.00")),
                    row(hour(-24 * 40 + 9), "m-eng-2", "Engineering", 100, 100, new BigDecimal("500000.00")));
            insert(c, "insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) "
                            + "values (?, ?, ?, ?, ?, ?, ?, ?)",
                    row(day, "m-eng-1", "Cola", "Engineering", "drink", 8, 9, new BigDecimal("90000.00")),
                    row(day, "m-eng-1", "Chips", "Engineering", "snack", 7, 8, new BigDecimal("80000.00")),
                    row(day, "m-med-1", "Cola", "Medicine", "drink", 3, 3, new BigDecimal("30000.00")),
                    row(day, "m-med-1", "Water", "Medicine", "drink", 1, 1, new BigDecimal("5000.00")),
                    row(day.minusDays(1), "m-eng-2", "Water", "Engineering", "drink", 20, 20, new BigDecimal("100000.00")));
            insert(c, "insert into sales_daily_payment (day, machine_id, payment_method, location, sales_count, revenue) values (?, ?, ?, ?, ?, ?)",
                    row(day, "m-eng-1", "qris", "Engineering", 9, new BigDecimal("110000.00")),
                    row(day, "m-eng-1", "cash", "Engineering", 6, new BigDecimal("60000.00")),
                    row(day, "m-med-1", "qris", "Medicine", 4, new BigDecimal("30000.00")),
                    row(day.minusDays(1), "m-eng-2", "card", "Engineering", 7, new BigDecimal("70000.00")));
            insert(c, "insert into stock (machine_id, product, location, category, quantity, capacity, as_of) values (?, ?, ?, ?, ?, ?, ?)",
                    row("m-eng-1", "Cola", "Engineering", "drink", 0, 10, ago(3_600)),
                    row("m-eng-1", "Chips", "Engineering", "snack", 2, 10, ago(60)),
                    row("m-med-1", "Cola", "Medicine", "drink", 1, 20, ago(30)),
                    row("m-med-1", "Water", "Medicine", "drink", 3, 6, ago(30)),
                    row("m-eng-2", "Water", "Engineering", "drink", 15, 20, ago(7_200)));
            insert(c, "insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                            + "payment_method, stock_after, occurred_at, ingested_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    sale(1, "m-eng-1", "Engineering", "Cola", 2),
                    sale(2, "m-med-1", "Medicine", "Water", 1),
                    sale(3, "m-eng-1", "Engineering", "Chips", 1),
                    sale(4, "m-med-1", "Medicine", "Cola", 3),
                    sale(5, "m-eng-2", "Engineering", "Water", 1));
            String topic = APP.topic();
            insert(c, "insert into ingest_partitions (topic, partition, next_offset, consumed, stored, duplicates, rejected) values (?, ?, ?, ?, ?, ?, ?)",
                    row(topic, 0, 50L, 50L, 45L, 3L, 2L),
                    row(topic, 1, 30L, 30L, 29L, 1L, 0L));
            insert(c, "insert into rejected_counts (topic, partition, reason, count) values (?, ?, ?, ?)",
                    row(topic, 0, "SCHEMA_VIOLATION", 2L),
                    row(topic, 1, "MALFORMED_JSON", 1L),
                    row(topic, 2, "SCHEMA_VIOLATION", 1L));
            byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', (byte) 0xC3, (byte) 0x28, 0x01, '}'};
            byte[] large = new byte[5000];
            java.util.Arrays.fill(large, (byte) 'x');
            insert(c, "insert into rejected_events (source_topic, source_partition, source_offset, message_key, reason, detail, payload, "
                            + "payload_size, event_id, rejected_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row(topic, 1, 7L, "m-eng-1".getBytes(StandardCharsets.UTF_8), "MALFORMED_JSON", "not JSON at byte 6",
                            invalidUtf8, invalidUtf8.length, null, ago(300)),
                    row(topic, 0, 11L, null, "SCHEMA_VIOLATION", "quantity: must be at least 1", "{\"quantity\":0}".getBytes(StandardCharsets.UTF_8),
                            14, "7d0f2f9e-0a43-4c6e-9b7c-1f4f8d5c2a10", ago(200)),
                    row(topic, 0, 12L, null, "SCHEMA_VIOLATION", "payload is 5000 bytes", large, large.length, null, ago(100)));
            insert(c, "insert into latency_minute (minute, le_ms, count) values (?, ?, ?)",
                    row(minute(-1), 10, 50L),
                    row(minute(-1), 25, 30L),
                    row(minute(0), 25, 10L),
                    row(minute(-1), 100, 10L),
                    row(minute(-90), -1, 1000L));
        }
    }

    private static Object[] sale(int secondsAgo, String machine, String location, String product, int quantity) {
        return row(UUID.nameUUIDFromBytes(("sale-" + secondsAgo).getBytes(StandardCharsets.UTF_8)), machine, location, product, "drink",
                new BigDecimal("5000.00"), "IDR", quantity, new BigDecimal("5000.00").multiply(BigDecimal.valueOf(quantity)),
                "qris", 4, ago(secondsAgo), ago(secondsAgo - 1));
    }

    private static Object[] row(Object... values) {
        return values;
    }

    private static void insert(Connection c, String sql, Object[]... rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static OffsetDateTime ago(long seconds) {
        return OffsetDateTime.ofInstant(now.minusSeconds(seconds), ZoneOffset.UTC);
    }

    private static OffsetDateTime hour(int hoursFromMidnight) {
        return OffsetDateTime.ofInstant(today.plus(hoursFromMidnight, ChronoUnit.HOURS), ZoneOffset.UTC);
    }

    private static OffsetDateTime minute(int minutesFromNow) {
        return OffsetDateTime.ofInstant(now.truncatedTo(ChronoUnit.MINUTES).plus(minutesFromNow, ChronoUnit.MINUTES), ZoneOffset.UTC);
    }

    /** Three records in partition 2; the ingest group has committed offset 1 there: lag 2. */
    private static void publishAndCommitOffsets() throws Exception {
        for (int i = 0; i < 3; i++) {
            APP.kafka().send(APP.topic(), 2, "m-eng-1", Events.utf8("{}"));
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.get().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, APP.ns().group(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.commitSync(Map.of(new TopicPartition(APP.topic(), 2), new OffsetAndMetadata(1)));
        }
    }

    // ------------------------------------------------------------------------------------ http

    private static HttpResponse<String> get(String pathAndQuery) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        // every answer of an operation, whatever the test checks next, is one its contract allows
        if (CONTRACT.operation(pathAndQuery).isPresent()) {
            CONTRACT.assertAnswers(pathAndQuery, response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        }
        return response;
    }

    private static JsonNode json(String pathAndQuery) throws Exception {
        HttpResponse<String> response = get(pathAndQuery);
        assertThat(response.statusCode()).as(pathAndQuery + " -> " + response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(headerNames(response)).as("request parameters echoed as response headers")
                .doesNotContainAnyElementsOf(List.of("location", "machineid", "limit", "from", "to", "days", "reason"));
        return JSON.readTree(response.body());
    }

    private static List<String> headerNames(HttpResponse<?> response) {
        return response.headers().map().keySet().stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.get(field).asText()));
        return values;
    }

    // ------------------------------------------------------------------------------------ summary

    @Test
    void should_total_todays_sales_units_revenue_and_average_ticket() throws Exception {
        JsonNode s = json("/api/summary");
        assertThat(s.get("sales").asLong()).isEqualTo(19);
        assertThat(s.get("units").asLong()).isEqualTo(21);
        assertThat(s.get("revenue").decimalValue()).isEqualByComparingTo("200000.00");
        assertThat(s.get("averageTicket").decimalValue()).isEqualByComparingTo("10526.32");
        assertThat(s.get("currency").asText()).isEqualTo("IDR");
        assertThat(s.get("from").asText()).isEqualTo(today.toString());
        assertThat(s.get("machinesReporting").asLong()).isEqualTo(2);
        assertThat(s.get("machinesKnown").asLong()).isEqualTo(3);
        assertThat(s.get("rejected").asLong()).isEqualTo(2);
        assertThat(s.get("duplicates").asLong()).isEqualTo(4);
        assertThat(Instant.parse(s.get("lastEventAt").asText())).isEqualTo(now.minusSeconds(10));
    }

    @Test
    void should_write_money_with_two_decimals_and_timestamps_in_utc() throws Exception {
        String body = get("/api/summary").body();
        assertThat(body).contains("\"revenue\":200000.00", "\"averageTicket\":10526.32");
        assertThat(json("/api/summary").get("lastEventAt").asText()).endsWith("Z");
    }

    @Test
    void should_filter_the_summary_by_location_machine_and_window() throws Exception {
        JsonNode engineering = json("/api/summary?location=Engineering");
        assertThat(engineering.get("sales").asLong()).isEqualTo(15);
        assertThat(engineering.get("revenue").decimalValue()).isEqualByComparingTo("170000.00");
        assertThat(engineering.get("averageTicket").decimalValue()).isEqualByComparingTo("11333.33");
        assertThat(engineering.get("machinesReporting").asLong()).isEqualTo(1);
        assertThat(engineering.get("machinesKnown").asLong()).isEqualTo(2);

        JsonNode machine = json("/api/summary?machineId=m-med-1");
        assertThat(machine.get("sales").asLong()).isEqualTo(4);
        assertThat(machine.get("averageTicket").decimalValue()).isEqualByComparingTo("7500.00");

        JsonNode sinceYesterday = json("/api/summary?from=" + day.minusDays(1));
        assertThat(sinceYesterday.get("sales").asLong()).isEqualTo(26);
        assertThat(sinceYesterday.get("revenue").decimalValue()).isEqualByComparingTo("270000.00");

        JsonNode yesterdayOnly = json("/api/summary?from=" + day.minusDays(1) + "&to=" + q(today.toString()));
        assertThat(yesterdayOnly.get("sales").asLong()).isEqualTo(7);

        JsonNode firstHourOnly = json("/api/summary?from=" + q(today.plus(1, ChronoUnit.HOURS).atOffset(ZoneOffset.ofHours(7)).toString())
                + "&to=" + q(today.plus(2, ChronoUnit.HOURS).toString()));
        assertThat(firstHourOnly.get("sales").asLong()).isEqualTo(14);
    }

    @Test
    void should_compute_latency_percentiles_from_the_recent_histogram_only() throws Exception {
        JsonNode latency = json("/api/summary").get("latency");
        assertThat(latency.get("samples").asLong()).isEqualTo(100);
        assertThat(latency.get("p50Ms").decimalValue()).isEqualByComparingTo("10.0");
        assertThat(latency.get("p95Ms").decimalValue()).isEqualByComparingTo("62.5");
        assertThat(latency.get("p99Ms").decimalValue()).isEqualByComparingTo("92.5");
    }

    // ------------------------------------------------------------------------------------ machines, locations

    @Test
    void should_list_machines_with_state_todays_takings_and_low_stock() throws Exception {
        JsonNode body = json("/api/machines");
        JsonNode machines = body.get("machines");
        assertThat(texts(machines, "machineId")).containsExactly("m-eng-1", "m-eng-2", "m-med-1");
        assertThat(texts(machines, "status")).containsExactly("online", "silent", "online");
        assertThat(machines.get(0).get("salesToday").asLong()).isEqualTo(15);
        assertThat(machines.get(0).get("revenueToday").decimalValue()).isEqualByComparingTo("170000.00");
        assertThat(machines.get(1).get("salesToday").asLong()).isZero();
        assertThat(machines.get(2).get("revenueToday").decimalValue()).isEqualByComparingTo("30000.00");
        assertThat(texts(machines.get(0).get("lowStock"), "product")).containsExactly("Cola", "Chips");
        assertThat(texts(machines.get(0).get("lowStock"), "level")).containsExactly("out", "low");
        assertThat(machines.get(1).get("lowStock")).isEmpty();
        assertThat(texts(machines.get(2).get("lowStock"), "product")).containsExactly("Cola", "Water");
        assertThat(Instant.parse(machines.get(1).get("lastSeen").asText())).isEqualTo(now.minusSeconds(7_200));
        assertThat(body.get("online").asLong()).isEqualTo(2);
        assertThat(body.get("silent").asLong()).isEqualTo(1);

        assertThat(texts(json("/api/machines?location=Medicine").get("machines"), "machineId")).containsExactly("m-med-1");
        assertThat(texts(json("/api/machines?machineId=m-eng-2").get("machines"), "machineId")).containsExactly("m-eng-2");
    }

    @Test
    void should_rank_locations_by_revenue_with_their_machines() throws Exception {
        JsonNode locations = json("/api/locations").get("locations");
        assertThat(texts(locations, "location")).containsExactly("Engineering", "Medicine");
        assertThat(locations.get(0).get("sales").asLong()).isEqualTo(15);
        assertThat(locations.get(0).get("revenue").decimalValue()).isEqualByComparingTo("170000.00");
        assertThat(locations.get(0).get("machines").asLong()).isEqualTo(2);
        assertThat(locations.get(0).get("machinesOnline").asLong()).isEqualTo(1);
        assertThat(locations.get(1).get("revenue").decimalValue()).isEqualByComparingTo("30000.00");
        assertThat(locations.get(1).get("averageTicket").decimalValue()).isEqualByComparingTo("7500.00");

        JsonNode yesterday = json("/api/locations?from=" + day.minusDays(1) + "&to=" + day).get("locations");
        assertThat(yesterday.get(0).get("location").asText()).isEqualTo("Engineering");
        assertThat(yesterday.get(0).get("revenue").decimalValue()).isEqualByComparingTo("70000.00");
        assertThat(yesterday.get(1).get("sales").asLong()).isZero();

        assertThat(texts(json("/api/locations?location=Medicine").get("locations"), "location")).containsExactly("Medicine");
    }

    // ------------------------------------------------------------------------------------ sales breakdowns

    @Test
    void should_rank_top_products_by_units_with_limit_location_machine_and_window() throws Exception {
        JsonNode products = json("/api/products/top").get("products");
        assertThat(texts(products, "product")).containsExactly("Cola", "Chips", "Water");
        assertThat(products.get(0).get("units").asLong()).isEqualTo(12);
        assertThat(products.get(0).get("sales").asLong()).isEqualTo(11);
        assertThat(products.get(0).get("revenue").decimalValue()).isEqualByComparingTo("120000.00");
        assertThat(products.get(0).get("rank").asInt()).isEqualTo(1);

        assertThat(texts(json("/api/products/top?limit=2").get("products"), "product")).containsExactly("Cola", "Chips");
        JsonNode medicine = json("/api/products/top?location=Medicine").get("products");
        assertThat(texts(medicine, "product")).containsExactly("Cola", "Water");
        assertThat(medicine.get(0).get("units").asLong()).isEqualTo(3);
        assertThat(texts(json("/api/products/top?machineId=m-eng-1").get("products"), "product")).containsExactly("Cola", "Chips");
        JsonNode twoDays = json("/api/products/top?from=" + day.minusDays(1)).get("products");
        assertThat(texts(twoDays, "product")).containsExactly("Water", "Cola", "Chips");
        assertThat(twoDays.get(0).get("units").asLong()).isEqualTo(21);
    }

    @Test
    void should_split_sales_by_payment_method() throws Exception {
        JsonNode methods = json("/api/payments").get("methods");
        assertThat(texts(methods, "paymentMethod")).containsExactly("qris", "cash");
        assertThat(methods.get(0).get("sales").asLong()).isEqualTo(13);
        assertThat(methods.get(0).get("revenue").decimalValue()).isEqualByComparingTo("140000.00");
        assertThat(methods.get(0).get("share").decimalValue()).isEqualByComparingTo("68.4");
        assertThat(methods.get(1).get("share").decimalValue()).isEqualByComparingTo("31.6");

        assertThat(texts(json("/api/payments?location=Medicine").get("methods"), "paymentMethod")).containsExactly("qris");
        assertThat(texts(json("/api/payments?from=" + day.minusDays(1) + "&to=" + day).get("methods"), "paymentMethod"))
                .containsExactly("card");
    }

    @Test
    void should_count_sales_per_campus_weekday_and_hour() throws Exception {
        int weekday = day.getDayOfWeek().getValue();
        int yesterday = day.minusDays(1).getDayOfWeek().getValue();
        JsonNode body = json("/api/hourly");
        JsonNode cells = body.get("cells");
        assertThat(cells).hasSize(168);
        assertThat(cell(cells, weekday, 1).get("sales").asLong()).isEqualTo(14);
        assertThat(cell(cells, weekday, 1).get("revenue").decimalValue()).isEqualByComparingTo("150000.00");
        assertThat(cell(cells, weekday, 2).get("sales").asLong()).isEqualTo(5);
        assertThat(cell(cells, yesterday, 1).get("sales").asLong()).isEqualTo(7);
        long total = 0;
        for (JsonNode c : cells) {
            total += c.get("sales").asLong();
        }
        assertThat(total).as("the 40-day-old hour is outside the default 28 days").isEqualTo(26);
        assertThat(body.get("maxSales").asLong()).isEqualTo(14);

        assertThat(cell(json("/api/hourly?location=Medicine").get("cells"), weekday, 1).get("sales").asLong()).isEqualTo(4);
        assertThat(cell(json("/api/hourly?days=1").get("cells"), yesterday, 1).get("sales").asLong()).isZero();
        int fortyDaysAgo = day.minusDays(40).getDayOfWeek().getValue();
        assertThat(cell(json("/api/hourly?days=60&machineId=m-eng-2").get("cells"), fortyDaysAgo, 9).get("sales").asLong())
                .isEqualTo(100);
    }

    private static JsonNode cell(JsonNode cells, int weekday, int hour) {
        JsonNode c = cells.get((weekday - 1) * 24 + hour);
        assertThat(c.get("weekday").asInt()).isEqualTo(weekday);
        assertThat(c.get("hour").asInt()).isEqualTo(hour);
        return c;
    }

    // ------------------------------------------------------------------------------------ stock

    @Test
    void should_list_low_stock_slots_stock_outs_first_then_by_how_empty_the_slot_is() throws Exception {
        JsonNode alerts = json("/api/stock/low").get("alerts");
        assertThat(texts(alerts, "machineId")).containsExactly("m-eng-1", "m-med-1", "m-eng-1", "m-med-1");
        assertThat(texts(alerts, "product")).containsExactly("Cola", "Cola", "Chips", "Water");
        assertThat(texts(alerts, "level")).containsExactly("out", "low", "low", "low");
        assertThat(alerts.get(1).get("quantity").asInt()).isEqualTo(1);
        assertThat(alerts.get(1).get("capacity").asInt()).isEqualTo(20);

        assertThat(json("/api/stock/low?limit=2").get("alerts")).hasSize(2);
        assertThat(texts(json("/api/stock/low?location=Medicine").get("alerts"), "product")).containsExactly("Cola", "Water");
        assertThat(texts(json("/api/stock/low?machineId=m-eng-2").get("alerts"), "product")).isEmpty();
    }

    @Test
    void should_list_current_stock_with_levels() throws Exception {
        JsonNode body = json("/api/stock");
        assertThat(body.get("slots").asInt()).isEqualTo(5);
        assertThat(body.get("out").asInt()).isEqualTo(1);
        assertThat(body.get("low").asInt()).isEqualTo(3);
        JsonNode engTwo = json("/api/stock?machineId=m-eng-2").get("stock");
        assertThat(engTwo).hasSize(1);
        assertThat(engTwo.get(0).get("quantity").asInt()).isEqualTo(15);
        assertThat(engTwo.get(0).get("level").asText()).isEqualTo("ok");
        assertThat(json("/api/stock?location=Medicine").get("stock")).hasSize(2);
    }

    // ------------------------------------------------------------------------------------ activity

    @Test
    void should_show_the_latest_sales_newest_first() throws Exception {
        JsonNode sales = json("/api/transactions/recent").get("transactions");
        assertThat(texts(sales, "product")).containsExactly("Cola", "Water", "Chips", "Cola", "Water");
        assertThat(Instant.parse(sales.get(0).get("occurredAt").asText())).isEqualTo(now.minusSeconds(1));
        assertThat(sales.get(3).get("amount").decimalValue()).isEqualByComparingTo("15000.00");
        assertThat(sales.get(3).get("currency").asText()).isEqualTo("IDR");

        assertThat(json("/api/transactions/recent?limit=2").get("transactions")).hasSize(2);
        assertThat(texts(json("/api/transactions/recent?location=Medicine").get("transactions"), "machineId"))
                .containsExactly("m-med-1", "m-med-1");
        assertThat(texts(json("/api/transactions/recent?machineId=m-eng-2").get("transactions"), "product")).containsExactly("Water");
        assertThat(json("/api/transactions/recent?to=" + q(now.minusSeconds(3).toString())).get("transactions")).hasSize(2);
    }

    @Test
    void should_count_rejections_by_reason_and_show_the_latest_payloads_safely() throws Exception {
        JsonNode body = json("/api/rejections");
        assertThat(body.get("total").asLong()).isEqualTo(4);
        assertThat(texts(body.get("reasons"), "reason")).containsExactly("SCHEMA_VIOLATION", "MALFORMED_JSON");
        assertThat(body.get("reasons").get(0).get("count").asLong()).isEqualTo(3);
        JsonNode latest = body.get("latest");
        assertThat(texts(latest, "offset")).containsExactly("12", "11", "7");
        assertThat(latest.get(0).get("payloadSize").asInt()).isEqualTo(5000);
        assertThat(latest.get(0).get("payloadTruncated").asBoolean()).isTrue();
        assertThat(latest.get(1).get("payloadPreview").asText()).isEqualTo("{\"quantity\":0}");
        assertThat(latest.get(1).get("detail").asText()).isEqualTo("quantity: must be at least 1");
        JsonNode malformed = latest.get(2);
        assertThat(malformed.get("payloadPreview").asText()).isEqualTo("{\"a\":\uFFFD(\uFFFD}");
        assertThat(java.util.Base64.getDecoder().decode(malformed.get("payloadBase64").asText()))
                .containsExactly('{', '"', 'a', '"', ':', (byte) 0xC3, (byte) 0x28, 0x01, '}');
        assertThat(malformed.get("key").asText()).isEqualTo("m-eng-1");

        assertThat(texts(json("/api/rejections?reason=MALFORMED_JSON").get("latest"), "reason")).containsExactly("MALFORMED_JSON");
        assertThat(json("/api/rejections?limit=1").get("latest")).hasSize(1);
    }

    @Test
    void should_report_ingest_counters_consumer_lag_and_route_states() throws Exception {
        JsonNode p = await().atMost(java.time.Duration.ofSeconds(20)).until(() -> json("/api/pipeline"),
                body -> body.get("lagError").isNull() && body.get("partitions").size() == 3
                        && body.get("payments").get("lagError").isNull());
        assertThat(p.get("consumed").asLong()).isEqualTo(80);
        assertThat(p.get("stored").asLong()).isEqualTo(74);
        assertThat(p.get("duplicates").asLong()).isEqualTo(4);
        assertThat(p.get("rejected").asLong()).isEqualTo(2);
        assertThat(p.get("reconciled").asBoolean()).isTrue();
        assertThat(p.get("group").asText()).isEqualTo(APP.ns().group());
        JsonNode partition2 = p.get("partitions").get(2);
        assertThat(partition2.get("endOffset").asLong()).isEqualTo(3);
        assertThat(partition2.get("committedOffset").asLong()).isEqualTo(1);
        assertThat(partition2.get("lag").asLong()).isEqualTo(2);
        assertThat(p.get("partitions").get(0).get("lag").asLong()).isZero();
        assertThat(p.get("lag").asLong()).isEqualTo(2);
        // the payment processor's topic, read by its own consumer group: nothing sent to it here
        JsonNode payments = p.get("payments");
        assertThat(payments.get("topic").asText()).isEqualTo(APP.ns().paymentsTopic());
        assertThat(payments.get("group").asText()).isNotEqualTo(APP.ns().group());
        assertThat(payments.get("consumed").asLong()).isZero();
        assertThat(payments.get("reconciled").asBoolean()).isTrue();
        assertThat(payments.get("lag").asLong()).isZero();
        assertThat(payments.get("partitions")).isNotEmpty();
        assertThat(texts(p.get("routes"), "id")).contains("get-sales-summary", "get-pipeline-status", "serve-dashboard-page");
        for (JsonNode route : p.get("routes")) {
            if (route.get("id").asText().startsWith("get-")) {
                assertThat(route.get("status").asText()).as(route.get("id").asText()).isEqualTo("Started");
            }
        }
    }

    @Test
    void should_give_the_dashboard_its_poll_interval_and_thresholds() throws Exception {
        JsonNode config = json("/api/config");
        assertThat(config.get("pollIntervalMs").asInt()).isEqualTo(2000);
        assertThat(config.get("timezone").asText()).isEqualTo(Campus.TIME_ZONE);
        assertThat(config.get("lowStockUnits").asInt()).isEqualTo(3);
    }

    // ------------------------------------------------------------------------------------ bad input

    static Stream<Arguments> bad_parameters() {
        return Stream.of(
                Arguments.of("/api/summary?from=yesterday", "from"),
                Arguments.of("/api/summary?to=2026-13-01", "to"),
                Arguments.of("/api/summary?from=2026-05-02&to=2026-05-01", "to"),
                Arguments.of("/api/summary?to=2020-01-01", "to"),
                Arguments.of("/api/summary?machineId=" + q("m 1"), "machineId"),
                Arguments.of("/api/summary?location=a&location=b", "location"),
                Arguments.of("/api/machines?machineId=" + "m".repeat(65), "machineId"),
                Arguments.of("/api/locations?location=" + "L".repeat(101), "location"),
                Arguments.of("/api/locations?from=" + q("2026-05-04T25:00:00Z"), "from"),
                Arguments.of("/api/products/top?limit=0", "limit"),
                Arguments.of("/api/products/top?limit=101", "limit"),
                Arguments.of("/api/products/top?limit=ten", "limit"),
                Arguments.of("/api/payments?to=" + q("not a date"), "to"),
                Arguments.of("/api/hourly?days=0", "days"),
                Arguments.of("/api/hourly?days=367", "days"),
                Arguments.of("/api/hourly?days=1.5", "days"),
                Arguments.of("/api/stock?location=" + q("bad\u0001name"), "location"),
                Arguments.of("/api/stock/low?limit=-1", "limit"),
                Arguments.of("/api/transactions/recent?limit=201", "limit"),
                Arguments.of("/api/transactions/recent?from=" + q("2026/05/04"), "from"),
                Arguments.of("/api/rejections?reason=" + q("x' or '1'='1"), "reason"),
                Arguments.of("/api/rejections?limit=99999999999", "limit"));
    }

    @ParameterizedTest(name = "{0} -> 400 on {1}")
    @MethodSource("bad_parameters")
    void should_answer_400_naming_the_bad_parameter(String pathAndQuery, String parameter) throws Exception {
        HttpResponse<String> response = get(pathAndQuery);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(headerNames(response)).doesNotContain(parameter.toLowerCase(java.util.Locale.ROOT));
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("parameter").asText()).isEqualTo(parameter);
        assertThat(error.get("error").asText()).contains(parameter);
    }

    @Test
    void should_answer_503_in_json_and_recover_when_the_database_cannot_answer() throws Exception {
        try (Connection c = APP.ledger().connect();
             java.sql.Statement st = c.createStatement()) {
            st.execute("alter table stock rename to stock_away");
            try {
                HttpResponse<String> response = get("/api/stock");
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
                JsonNode error = JSON.readTree(response.body());
                assertThat(error.get("error").asText()).contains("retry");
                assertThat(response.body()).doesNotContain("stock_away", "SQLException", "at io.vendstream");
            } finally {
                st.execute("alter table stock_away rename to stock");
            }
        }
        assertThat(json("/api/stock").get("slots").asInt()).isEqualTo(5);
    }

    @Test
    void should_treat_sql_in_a_filter_as_a_plain_value() throws Exception {
        JsonNode s = json("/api/summary?location=" + q("Engineering' or '1'='1"));
        assertThat(s.get("sales").asLong()).isZero();
        assertThat(json("/api/transactions/recent?location=" + q("x'; drop table sales; --")).get("transactions")).isEmpty();
        assertThat(json("/api/transactions/recent").get("transactions")).hasSize(5);
    }

    // ------------------------------------------------------------------------------------ openapi

    @Test
    void should_describe_every_endpoint_in_the_openapi_document() throws Exception {
        JsonNode doc = json("/api/openapi.json");
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        List<String> paths = new ArrayList<>();
        doc.get("paths").fieldNames().forEachRemaining(paths::add);
        // the operations other tests add (restock, alerts, history) come on top of these
        assertThat(paths).contains("/api/summary", "/api/machines", "/api/locations", "/api/products/top",
                "/api/payments", "/api/hourly", "/api/stock", "/api/stock/low", "/api/alerts", "/api/alerts/{id}/ack",
                "/api/transactions/recent", "/api/rejections", "/api/pipeline", "/api/config",
                // history (docs/history.md)
                "/api/rejections/{id}/replay", "/api/rejections/replay", "/api/imports", "/api/export/sales.csv",
                "/api/export/daily-products.csv",
                // restock planning (docs/restock.md)
                "/api/restock/plan", "/api/restock/picklist", "/api/stockouts");
        JsonNode top = doc.get("paths").get("/api/products/top").get("get");
        // shared parameters are references into components, as a client or generator follows them
        List<JsonNode> parameters = new ArrayList<>();
        top.get("parameters").forEach(p -> parameters.add(p.has("$ref")
                ? doc.at(p.get("$ref").asText().substring(1)) : p));
        assertThat(parameters).extracting(p -> p.get("name").asText())
                .containsExactlyInAnyOrder("limit", "from", "to", "location", "machineId");
        assertThat(top.get("responses").has("400")).isTrue();
    }

    @Test
    void should_serve_a_contract_that_an_openapi_parser_reads_without_a_single_message() throws Exception {
        HttpResponse<String> response = get("/api/openapi.json");
        assertThat(response.statusCode()).isEqualTo(200);
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(response.body(), null, options);
        assertThat(parsed.getMessages()).as("parser messages").isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.1");
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/api/summary", "/api/pipeline");
        // the served document is the contract itself, not one generated beside it
        assertThat(new ObjectMapper().readTree(response.body()).equals(CONTRACT.contract().document()))
                .as("/api/openapi.json is the contract openapi/vendstream-api.yaml").isTrue();
    }

    @Test
    void should_answer_every_operation_of_the_contract_as_the_contract_says() throws Exception {
        // reads without path parameters, answered in JSON; writes, reads of one thing and CSV exports are
        // checked by the tests of their own feature (restock, alerts, history)
        for (ApiContract.Operation op : CONTRACT.contract().operations()) {
            if (!op.verb().equals("GET") || op.path().contains("{") || !CONTRACT.answersJson(op)) {
                continue;
            }
            assertThat(get(op.path()).statusCode()).as(op.operationId()).isEqualTo(200);
            assertThat(CONTRACT.checked).contains(op.operationId() + " 200");
        }
    }

    @Test
    void should_serve_swagger_ui_from_the_application_pointed_at_the_contract() throws Exception {
        HttpResponse<String> page = get("/api/docs");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("/assets/swagger-ui-bundle.js", "/assets/swagger-ui.css", "/assets/api-docs.js")
                .doesNotContain("https://", "http://");
        assertThat(get("/assets/api-docs.js").body()).contains("\"/api/openapi.json\"");
        HttpResponse<String> bundle = get("/assets/swagger-ui-bundle.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/assets/swagger-ui.css").statusCode()).isEqualTo(200);
    }

    @Test
    void should_publish_the_hits_and_misses_of_both_answer_caches_with_the_metrics() throws Exception {
        HttpResponse<String> metrics = get("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        for (String cache : List.of("answers", "heatmap")) {
            assertThat(metrics.body()).containsPattern("cache_gets_total\\{[^}]*cache=\"" + cache + "\"[^}]*result=\"hit\"")
                    .containsPattern("cache_gets_total\\{[^}]*cache=\"" + cache + "\"[^}]*result=\"miss\"")
                    .containsPattern("cache_evictions_total\\{[^}]*cache=\"" + cache + "\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/assets/swagger-ui.js", "/assets/swagger-initializer.js", "/assets/oauth2-redirect.html",
            "/assets/index.css", "/assets/favicon-32x32.png", "/webjars/swagger-ui/5.32.6/swagger-ui.js",
            "/META-INF/resources/webjars/swagger-ui/5.32.6/swagger-initializer.js", "/api/docs/swagger-ui.css",
            "/api/docs/../../application.properties", "/assets/openapi%2fvendstream-api.yaml", "/openapi/vendstream-api.yaml",
            "/api/vendstream-api.yaml"})
    void should_not_serve_classpath_files_outside_the_fixed_asset_list(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path + " answered " + response.body()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------ static files

    @Test
    void should_serve_the_dashboard_page_and_its_assets() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>vendstream", "/assets/chart.umd.js", "/assets/dashboard.js");
        HttpResponse<String> chart = get("/assets/chart.umd.js");
        assertThat(chart.statusCode()).isEqualTo(200);
        assertThat(chart.body()).contains("Chart.js v4.5.1");
        assertThat(get("/assets/dashboard.js").statusCode()).isEqualTo(200);
        assertThat(get("/assets/dashboard.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/application.properties", "/log4j2.properties", "/db/migration/V1__event_store.sql",
            "/schema/vending-event-v1.json", "/../pom.xml", "/%2e%2e/pom.xml", "/pom.xml", "/README.md",
            "/routes/api-rest.camel.yaml", "/assets/application.properties", "/assets/..%2fapplication.properties",
            "/assets/%2e%2e%2f%2e%2e%2fpom.xml", "/dashboard/index.html", "/index.html",
            "/META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.js", "/webjars/chart.js/4.5.1/dist/chart.umd.js",
            "/io/vendstream/Application.class", "/assets/"})
    void should_not_serve_anything_but_the_dashboard_files(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path + " answered " + response.body()).isEqualTo(404);
        assertThat(response.body()).doesNotContain("vendstream.db", "create table", "camel.main", "<project");
    }

    // ------------------------------------------------------------------------------------ roles

    @Test
    void should_not_start_the_api_when_the_api_role_is_off() throws Exception {
        Properties props = TestInfrastructure.get().namespace("api_off").appProperties();
        props.setProperty("vendstream.api.enabled", "false");
        props.setProperty("vendstream.ingest.enabled", "false");
        try (VendstreamApp off = VendstreamApp.start(props)) {
            assertThat(off.context().getRouteController().getRouteStatus("get-sales-summary")).isEqualTo(ServiceStatus.Stopped);
            assertThat(off.context().getRouteController().getRouteStatus("serve-dashboard-page")).isEqualTo(ServiceStatus.Stopped);
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(off.baseUrl() + "/api/summary")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(404);
        }
    }
}

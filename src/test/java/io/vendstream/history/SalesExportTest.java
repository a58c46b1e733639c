package io.vendstream.history;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** The CSV exports against a real PostgreSQL seeded with known sales and rollup rows. */
class SalesExportTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int SALES = 12_000;
    private static final String[] LOCATIONS = {"Engineering", "Faculty of Law, Block \"A\"", "Medicine"};
    private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("export")
            .with("vendstream.ingest.enabled", "false")
            // a small fetch size, so the export crosses many cursor fetches and stream chunks
            .with("vendstream.export.fetch-size", "500");

    @BeforeAll
    static void start_on_a_seeded_database() throws Exception {
        try (Connection c = APP.ledger().connect(); PreparedStatement st = c.prepareStatement("insert into sales (event_id, machine_id, "
                + "location, product, category, unit_price, currency, quantity, amount, payment_method, stock_after, occurred_at, "
                + "ingested_at) values (?, ?, ?, ?, ?, ?, 'IDR', ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < SALES; i++) {
                BigDecimal price = new BigDecimal(2500 + (i % 7) * 1250).add(new BigDecimal(i % 3 == 0 ? "0.50" : "0"));
                int quantity = 1 + i % 3;
                Instant at = START.plusSeconds(37L * i).plusNanos((i % 1000) * 1_000L);
                st.setObject(1, UUID.nameUUIDFromBytes(("sale-" + i).getBytes(UTF_8)));
                st.setString(2, "M-" + (i % 11));
                st.setString(3, LOCATIONS[i % 3]);
                st.setString(4, i % 5 == 0 ? "Teh \"Botol\", 350ml" : "Aqua");
                st.setString(5, i % 4 == 0 ? null : "drink");
                st.setBigDecimal(6, price);
                st.setInt(7, quantity);
                st.setBigDecimal(8, price.multiply(BigDecimal.valueOf(quantity)));
                st.setString(9, i % 2 == 0 ? "qris" : "cash");
                if (i % 6 == 0) {
                    st.setNull(10, java.sql.Types.INTEGER);
                } else {
                    st.setInt(10, i % 20);
                }
                st.setTimestamp(11, Timestamp.from(at));
                st.setTimestamp(12, Timestamp.from(at.plusMillis(40)));
                st.addBatch();
            }
            st.executeBatch();
        }
        APP.ledger().execute("insert into sales_daily_product (day, machine_id, product, location, category, sales_count, units, revenue) values "
                + "('2026-03-01', 'M-1', 'Aqua', 'Engineering', 'drink', 3, 4, 20000.00), "
                + "('2026-03-01', 'M-2', 'Teh', 'Faculty of Law, Block \"A\"', null, 1, 1, 7500.50), "
                + "('2026-03-02', 'M-1', 'Aqua', 'Engineering', 'drink', 2, 2, 10000.00)");
    }

    @Test
    void should_export_the_seeded_sales_row_for_row_in_a_spreadsheet_ready_csv() throws Exception {
        HttpResponse<String> response = get("/api/export/sales.csv");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(response.headers().firstValue("Content-Disposition").orElse("")).contains("sales.csv");
        List<String> lines = lines(response.body());
        assertThat(lines.get(0)).isEqualTo("eventId,occurredAt,ingestedAt,machineId,location,product,category,quantity,unitPrice,"
                + "amount,currency,paymentMethod,stockAfter");
        assertThat(lines.subList(1, lines.size())).containsExactlyElementsOf(expectedSales("true", List.of()));
    }

    @Test
    void should_not_stream_cache_an_export_which_would_hold_the_whole_answer_in_memory() {
        // Camel caches a stream body between steps by default; for an export of millions of rows that
        // cache is the whole CSV in the heap (the 10 M-row export in HistoryBenchmarkIT ran out of it)
        for (String id : List.of("export-sales-csv", "export-daily-products-csv")) {
            assertThat(APP.context().getRoute(id).isStreamCaching()).as(id).isFalse();
        }
    }

    @Test
    void should_export_only_the_window_location_and_machine_asked_for() throws Exception {
        Instant from = START.plus(1, ChronoUnit.DAYS);
        Instant to = START.plus(3, ChronoUnit.DAYS);
        String location = LOCATIONS[1];
        HttpResponse<String> response = get("/api/export/sales.csv?from=" + from + "&to=" + to + "&machineId=M-4&location="
                + URLEncoder.encode(location, UTF_8));
        List<String> rows = lines(response.body());
        List<String> expected = expectedSales("occurred_at >= ? and occurred_at < ? and machine_id = 'M-4' and location = ?",
                List.of(Timestamp.from(from), Timestamp.from(to), location));
        assertThat(expected).isNotEmpty();
        assertThat(rows.subList(1, rows.size())).containsExactlyElementsOf(expected);
    }

    @Test
    void should_export_the_daily_product_rollup() throws Exception {
        HttpResponse<String> response = get("/api/export/daily-products.csv?from=2026-03-01&to=2026-03-02");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(lines(response.body())).containsExactly(
                "day,machineId,location,product,category,salesCount,units,revenue",
                "2026-03-01,M-1,Engineering,Aqua,drink,3,4,20000.00",
                "2026-03-01,M-2,\"Faculty of Law, Block \"\"A\"\"\",Teh,,1,1,7500.50");
    }

    @Test
    void should_answer_400_naming_a_bad_parameter() throws Exception {
        HttpResponse<String> response = get("/api/export/sales.csv?from=yesterday");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"parameter\":\"from\"");
        assertThat(get("/api/export/daily-products.csv?machineId=no%20spaces").statusCode()).isEqualTo(400);
    }

    /** The rows as the table holds them, formatted independently of the exporter. */
    private static List<String> expectedSales(String where, List<Object> args) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = APP.ledger().connect(); PreparedStatement st = c.prepareStatement("select event_id, occurred_at, ingested_at, "
                + "machine_id, location, product, category, quantity, unit_price, amount, currency, payment_method, stock_after "
                + "from sales where " + where + " order by occurred_at, event_id")) {
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(String.join(",", Arrays.asList(
                            rs.getString(1),
                            rs.getObject(2, OffsetDateTime.class).toInstant().toString(),
                            rs.getObject(3, OffsetDateTime.class).toInstant().toString(),
                            rs.getString(4), quoted(rs.getString(5)), quoted(rs.getString(6)),
                            rs.getString(7) == null ? "" : rs.getString(7),
                            String.valueOf(rs.getInt(8)), rs.getBigDecimal(9).toPlainString(), rs.getBigDecimal(10).toPlainString(),
                            rs.getString(11).trim(), rs.getString(12), rs.getObject(13) == null ? "" : rs.getObject(13).toString())));
                }
            }
        }
        return rows;
    }

    private static String quoted(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static List<String> lines(String body) {
        assertThat(body).endsWith("\r\n");
        return List.of(body.split("\r\n"));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(APP.baseUrl() + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

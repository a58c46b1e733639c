package io.vendstream.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import org.apache.camel.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real headless Chromium, against the real application while sales keep
 * arriving in the database. Skipped (with how to enable it) where no Chromium is installed;
 * in CI (environment variable CI set) a missing browser is a failure instead.
 */
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("dashboard")
            .assuming(() -> HeadlessChromium.assumeInstalled("the dashboard browser test"))
            .with("vendstream.ingest.enabled", "false")
            .with("vendstream.api.poll-interval-millis", "1000")
            // the alert rules evaluate often, so the Alerts panel has the demo fleet's stock-outs at once
            .with("vendstream.alerts.evaluate-period-millis", "500")
            .with("vendstream.alerts.first-evaluation-delay-millis", "0");
    private static HeadlessChromium browser;
    private static ScheduledExecutorService traffic;
    private static DemoFleet fleet;

    @BeforeAll
    static void start_the_application_with_sales_flowing_and_open_the_page() throws Exception {
        fleet = new DemoFleet(APP.ns(), Campus.ZONE);
        fleet.seed();
        fleet.seedPayments();
        for (Map.Entry<String, List<String>> machine : fleet.auditReads().entrySet()) {
            for (String dex : machine.getValue()) {
                var uploaded = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(APP.baseUrl() + "/api/dex?machineId=" + machine.getKey()))
                        .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString(dex)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(uploaded.statusCode()).as("upload of a read of %s: %s", machine.getKey(), uploaded.body()).isEqualTo(200);
            }
        }
        // sales keep arriving at the Engineering machines only, so other locations stay still
        traffic = Executors.newSingleThreadScheduledExecutor();
        int[] next = {0};
        List<DemoFleet.Machine> engineering = DemoFleet.MACHINES.stream().filter(m -> m.location().equals("Engineering")).toList();
        traffic.scheduleAtFixedRate(() -> {
            try {
                fleet.sell(engineering.get(next[0]++ % engineering.size()));
            } catch (Exception e) {
                // the next tick tries again; the assertions below notice if nothing arrives
            }
        }, 0, 300, TimeUnit.MILLISECONDS);

        browser = HeadlessChromium.start(1440, 2300);
        browser.open(APP.baseUrl() + "/");
    }

    @AfterAll
    static void stop() {
        if (traffic != null) {
            traffic.shutdownNow();
        }
        if (browser != null) {
            browser.quit();
        }
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    @SuppressWarnings("unchecked")
    private static List<String> column(String tableId, int column) {
        return (List<String>) browser.js("return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr td:nth-child(' + arguments[1] + ')'))"
                + ".map(td => td.textContent);", tableId, column);
    }

    private static long number(String formatted) {
        return Long.parseLong(formatted.replaceAll("[^0-9]", ""));
    }

    private static JsonNode api(String pathAndQuery) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + pathAndQuery)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    @Test
    void should_show_live_figures_that_change_between_polls_without_a_reload_and_survive_an_api_outage() throws Exception {
        // 1. live, non-zero KPIs
        await().atMost(WAIT).until(() -> "live".equals(browser.findElement(By.tagName("body")).getAttribute("data-state"))
                && !text("kpi-sales").equals("–") && number(text("kpi-sales")) > 0);
        assertThat(number(text("kpi-revenue"))).isPositive();
        assertThat(number(text("kpi-machines"))).isEqualTo(9);
        assertThat(text("kpi-machines-known")).contains("10");
        assertThat(text("status")).isEqualTo("Live");
        assertThat(text("last-updated")).matches("\\d{2}\\.\\d{2}\\.\\d{2}");

        // 2. the figures move with the sales arriving, in the same page (no reload)
        browser.js("window.__samePage = 'yes';");
        long salesBefore = number(text("kpi-sales"));
        String updatedBefore = text("last-updated");
        await().atMost(WAIT).until(() -> number(text("kpi-sales")) > salesBefore && !text("last-updated").equals(updatedBefore));
        assertThat(browser.js("return window.__samePage;")).isEqualTo("yes");
        assertThat(Long.parseLong(browser.findElement(By.tagName("body")).getAttribute("data-polls"))).isGreaterThanOrEqualTo(2);

        // 3. charts are drawn, the heatmap has its 7 x 24 cells with sales in them
        for (String chart : List.of("chart-locations", "chart-machines", "chart-products", "chart-payments")) {
            await(chart).atMost(WAIT).until(() -> Boolean.TRUE.equals(browser.js(
                    "const c = document.getElementById(arguments[0]);"
                            + "if (!c || !window.Chart || !Chart.getChart(c) || Chart.getChart(c).data.labels.length === 0) return false;"
                            + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                            + "for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false;", chart)));
        }
        List<?> heatCells = (List<?>) browser.js("return Array.from(document.querySelectorAll('#heatmap td')).map(td => Number(td.dataset.sales));");
        assertThat(heatCells).hasSize(168);
        assertThat(heatCells.stream().mapToLong(v -> ((Number) v).longValue()).max().orElse(0)).isPositive();
        assertThat(column("low-stock", 1)).isNotEmpty().startsWith("OUT");
        assertThat(column("feed", 1)).isNotEmpty();
        assertThat(column("rejections", 2)).hasSize(4).contains("SCHEMA_VIOLATION", "MALFORMED_JSON");
        assertThat(text("reasons")).contains("SCHEMA_VIOLATION");
        assertThat(text("routes")).contains("get-sales-summary", "Started");
        assertThat(number(text("pipe-consumed"))).isPositive();
        assertThat(text("pipe-payments")).startsWith("Payments (").contains(" consumed, ", "lag ");
        browser.screenshot(Path.of("target", "dashboard.png"));
        saveApiExamples();

        // 4. down to a small laptop screen nothing spills sideways (the heatmap scrolls inside its panel)
        for (int width : new int[] {1280, 1024}) {
            browser.resize(width, 800);
            await().atMost(WAIT).until(() -> ((Number) browser.js("return window.innerWidth;")).intValue() <= width);
            assertThat(((Number) browser.js("return document.documentElement.scrollWidth - window.innerWidth;")).intValue())
                    .as("horizontal overflow at %d px", width).isLessThanOrEqualTo(0);
        }
        browser.screenshot(Path.of("target", "dashboard-laptop.png"));
        browser.resize(1440, 2300);

        // 5. the location filter applies to the figures
        long medicineSales = api("/api/summary?location=Medicine").get("sales").asLong();
        assertThat(medicineSales).isPositive();
        new Select(browser.findElement(By.id("location-filter"))).selectByVisibleText("Medicine");
        await().atMost(WAIT).until(() -> number(text("kpi-sales")) == medicineSales);
        assertThat(number(text("kpi-machines"))).isEqualTo(2);
        // rows are replaced on every poll: read a whole column in one script, not element by element
        await().atMost(WAIT).until(() -> column("feed", 3).stream().allMatch("Medicine"::equals) && !column("feed", 3).isEmpty());
        assertThat(column("low-stock", 3)).isNotEmpty().containsOnly("Medicine");
        assertThat(text("heatmap-caption")).contains("Medicine");
        new Select(browser.findElement(By.id("location-filter"))).selectByVisibleText("All locations");
        await().atMost(WAIT).until(() -> number(text("kpi-sales")) > medicineSales);

        // 6. the API stops answering: the page says so, keeps the last figures, and recovers by itself
        List<String> apiRoutes = APP.context().getRoutes().stream().map(Route::getRouteId).filter(id -> id.startsWith("get-")).toList();
        for (String id : apiRoutes) {
            APP.context().getRouteController().stopRoute(id);
        }
        await().atMost(WAIT).until(() -> "stale".equals(browser.findElement(By.tagName("body")).getAttribute("data-state")));
        assertThat(browser.findElement(By.id("stale-banner")).isDisplayed()).isTrue();
        assertThat(text("status")).contains("Offline");
        assertThat(text("kpi-sales")).isNotEqualTo("–");
        browser.screenshot(Path.of("target", "dashboard-stale.png"));
        for (String id : apiRoutes) {
            APP.context().getRouteController().startRoute(id);
        }
        await().atMost(WAIT).until(() -> "live".equals(browser.findElement(By.tagName("body")).getAttribute("data-state")));
        assertThat(browser.findElement(By.id("stale-banner")).isDisplayed()).isFalse();
        assertThat(browser.js("return window.__samePage;")).isEqualTo("yes");
    }

    @Test
    void should_name_the_currency_the_application_is_configured_with() throws Exception {
        String currency = api("/api/config").get("currency").asText();
        assertThat(currency).isNotBlank();
        await().atMost(WAIT).until(() -> !text("kpi-revenue-currency").isEmpty());
        assertThat(text("kpi-revenue-currency")).isEqualTo(currency);
        assertThat(text("kpi-ticket-currency")).isEqualTo(currency + " per sale");
        assertThat(api("/api/summary").get("currency").asText()).isEqualTo(currency);
    }

    @Test
    void should_show_every_operation_of_the_contract_in_swagger_ui_and_try_one_out() throws Exception {
        try {
            browser.open(APP.baseUrl() + "/api/docs");
            int operations = new ApiContract().operations().size();
            await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector(".opblock")).size() == operations);
            assertThat(browser.findElement(By.cssSelector(".info .title")).getText()).contains("vendstream API");
            assertThat(browser.findElement(By.id("swagger-ui")).getText()).contains("get-sales-summary", "/api/products/top");
            browser.screenshot(Path.of("target", "swagger-ui.png"));

            // a person opens an operation and runs it against this application
            browser.findElement(By.cssSelector("#operations-sales-get-sales-summary .opblock-summary")).click();
            await().atMost(WAIT).until(() -> !browser.findElements(By.cssSelector("#operations-sales-get-sales-summary .execute")).isEmpty());
            browser.findElement(By.cssSelector("#operations-sales-get-sales-summary .execute")).click();
            await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector("#operations-sales-get-sales-summary .live-responses-table .response-col_status"))
                    .stream().anyMatch(e -> e.getText().trim().equals("200")));
            assertThat(browser.findElement(By.cssSelector("#operations-sales-get-sales-summary .live-responses-table")).getText())
                    .contains("\"machinesKnown\"", "\"currency\"");
            browser.screenshot(Path.of("target", "swagger-ui-try-it-out.png"));
        } finally {
            browser.open(APP.baseUrl() + "/");
        }
    }

    /**
     * The answers behind this screenshot, kept as test artifacts and checked against the contract;
     * with -Dvendstream.docs.update=true they become docs/api-examples.md (see ApiExamples).
     */
    private static void saveApiExamples() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "api-examples"));
        ContractSchemas contract = new ContractSchemas();
        List<ApiExamples.Answer> answers = new java.util.ArrayList<>();
        // one machine with credentials of its own, so the device list has an entry
        java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + "/api/devices"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"machineId\": \"med-02\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        for (String path : List.of("/api/summary", "/api/machines?location=Medicine", "/api/locations", "/api/products/top?limit=3",
                "/api/payments", "/api/hourly?location=Medicine", "/api/stock?machineId=med-01", "/api/stock/low?limit=3", "/api/alerts?state=open",
                "/api/transactions/recent?limit=2", "/api/rejections?limit=2", "/api/pipeline", "/api/config",
                "/api/restock/plan", "/api/restock/picklist", "/api/stockouts", "/api/imports", "/api/dex/reads?limit=2",
                "/api/reconciliation?limit=2", "/api/devices", "/api/payments/reconciliation", "/api/payments/exceptions",
                "/api/products/top?limit=0")) {
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(APP.baseUrl() + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            String name = path.substring(5).replaceAll("[^A-Za-z0-9]+", "_");
            Files.writeString(dir.resolve(name + ".json"), response.statusCode() + " " + path + "\n"
                    + response.body());
            contract.assertAnswers(path, response.statusCode(), response.body());
            answers.add(new ApiExamples.Answer(path, response.statusCode(), ApiExamples.parse(response.body())));
        }
        if (Boolean.getBoolean("vendstream.docs.update")) {
            ApiExamples.write(contract.contract(), answers);
        }
    }

    // ------------------------------------------------------------------------------ machine audits panel

    @Test
    void should_show_each_machines_latest_audit_interval_with_the_vends_the_stream_is_missing() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(column("audits", 1)).containsExactly("med-01", "med-02"));
        List<String> missing = column("audits", 5);
        assertThat(missing).containsExactly("2", "0");
        assertThat(column("audits", 6).get(0)).as("cash difference of med-01").contains("10.000");
        assertThat(text("audits-totals")).contains("2 intervals", "2 missing");
        assertThat(browser.findElement(By.cssSelector("#audits-panel a.panel-link")).getAttribute("href"))
                .endsWith("/api/reconciliation?format=csv");
    }

    // ------------------------------------------------------------------------------ cashless payments panel

    @Test
    void should_show_the_payment_kpis_and_the_open_payment_exceptions() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(text("pay-open-exceptions")).isEqualTo("2"));
        assertThat(text("pay-auth-delay")).as("vend to authorization p50 / p95").startsWith("2 / ").endsWith(" s");
        assertThat(text("pay-settle-lag")).as("settlement lag p50 / p95").startsWith("18 / ").endsWith(" h");
        assertThat(text("pay-settled-share")).isEqualTo("75 %");
        assertThat(browser.findElement(By.id("pay-open-exceptions")).getAttribute("class")).contains("bad");
        assertThat(column("payment-exceptions", 1)).containsExactlyInAnyOrder("AMOUNT_MISMATCH", "SETTLEMENT_MISSING");
        assertThat(column("payment-exceptions", 3)).containsExactlyInAnyOrder("TX-DEMO-0003", "TX-DEMO-0004");
        assertThat(text("payments-totals")).contains("4 cashless vends");
        assertThat(browser.findElement(By.cssSelector("#payments-panel a.panel-link")).getAttribute("href"))
                .endsWith("/api/payments/exceptions?format=csv");
    }

    // ------------------------------------------------------------------------------ alerts panel

    @Test
    void should_show_open_alerts_with_their_age_and_acknowledge_one_with_a_click() throws Exception {
        await().atMost(WAIT).until(() -> column("alerts", 2).contains("stock-out"));
        assertThat(column("alerts", 1)).contains("CRITICAL");
        assertThat(column("alerts", 5)).allMatch(age -> age.matches("\\d+ (s|min|h \\d+ min|d \\d+ h)"));

        // a new stock-out reaches the panel within an evaluation and a poll
        try (java.sql.Connection c = APP.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("update stock set quantity = 0, as_of = now() where (machine_id, product) = "
                     + "(select machine_id, product from stock where quantity > 0 order by machine_id, product limit 1) "
                     + "returning product || ' is sold out in ' || machine_id")) {
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                String summary = rs.getString(1);
                await().atMost(WAIT).until(() -> column("alerts", 3).stream().anyMatch(a -> a.startsWith(summary)));
            }
        }

        // acknowledge the first one: the button becomes who acknowledged it, and the API agrees
        // rows are replaced on every poll: find and click the button in one script
        String alertId = (String) browser.js("const b = document.querySelector('#alerts button.ack'); b.click(); return b.dataset.alertId;");
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(browser.js(
                "const tr = document.querySelector('#alerts tr[data-alert-id=\"' + arguments[0] + '\"]');"
                        + "return !!tr && !tr.querySelector('button.ack') && tr.textContent.includes('anonymous');", alertId)));
        // API answers are reused for a moment (vendstream.api.cache-millis): the list agrees within that
        await().atMost(WAIT).until(() -> {
            for (JsonNode alert : api("/api/alerts?state=open").get("alerts")) {
                if (alert.get("id").asText().equals(alertId)) {
                    return "anonymous".equals(alert.get("acknowledgedBy").asText());
                }
            }
            return false;
        });
        // and the page, polling on, keeps showing it acknowledged
        assertThat((Boolean) browser.js("const tr = document.querySelector('#alerts tr[data-alert-id=\"' + arguments[0] + '\"]');"
                + "return !tr || !tr.querySelector('button.ack');", alertId)).isTrue();
        browser.screenshot(Path.of("target", "dashboard-alerts.png"));
    }
}

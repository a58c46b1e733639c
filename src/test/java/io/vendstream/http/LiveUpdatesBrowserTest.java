package io.vendstream.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sales reach the screen by push: the dashboard and the restock view in a real headless Chromium,
 * against the real application with ingest on, while the test publishes sales to Kafka. The pages'
 * poll interval is ten minutes, so whatever shows after the first load came through
 * {@code GET /api/stream}; the test also checks the page asked for no transactions in between.
 *
 * <p>The page's own clock times when each sale's row appears in the live feed (a MutationObserver);
 * the test's clock, the same machine's, times when the sale was handed to the producer. Their
 * difference is the event-to-screen latency: producer, broker, ingest transaction, change feed,
 * server-sent event, rendering. {@code -Dvendstream.e2s.events=200 -Dvendstream.e2s.rates=10,1000}
 * measures it over more events (docs/performance.md); at a high rate the feed shows the newest 25
 * sales, so only the sales that appear in it are measured. {@code -Dvendstream.e2s.warmup-seconds=20}
 * publishes at each rate for that long first (not measured), so the figures are the warm
 * application's rather than its JIT's first seconds.
 */
class LiveUpdatesBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int EVENTS = Integer.getInteger("vendstream.e2s.events", 20);
    private static final String RATES = System.getProperty("vendstream.e2s.rates", "10");
    private static final int WARMUP_SECONDS = Integer.getInteger("vendstream.e2s.warmup-seconds", 0);
    /** {@code poll}: measure the page as it was before the stream, polling every 2 s (EventSource taken away). */
    private static final boolean POLLING = Boolean.getBoolean("vendstream.e2s.polling");

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("live")
            .assuming(() -> HeadlessChromium.assumeInstalled("the live updates browser test"))
            .with("vendstream.api.poll-interval-millis", POLLING ? "2000" : "600000");
    private static HeadlessChromium browser;

    @BeforeAll
    static void open_the_dashboard() {
        browser = HeadlessChromium.start(1440, 1800);
        if (POLLING) {
            browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", "delete window.EventSource;"));
        }
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.vsErrors = []; window.addEventListener('error', (e) => window.vsErrors.push(String(e.message)));"));
        browser.open(APP.baseUrl() + "/", By.cssSelector("body[data-polls]"));
        if (!POLLING) {
            await("the dashboard follows the stream").atMost(WAIT)
                    .until(() -> "open".equals(browser.js("return document.body.dataset.stream;")));
        }
        // the time each row of the live feed first appears, by the page's clock (epoch milliseconds)
        browser.js("""
                performance.setResourceTimingBufferSize(100000);
                window.vsSeen = {};
                const body = document.querySelector('#feed tbody');
                const mark = () => { const at = performance.timeOrigin + performance.now();
                  for (const tr of body.querySelectorAll('tr[data-event-id]')) {
                    if (!(tr.dataset.eventId in window.vsSeen)) window.vsSeen[tr.dataset.eventId] = at; } };
                mark();
                new MutationObserver(mark).observe(body, { childList: true });""");
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void should_show_each_sale_in_the_live_feed_without_polling_for_it() throws Exception {
        // one sale first, so the consumer has joined its group and the page has drawn a row once
        Map<String, Long> probe = publish(1, 1);
        await("a first sale shows in the live feed").atMost(WAIT).until(() -> seen().keySet().containsAll(probe.keySet()));
        StringBuilder report = new StringBuilder();
        for (String rate : RATES.split(",")) {
            if (WARMUP_SECONDS > 0) {
                Map<String, Long> warmup = publish(Integer.parseInt(rate.trim()), Integer.parseInt(rate.trim()) * WARMUP_SECONDS);
                await("the warm-up's last sale shows").atMost(WAIT).until(() -> seen().containsKey(last(warmup)));
            }
            long transactionsAsked = transactionRequests();
            Map<String, Long> sent = publish(Integer.parseInt(rate.trim()), EVENTS);
            boolean everyOne = Integer.parseInt(rate.trim()) <= 100;
            await("the sales published at " + rate + "/s show in the live feed").atMost(WAIT).untilAsserted(() -> {
                Map<String, Double> seen = seen();
                if (everyOne) {
                    assertThat(seen.keySet()).containsAll(sent.keySet());
                } else {
                    // the feed keeps the newest 25: the last sale published must show
                    assertThat(seen).containsKey(last(sent));
                }
            });
            Map<String, Double> seen = seen();
            List<Double> latencies = new ArrayList<>();
            sent.forEach((id, at) -> {
                Double shown = seen.get(id);
                if (shown != null) {
                    latencies.add(shown - at);
                }
            });
            Collections.sort(latencies);
            // the pipeline's own share (received -> committed), as the latency card shows it for the same minutes
            String card = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(APP.baseUrl() + "/api/summary")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            String pipeline = new com.fasterxml.jackson.databind.ObjectMapper().readTree(card).get("latency").toString();
            String line = String.format("%s/s: %d of %d sales measured on screen, event-to-screen p50 %.1f ms, p99 %.1f ms, max %.1f ms%s; "
                    + "pipeline card %s", rate.trim(), latencies.size(), sent.size(), quantile(latencies, 0.50), quantile(latencies, 0.99),
                    latencies.get(latencies.size() - 1), POLLING ? " (polling every 2 s, no stream)" : "", pipeline);
            report.append(line).append('\n');
            System.out.println("Event to screen: " + line);
            if (!POLLING) {
                assertThat(transactionRequests()).as("requests for /api/transactions while the sales arrived")
                        .isEqualTo(transactionsAsked);
                assertThat(quantile(latencies, 0.50)).as("event-to-screen p50 at %s/s (ms)", rate).isLessThan(1_000);
            }
        }
        Path out = Path.of("target", "event-to-screen" + (POLLING ? "-polling" : "") + ".txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    @Test
    void should_move_the_restock_plan_when_stock_changes_without_polling_for_it() throws Exception {
        HeadlessChromium phone = HeadlessChromium.start(390, 844);
        try {
            phone.open(APP.baseUrl() + "/restock");
            if (POLLING) {
                return;
            }
            await("the restock view follows the stream").atMost(WAIT)
                    .until(() -> "open".equals(phone.js("return document.body.dataset.stream;")));
            Object before = phone.js("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/restock/plan')).length;");
            APP.kafka().send(APP.topic(), "RST-01", Events.json(restockSale()));
            await("a stock change brings a fresh plan").atMost(WAIT).until(() -> ((Number) phone.js(
                    "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/restock/plan')).length;"))
                    .longValue() > ((Number) before).longValue());
        } finally {
            phone.quit();
        }
    }

    private static Map<String, Object> restockSale() {
        Map<String, Object> sale = Events.sale("RST-01", "Aqua 600ml", 1, "5000", 0);
        return sale;
    }

    /** Publishes {@code count} sales at {@code rate} per second; answers each eventId and when it was handed to the producer. */
    private static Map<String, Long> publish(int rate, int count) {
        Map<String, Long> sent = new LinkedHashMap<>();
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Map<String, Object> sale = Events.sale("LIVE-" + (1 + i % 5), "Aqua 600ml", 1, "5000", 10);
            sent.put((String) sale.get("eventId"), System.currentTimeMillis());
            APP.kafka().sendAsync(APP.topic(), (String) sale.get("machineId"), Events.json(sale));
        }
        APP.kafka().flush();
        return sent;
    }

    private static String last(Map<String, Long> sent) {
        String last = null;
        for (String id : sent.keySet()) {
            last = id;
        }
        return last;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> seen() {
        Map<String, Object> raw = (Map<String, Object>) browser.js("return window.vsSeen;");
        Map<String, Double> seen = new LinkedHashMap<>();
        raw.forEach((id, at) -> seen.put(id, ((Number) at).doubleValue()));
        return seen;
    }

    private static long transactionRequests() {
        return ((Number) browser.js(
                "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/transactions')).length;")).longValue();
    }

    private static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
    }
}

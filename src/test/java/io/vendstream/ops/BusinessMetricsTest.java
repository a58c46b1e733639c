package io.vendstream.ops;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import io.vendstream.support.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The vendstream_* series in /observe/metrics say what the database and the brokers say. */
class BusinessMetricsTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();
    private static final String TOPIC = "seeded.events";

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("metrics")
            // nothing consumes: the committed offsets below stay as the test sets them
            .with("vendstream.ingest.enabled", "false")
            .with("vendstream.metrics.refresh-millis", "1500")
            .with("vendstream.metrics.low-stock-units", "3");

    @BeforeAll
    static void seed() throws Exception {
        try (Connection c = APP.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("insert into ingest_partitions (topic, partition, next_offset, consumed, stored, duplicates, rejected) values "
                    + "('" + TOPIC + "', 0, 40, 40, 35, 3, 2), ('" + TOPIC + "', 1, 25, 25, 20, 1, 4), ('" + TOPIC + "', 2, 0, 0, 0, 0, 0)");
            st.executeUpdate("insert into rejected_counts (topic, partition, reason, count) values "
                    + "('" + TOPIC + "', 0, 'MALFORMED_JSON', 2), ('" + TOPIC + "', 1, 'MALFORMED_JSON', 1), "
                    + "('" + TOPIC + "', 1, 'SCHEMA_VIOLATION', 3)");
            // two minutes of non-cumulative bucket counts
            st.executeUpdate("insert into latency_minute (minute, le_ms, count) values "
                    + "('2026-01-05 08:00+00', 5, 2), ('2026-01-05 08:00+00', 50, 3), ('2026-01-05 08:00+00', -1, 1), "
                    + "('2026-01-05 08:01+00', 5, 1), ('2026-01-05 08:01+00', 1000, 4)");
            // and how late the devices reported: another histogram
            st.executeUpdate("insert into latency_minute (minute, stage, le_ms, count) values ('2026-01-05 08:00+00', 'device', 2500, 7)");
            st.executeUpdate("insert into stock (machine_id, product, location, quantity, capacity, as_of) values "
                    + "('m1', 'Teh Botol', 'FT', 0, 20, now()), ('m1', 'Aqua', 'FT', 2, 20, now()), "
                    + "('m2', 'Aqua', 'FEB', 3, 20, now()), ('m2', 'Chitato', 'FEB', 4, 20, now())");
            st.executeUpdate("insert into sales_daily_payment (day, machine_id, payment_method, location, sales_count, revenue) values "
                    + "('2026-01-05', 'm1', 'qris', 'FT', 3, 15000.00), ('2026-01-06', 'm1', 'cash', 'FT', 1, 4500.50), "
                    + "('2026-01-05', 'm2', 'card', 'FEB', 2, 24000.00)");
        }
        // 5 records in partition 0, 3 in partition 1; the group has done 2 in partition 0 and none in 1
        for (int i = 0; i < 5; i++) {
            APP.kafka().send(APP.topic(), 0, "m1", Events.utf8("{}"));
        }
        for (int i = 0; i < 3; i++) {
            APP.kafka().send(APP.topic(), 1, "m2", Events.utf8("{}"));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, INFRA.bootstrapServers()))) {
            admin.alterConsumerGroupOffsets(APP.ns().group(), Map.of(new TopicPartition(APP.topic(), 0), new OffsetAndMetadata(2)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private static String scrape() {
        var response = Http.get(APP.baseUrl() + "/observe/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series %s in%n%s", series, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void should_expose_the_ingest_counters_and_rejections_by_reason_as_stored_in_the_database() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String s = scrape();
            String t = "topic=\"" + TOPIC + "\"";
            assertThat(value(s, "vendstream_events_consumed_total{" + t + "}")).isEqualTo(65);
            assertThat(value(s, "vendstream_events_stored_total{" + t + "}")).isEqualTo(55);
            assertThat(value(s, "vendstream_events_duplicate_total{" + t + "}")).isEqualTo(4);
            assertThat(value(s, "vendstream_events_rejected_total{reason=\"MALFORMED_JSON\"," + t + "}")).isEqualTo(3);
            assertThat(value(s, "vendstream_events_rejected_total{reason=\"SCHEMA_VIOLATION\"," + t + "}")).isEqualTo(3);
            assertThat(value(s, "vendstream_metrics_source_up{source=\"database\"}")).isEqualTo(1);
        });
    }

    @Test
    void should_expose_the_revenue_of_the_stored_sales_per_location_from_the_daily_rollup() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String s = scrape();
            assertThat(value(s, "vendstream_sales_revenue_total{location=\"FT\"}")).isEqualTo(19500.50);
            assertThat(value(s, "vendstream_sales_revenue_total{location=\"FEB\"}")).isEqualTo(24000.00);
        });
    }

    @Test
    void should_expose_the_pipeline_latency_and_device_delay_histograms_with_cumulative_buckets_built_from_the_per_minute_counts() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String s = scrape();
            Map<String, Double> expected = new java.util.LinkedHashMap<>();
            expected.put("0.005", 3.0);
            expected.put("0.01", 3.0);
            expected.put("0.05", 6.0);
            expected.put("0.5", 6.0);
            expected.put("1.0", 10.0);
            expected.put("60.0", 10.0);
            expected.put("+Inf", 11.0);
            expected.forEach((le, count) ->
                    assertThat(value(s, "vendstream_pipeline_latency_seconds_bucket{le=\"" + le + "\"}")).as("le=%s", le).isEqualTo(count));
            assertThat(value(s, "vendstream_pipeline_latency_seconds_count")).isEqualTo(11);
            assertThat(value(s, "vendstream_device_delay_seconds_bucket{le=\"1.0\"}")).isEqualTo(0);
            assertThat(value(s, "vendstream_device_delay_seconds_bucket{le=\"2.5\"}")).isEqualTo(7);
            assertThat(value(s, "vendstream_device_delay_seconds_count")).isEqualTo(7);
        });
    }

    @Test
    void should_expose_open_stock_alerts_and_the_consumer_lag_per_partition() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String s = scrape();
            assertThat(value(s, "vendstream_stock_alerts{level=\"out\"}")).isEqualTo(1);
            assertThat(value(s, "vendstream_stock_alerts{level=\"low\"}")).isEqualTo(2);
            String t = "topic=\"" + APP.topic() + "\"";
            assertThat(value(s, "vendstream_consumer_lag{partition=\"0\"," + t + "}")).isEqualTo(3);
            assertThat(value(s, "vendstream_consumer_lag{partition=\"1\"," + t + "}")).isEqualTo(3);
            assertThat(value(s, "vendstream_consumer_lag{partition=\"2\"," + t + "}")).isEqualTo(0);
        });
    }

    @Test
    void should_keep_camel_route_metrics_in_the_same_scrape() {
        String s = scrape();
        assertThat(s).contains("camel_exchanges_total{camelContext=\"vendstream\",eventType=\"context\"")
                .contains("camel_routes_running")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void should_read_the_database_once_per_refresh_interval_however_often_it_is_scraped() throws Exception {
        javax.sql.DataSource real = APP.dataSource();
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        // the real pool, with every connection it hands out counted
        javax.sql.DataSource counting = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connections.incrementAndGet();
                    }
                    return method.invoke(real, args);
                });
        KafkaAdmin kafka = new KafkaAdmin(INFRA.bootstrapServers(), 5000);
        kafka.start();
        try {
            BusinessMetrics metrics = new BusinessMetrics(counting, new ConsumerLag(kafka, APP.topic(), APP.ns().group(), java.time.Duration.ofSeconds(2), Runnable::run), 3, 60_000);
            for (int i = 0; i < 50; i++) {
                assertThat(metrics.collect().stream().map(m -> m.getMetadata().getName()))
                        .contains("vendstream_events_consumed", "vendstream_stock_alerts");
            }
            assertThat(connections.get()).isEqualTo(1);
        } finally {
            kafka.stop();
        }
    }
}

package io.vendstream.bench;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vendstream.support.Campus;
import io.vendstream.support.PackagedApp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * History at scale, against the packaged jar as its own process (so its memory is its own): a
 * 1,000,000-line JSONL import, a 10,000,000-row CSV export, and a purge of millions of old rows while
 * ingest runs. Sizes: -Dbench.history.import-lines, -Dbench.history.export-rows, -Dbench.history.purge-rows.
 * Run: ./mvnw -B -Pbench verify -Dit.test=HistoryBenchmarkIT
 */
@Tag("benchmark")
class HistoryBenchmarkIT {

    private static final long IMPORT_LINES = Long.getLong("bench.history.import-lines", 1_000_000);
    private static final long EXPORT_ROWS = Long.getLong("bench.history.export-rows", 10_000_000);
    private static final long PURGE_ROWS = Long.getLong("bench.history.purge-rows", 2_000_000);
    private static final long LIVE_EVENTS = Long.getLong("bench.history.live-events", 300_000);
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.eE+]+)");

    private final BenchInfra infra = BenchInfra.fromSystemProperties();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void should_import_a_million_lines_export_ten_million_rows_and_purge_under_ingest_with_bounded_memory() throws Exception {
        Path out = Path.of(System.getProperty("vendstream.project.dir", "."), "target", "bench", "history-benchmark.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, "");
        // each figure is written as soon as it is measured
        for (java.util.concurrent.Callable<String> part : List.<java.util.concurrent.Callable<String>>of(
                this::importMillionLines, this::exportTenMillionRows, this::purgeUnderIngest)) {
            String line = part.call();
            System.out.println("\n=== History benchmark: " + line + "\n");
            Files.writeString(out, line + "\n", java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private String schema(String name) {
        String schema = "hist_" + name + "_" + Long.toString(System.currentTimeMillis(), 36);
        infra.createTopics(schema + ".events", schema + ".events.dlq");
        infra.migrate(schema);
        return schema;
    }

    private PackagedApp app(String name, String schema, List<String> options) throws Exception {
        return infra.startApp(name, schema, schema + ".events", schema + "-ingest", true, options).awaitHealthy(Duration.ofMinutes(3));
    }

    private long query(String schema, String sql) throws Exception {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String schema, String sql) throws Exception {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    // ------------------------------------------------------------------------------- import

    private String importMillionLines() throws Exception {
        String schema = schema("import");
        Path dataDir = Path.of(System.getProperty("vendstream.project.dir", "."), "target", "bench", "data-history-import").toAbsolutePath();
        try (PackagedApp app = app("history-import", schema, List.of())) {
            double rssBefore = app.peakRssMib();
            Path file = dataDir.resolve("history-1m.jsonl.tmp");
            Files.createDirectories(dataDir.resolve("import"));
            Instant base = Instant.now().minus(Duration.ofDays(30));
            try (BufferedWriter w = Files.newBufferedWriter(file, UTF_8)) {
                for (long i = 0; i < IMPORT_LINES; i++) {
                    w.write(event(UUID.nameUUIDFromBytes(("import-" + i).getBytes(UTF_8)), "imp-" + (i % 60), base.plusMillis(i * 2_000)));
                    w.write('\n');
                }
            }
            long bytes = Files.size(file);
            Path reportFile = dataDir.resolve("import").resolve("done").resolve("history-1m.jsonl.report.json");
            Files.deleteIfExists(reportFile);
            long t0 = System.nanoTime();
            Files.move(file, dataDir.resolve("import").resolve("history-1m.jsonl"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1)).until(() -> Files.exists(reportFile));
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> query(schema, "select coalesce(sum(consumed), 0) from ingest_partitions") >= IMPORT_LINES);
            double storedSeconds = (System.nanoTime() - t0) / 1e9;
            long stored = query(schema, "select count(*) from sales");
            assertThat(stored).isEqualTo(IMPORT_LINES);
            String reportJson = Files.readString(reportFile);
            assertThat(reportJson).contains("\"recordsPublished\" : " + IMPORT_LINES);
            return String.format("import: %,d lines (%,d MB) published in %.1f s (%,.0f lines/s), all stored after %.1f s; "
                            + "app RSS %.0f MiB after start-up, peak %.0f MiB (VmHWM, -Xmx384m)",
                    IMPORT_LINES, bytes / 1_000_000, importSeconds, IMPORT_LINES / importSeconds, storedSeconds, rssBefore, app.peakRssMib());
        }
    }

    private static String event(UUID id, String machine, Instant at) {
        return "{\"eventId\":\"" + id + "\",\"type\":\"sale\",\"machineId\":\"" + machine + "\",\"location\":\"Engineering\","
                + "\"product\":\"Aqua 600ml\",\"category\":\"drink\",\"unitPrice\":5000,\"currency\":\"IDR\",\"quantity\":1,"
                + "\"paymentMethod\":\"qris\",\"occurredAt\":\"" + RFC3339.format(at.atOffset(ZoneOffset.ofHours(7))) + "\"}";
    }

    // ------------------------------------------------------------------------------- export

    private String exportTenMillionRows() throws Exception {
        String schema = schema("export");
        long s0 = System.nanoTime();
        // COPY with the indexes rebuilt after, as the API benchmark seeds its history
        new SalesSeeder(infra, schema, Campus.TIME_ZONE).seed(EXPORT_ROWS, schema + ".events");
        double seedSeconds = (System.nanoTime() - s0) / 1e9;
        try (PackagedApp app = app("history-export", schema, List.of())) {
            double rssBefore = app.peakRssMib();
            AtomicLong maxHeap = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> maxHeap.accumulateAndGet(heapUsed(app), Math::max), 0, 500, TimeUnit.MILLISECONDS);
            long heapBefore = heapUsed(app);
            long t0 = System.nanoTime();
            long lines = 0;
            long bytes = 0;
            try (InputStream in = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/export/sales.csv")).build(),
                    HttpResponse.BodyHandlers.ofInputStream()).body()) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    bytes += n;
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            lines++;
                        }
                    }
                }
            } finally {
                sampler.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(lines).isEqualTo(EXPORT_ROWS + 1);
            return String.format("export: %,d rows (%,d MB of CSV) in %.1f s (%,.0f rows/s; seeding took %.0f s); heap used %.0f MiB before, "
                            + "at most %.0f MiB during (sampled every 0.5 s); RSS %.0f MiB after start-up, peak %.0f MiB",
                    EXPORT_ROWS, bytes / 1_000_000, seconds, EXPORT_ROWS / seconds, seedSeconds, heapBefore / 1048576.0,
                    maxHeap.get() / 1048576.0, rssBefore, app.peakRssMib());
        }
    }

    private long heapUsed(PackagedApp app) {
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = HEAP.matcher(metrics);
            long sum = 0;
            while (m.find()) {
                sum += (long) Double.parseDouble(m.group(1));
            }
            return sum;
        } catch (Exception e) {
            return 0;
        }
    }

    private void seedSales(String schema, long rows, String age, String machine) throws Exception {
        // in chunks of a million, each its own statement
        for (long from = 1; from <= rows; from += 1_000_000) {
            long to = Math.min(rows, from + 999_999);
            execute(schema, "insert into sales (event_id, machine_id, location, product, category, unit_price, currency, "
                    + "quantity, amount, payment_method, stock_after, occurred_at, source_partition, source_offset) "
                    + "select gen_random_uuid(), " + machine + ", 'Engineering', 'Aqua 600ml', 'drink', 5000, 'IDR', 1, 5000, "
                    + "'qris', (i % 12)::int, " + age + " + i * interval '1 second', 0, 0 "
                    + "from generate_series(" + from + ", " + to + ") i");
        }
    }

    // ------------------------------------------------------------------------------- retention

    private String purgeUnderIngest() throws Exception {
        String schema = schema("purge");
        seedSales(schema, PURGE_ROWS, "now() - interval '600 days'", "'old-' || (i % 60)");
        String topic = schema + ".events";
        try (PackagedApp app = app("history-purge", schema, List.of("-Dvendstream.retention.raw-days=400",
                "-Dvendstream.retention.period-millis=1000", "-Dvendstream.retention.batch-size=5000"));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all",
                     ProducerConfig.LINGER_MS_CONFIG, "5"), new ByteArraySerializer(), new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> query(schema, "select count(*) from sales") < PURGE_ROWS);
            double duringRate = ingest(schema, producer, topic, 0);
            long leftWhenIngestDone = query(schema, "select count(*) from sales where machine_id like 'old-%'");
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> query(schema, "select count(*) from sales where machine_id like 'old-%'") == 0);
            double purgeSeconds = (System.nanoTime() - t0) / 1e9;
            double afterRate = ingest(schema, producer, topic, LIVE_EVENTS);
            assertThat(query(schema, "select count(*) from sales")).isEqualTo(2 * LIVE_EVENTS);
            return String.format("retention: %,d old sales purged in %.0f s (%,.0f rows/s, batches of 5,000); "
                            + "ingest of %,d events while the purge ran: %,.0f events/s (%,d old rows were still left when it finished); "
                            + "the same ingest with no purge running: %,.0f events/s; peak RSS %.0f MiB",
                    PURGE_ROWS, purgeSeconds, PURGE_ROWS / purgeSeconds, LIVE_EVENTS, duringRate, leftWhenIngestDone, afterRate,
                    app.peakRssMib());
        }
    }

    /** Publishes LIVE_EVENTS new sales as fast as the broker takes them; the rate at which ingest stored them. */
    private double ingest(String schema, KafkaProducer<byte[], byte[]> producer, String topic, long offset) throws Exception {
        long consumedBefore = query(schema, "select coalesce(sum(consumed), 0) from ingest_partitions");
        long t0 = System.nanoTime();
        Instant now = Instant.now();
        for (long i = 0; i < LIVE_EVENTS; i++) {
            String machine = "live-" + (i % 60);
            producer.send(new ProducerRecord<>(topic, machine.getBytes(UTF_8),
                    event(UUID.randomUUID(), machine, now.minusMillis(LIVE_EVENTS - i)).getBytes(UTF_8)));
        }
        producer.flush();
        await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> query(schema, "select coalesce(sum(consumed), 0) from ingest_partitions") >= consumedBefore + LIVE_EVENTS);
        return LIVE_EVENTS / ((System.nanoTime() - t0) / 1e9);
    }
}

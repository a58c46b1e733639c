package io.vendstream.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;

import static org.awaitility.Awaitility.await;

/**
 * Memory in embedded mode, the way {@code java -jar target/vendstream.jar} runs with no
 * configuration: the application's JVM holds the Kafka broker too (PostgreSQL is a process of its
 * own). The same events as the ingest scenario are published to the application's own broker and
 * drained; the peak resident set size of its JVM is the figure. Meanwhile a screen follows
 * {@code GET /api/stream} and {@code bench.memory.devices} machines (100) stay connected to the MQTT
 * endpoint, as in a running fleet. Its data directory is fresh and removed afterwards.
 */
final class MemoryScenario {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchParameters p;

    MemoryScenario(BenchParameters p) {
        this.p = p;
    }

    Map<String, Object> run(String runId) throws Exception {
        Path dataDir = Path.of(System.getProperty("vendstream.project.dir", "."), "target", "bench", "embedded-" + runId)
                .toAbsolutePath();
        int kafkaPort = TestInfrastructure.freePort();
        Map<String, Object> figures = new LinkedHashMap<>();
        CampusEvents events = new CampusEvents(42, p.duplicateShare(), p.invalidShare());
        Vertx vertx = null;
        try (PackagedApp app = BenchInfra.startEmbeddedApp("embedded", dataDir, kafkaPort, p.appJvmOptions())) {
            app.awaitHealthy(Duration.ofMinutes(5));
            figures.put("startupSeconds", Percentiles.round(app.uptimeSeconds()));
            figures.put("rssAfterStartupMib", Percentiles.round(app.peakRssMib()));
            // machines connected over MQTT (connecting waits until the API is up), and a screen on the
            // live stream, for the whole drain
            vertx = Vertx.vertx();
            int devices = Integer.getInteger("bench.memory.devices", p.events() < 100_000 ? 10 : 100);
            List<MqttClient> connected = MqttScenario.connect(vertx, app, "mem", devices);
            figures.put("mqttDevicesConnected", connected.stream().filter(MqttClient::isConnected).count());
            HttpClient screen = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            AtomicLong streamLines = new AtomicLong();
            Thread follower = new Thread(() -> {
                try {
                    try (java.io.InputStream in = new java.io.BufferedInputStream(screen.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/stream"))
                            .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream()).body())) {
                        int b;
                        while ((b = in.read()) >= 0) {
                            if (b == '\n') {
                                streamLines.incrementAndGet();
                            }
                        }
                    }
                } catch (Exception e) {
                    // the application stopped at the end of the run
                }
            }, "bench-stream-screen");
            follower.setDaemon(true);
            follower.start();
            long streamLinesBeforePublish = streamLines.get();
            double publishSeconds = IngestScenario.publish("127.0.0.1:" + kafkaPort, "vending.events", events, p.events());
            figures.put("publishSeconds", Percentiles.round(publishSeconds));
            long started = System.nanoTime();
            HttpClient http = HttpClient.newHttpClient();
            JsonNode[] pipeline = new JsonNode[1];
            await("the embedded application to drain " + p.events() + " records").atMost(p.drainTimeout())
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        if (!app.isAlive()) {
                            throw new IllegalStateException("the application exited during the memory run");
                        }
                        pipeline[0] = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/pipeline"))
                                .build(), HttpResponse.BodyHandlers.ofString()).body());
                        return pipeline[0].get("consumed").asLong() >= p.events();
                    });
            double drainSeconds = (System.nanoTime() - started) / 1e9;
            figures.put("events", p.events());
            figures.put("drainSecondsAfterPublish", Percentiles.round(drainSeconds));
            figures.put("consumed", pipeline[0].get("consumed").asLong());
            figures.put("stored", pipeline[0].get("stored").asLong());
            figures.put("duplicates", pipeline[0].get("duplicates").asLong());
            figures.put("rejected", pipeline[0].get("rejected").asLong());
            CampusEvents.Expected expected = events.expected();
            figures.put("storedAsExpected", pipeline[0].get("stored").asLong() == expected.sales + expected.restocks
                    && pipeline[0].get("rejected").asLong() == expected.invalid);
            figures.put("peakRssMib", Percentiles.round(app.peakRssMib()));
            figures.put("sampledMaxRssMib", Percentiles.round(app.sampledMaxRssMib()));
            figures.put("mqttDevicesConnectedAtEnd", connected.stream().filter(MqttClient::isConnected).count());
            // what the screen read while the events were published and stored (not the stream's greeting)
            figures.put("streamLinesRead", streamLines.get() - streamLinesBeforePublish);
        } finally {
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            deleteRecursively(dataDir);
        }
        return figures;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}

package io.vendstream.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vendstream.support.Events;
import io.vendstream.support.PackagedApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;

import static org.awaitility.Awaitility.await;

/**
 * Machines over MQTT, the path real machines take: devices (Vert.x MQTT clients, MQTT 3.1.1, QoS 1,
 * each signed in with its own secret) publish to the packaged application's embedded endpoint.
 * <ul>
 * <li><b>throughput</b>: {@code bench.mqtt.devices} devices publish {@code bench.mqtt.events} sales
 * as fast as their acknowledgements allow ({@code bench.mqtt.window} unacknowledged each); the rate
 * is events over the time from the first publish until the last is stored, set against the Kafka
 * path's drain rate of the ingest scenario of the same run (target: at least half).</li>
 * <li><b>latency</b>: {@code bench.mqtt.latency-devices} devices each publish
 * {@code bench.mqtt.latency-rate} sales a second; per sale, from its publish (its occurredAt) to
 * its commit becoming visible, measured as the latency scenario does (target: p99 &lt;= 100 ms at
 * 2,000 events/s).</li>
 * </ul>
 * The devices run in the benchmark's JVM on the same two cores as the application.
 */
final class MqttScenario {

    /** The sizes: the full benchmark's, or the smoke run's. */
    record Sizes(int devices, int events, int window, int latencyDevices, int latencyRate, int latencySeconds, int latencyWarmupSeconds) {

        static Sizes fromSystemProperties(boolean smoke) {
            return smoke ? new Sizes(20, 1_000, 8, 50, 2, 3, 1) : new Sizes(
                    Integer.getInteger("bench.mqtt.devices", 200),
                    Integer.getInteger("bench.mqtt.events", 200_000),
                    Integer.getInteger("bench.mqtt.window", 16),
                    Integer.getInteger("bench.mqtt.latency-devices", 1_000),
                    Integer.getInteger("bench.mqtt.latency-rate", 2),
                    Integer.getInteger("bench.mqtt.latency-seconds", 60),
                    Integer.getInteger("bench.mqtt.latency-warmup-seconds", 20));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchInfra infra;
    private final BenchParameters p;
    private final Sizes sizes;

    MqttScenario(BenchInfra infra, BenchParameters p, Sizes sizes) {
        this.infra = infra;
        this.p = p;
        this.sizes = sizes;
    }

    Map<String, Object> run(String runId, IngestScenario.Outcome ingest) throws Exception {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("throughput", throughput(runId, ingest));
        figures.put("latency", latency(runId));
        return figures;
    }

    private Map<String, Object> throughput(String runId, IngestScenario.Outcome ingest) throws Exception {
        String id = "bench_mqtt_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");
        Map<String, Object> figures = new LinkedHashMap<>();
        try (PackagedApp app = infra.startApp("mqtt", id, topic, id + "-ingest", true, p.appJvmOptions())) {
            app.awaitHealthy(Duration.ofMinutes(3));
            Vertx vertx = Vertx.vertx();
            try {
                List<MqttClient> clients = connect(vertx, app, "thr", sizes.devices());
                int perDevice = sizes.events() / sizes.devices();
                long total = (long) perDevice * sizes.devices();
                AtomicLong acknowledged = new AtomicLong();
                long start = System.nanoTime();
                for (int d = 0; d < clients.size(); d++) {
                    MqttClient client = clients.get(d);
                    String machine = client.clientId();
                    AtomicInteger next = new AtomicInteger();
                    Runnable send = new Runnable() {
                        @Override
                        public void run() {
                            int i = next.getAndIncrement();
                            if (i < perDevice) {
                                client.publish("vendstream/machines/" + machine + "/events",
                                        Buffer.buffer(Events.json(Events.sale(machine, "Aqua 600ml", 1, "5000", perDevice - i))),
                                        MqttQoS.AT_LEAST_ONCE, false, false);
                            }
                        }
                    };
                    client.publishCompletionHandler(messageId -> {
                        acknowledged.incrementAndGet();
                        send.run();
                    });
                    vertx.runOnContext(v -> {
                        for (int w = 0; w < sizes.window(); w++) {
                            send.run();
                        }
                    });
                }
                await("every event acknowledged").atMost(p.drainTimeout()).pollInterval(Duration.ofMillis(50))
                        .until(() -> acknowledged.get() >= total);
                double ackSeconds = (System.nanoTime() - start) / 1e9;
                await("every event stored").atMost(p.drainTimeout()).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> infra.stored(id) >= total);
                double seconds = (System.nanoTime() - start) / 1e9;
                figures.put("devices", sizes.devices());
                figures.put("window", sizes.window());
                figures.put("events", total);
                figures.put("acknowledgedSeconds", Percentiles.round(ackSeconds));
                figures.put("storedSeconds", Percentiles.round(seconds));
                long rate = Math.round(total / seconds);
                figures.put("eventsPerSecond", rate);
                figures.put("stored", infra.stored(id));
                // each ingest transaction stamps its rows with its own start time: how many there were
                long transactions = transactions(id);
                figures.put("ingestTransactions", transactions);
                figures.put("eventsPerTransaction", Percentiles.round((double) total / Math.max(1, transactions)));
                if (ingest != null) {
                    long kafka = ingest.appEventsPerSecond();
                    figures.put("kafkaPathEventsPerSecond", kafka);
                    figures.put("toKafkaPath", Percentiles.round((double) rate / kafka));
                }
                figures.put("peakRssMib", Percentiles.round(app.peakRssMib()));
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
        return figures;
    }

    private Map<String, Object> latency(String runId) throws Exception {
        String id = "bench_mqtt_latency_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");
        Map<String, Object> figures = new LinkedHashMap<>();
        LatencyScenario watcherOf = new LatencyScenario(infra, p);
        try (PackagedApp app = infra.startApp("mqtt-latency", id, topic, id + "-ingest", true, p.appJvmOptions())) {
            app.awaitHealthy(Duration.ofMinutes(3));
            Vertx vertx = Vertx.vertx();
            try {
                List<MqttClient> clients = connect(vertx, app, "lat", sizes.latencyDevices());
                TreeMap<Long, Long> commits = new TreeMap<>();
                AtomicBoolean watching = new AtomicBoolean(true);
                AtomicLong polls = new AtomicLong();
                Thread watcher = new Thread(() -> watcherOf.watch(id, commits, watching, polls), "bench-mqtt-commit-watcher");
                watcher.start();
                int rate = sizes.latencyDevices() * sizes.latencyRate();
                long warmup = (long) rate * sizes.latencyWarmupSeconds();
                long total = warmup + (long) rate * sizes.latencySeconds();
                long start = System.nanoTime();
                long warmupFrom = LatencyScenario.micros(Instant.now());
                long measuredFrom = warmupFrom;
                for (long i = 0; i < total; i++) {
                    long due = start + i * 1_000_000_000L / rate;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (i == warmup) {
                        measuredFrom = LatencyScenario.micros(Instant.now());
                    }
                    MqttClient client = clients.get((int) (i % clients.size()));
                    String machine = client.clientId();
                    byte[] sale = Events.json(Events.sale(machine, "Aqua 600ml", 1, "5000", 10));
                    vertx.runOnContext(v -> client.publish("vendstream/machines/" + machine + "/events", Buffer.buffer(sale),
                            MqttQoS.AT_LEAST_ONCE, false, false));
                }
                long measuredTo = LatencyScenario.micros(Instant.now());
                await("every sale stored").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> infra.stored(id) >= total);
                watching.set(false);
                watcher.join();
                Percentiles committed = new Percentiles(watcherOf.latencies(id, measuredFrom, measuredTo, commits)[0]);
                Percentiles warmupCommitted = new Percentiles(watcherOf.latencies(id, warmupFrom, measuredFrom - 1, commits)[0]);
                figures.put("devices", sizes.latencyDevices());
                figures.put("ratePerDevice", sizes.latencyRate());
                figures.put("targetRatePerSecond", rate);
                figures.put("achievedRatePerSecond", Math.round(committed.count() / ((measuredTo - measuredFrom) / 1e6)));
                figures.put("measuredSales", committed.count());
                figures.put("committed", committed.toMap());
                if (warmupCommitted.count() > 0) {
                    figures.put("warmupCommitted", warmupCommitted.toMap());
                }
                figures.put("peakRssMib", Percentiles.round(app.peakRssMib()));
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
        return figures;
    }

    /** Registers {@code count} machines through the API and connects one MQTT client per machine, each signed in as itself. */
    static List<MqttClient> connect(Vertx vertx, PackagedApp app, String prefix, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int port = Integer.parseInt(app.env("VENDSTREAM_MQTT_PORT"));
        // the supervising route controller may still be starting the API routes after health is up
        await("the device API").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        List<MqttClient> clients = new ArrayList<>();
        List<Future<?>> connecting = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            String machine = String.format("%s-%04d", prefix, d);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"machineId\":\"" + machine + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("registering " + machine + ": " + r.statusCode() + " " + r.body());
            }
            String secret = JSON.readTree(r.body()).path("secret").asText();
            MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId(machine).setUsername(machine)
                    .setPassword(secret).setKeepAliveInterval(60).setMaxInflightQueue(64));
            clients.add(client);
            connecting.add(client.connect(port, "127.0.0.1"));
            if (connecting.size() == 200) {
                Future.all(connecting).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                connecting.clear();
            }
        }
        Future.all(connecting).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return clients;
    }

    /** Ingest transactions that stored sales: each stamps its rows with its start time. */
    private long transactions(String schema) throws Exception {
        return infra.queryLong(schema, "select count(distinct ingested_at) from sales");
    }
}

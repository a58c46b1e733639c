package io.vendstream.drills;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.devices.PahoPublishing;
import io.vendstream.support.Events;
import io.vendstream.support.Ledger;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Machines over MQTT while the application is killed: 200 devices (Eclipse Paho MQTT 5 clients,
 * each signed in with its own secret) publish 40,000 QoS 1 events to the packaged application's
 * embedded endpoint; it is killed with SIGKILL midway and started again. Each device, like real
 * firmware, resends an event until it has its PUBACK, reconnecting as needed. At the end every
 * event is stored exactly once: stored = distinct eventIds published, nothing lost, nothing twice.
 */
@Tag("drill")
class DeviceDrillIT {

    private static final int DEVICES = 200;
    private static final int EVENTS_PER_DEVICE = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_store_every_acknowledged_and_resent_event_exactly_once_across_a_kill_9() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("devices");
        Map<String, String> env = rig.env("a");
        env.put("VENDSTREAM_API_ENABLED", "true");
        int mqttPort = TestInfrastructure.freePort();
        env.put("VENDSTREAM_MQTT_PORT", String.valueOf(mqttPort));
        long started = System.nanoTime();
        try (PackagedApp app = rig.start("a", env)) {
            List<String> secrets = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            for (int d = 0; d < DEVICES; d++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"machineId\":\"" + machine(d) + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                secrets.add(JSON.readTree(r.body()).path("secret").asText());
            }
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong resent = new AtomicLong();
            Set<String> published = ConcurrentHashMap.newKeySet();
            ExecutorService devices = Executors.newFixedThreadPool(DEVICES);
            List<Future<?>> running = new ArrayList<>();
            for (int d = 0; d < DEVICES; d++) {
                int device = d;
                running.add(devices.submit(() -> {
                    play(device, secrets.get(device), "tcp://127.0.0.1:" + mqttPort, acknowledged, resent, published);
                    return null;
                }));
            }
            await("devices under way").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> acknowledged.get() >= 8_000);
            app.kill9();
            long acknowledgedAtKill = acknowledged.get();
            assertThat(acknowledgedAtKill).as("the kill came in the middle").isLessThan((long) DEVICES * EVENTS_PER_DEVICE);
            app.restart().awaitBanner(DrillRig.START_TIMEOUT);
            for (Future<?> f : running) {
                f.get(10, TimeUnit.MINUTES);
            }
            devices.shutdown();
            long events = (long) DEVICES * EVENTS_PER_DEVICE;
            assertThat(published).hasSize((int) events);
            Ledger ledger = rig.ledger();
            await("all stored").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> ledger.queryLong("select count(*) from sales") >= events);
            assertThat(ledger.queryLong("select count(*) from sales")).as("stored = distinct eventIds published").isEqualTo(events);
            assertThat(ledger.queryLong("select count(distinct machine_id) from sales")).isEqualTo(DEVICES);
            assertThat(ledger.counters().rejected()).isZero();
            Ledger.Counters c = ledger.counters();
            assertThat(c.consumed()).isEqualTo(c.stored() + c.duplicates() + c.rejected());
            ledger.assertStockFollowsLatestEvents();
            double seconds = (System.nanoTime() - started) / 1e9;
            DrillRig.report("devices kill -9", String.format("%d devices, %d QoS 1 events; killed at %d acknowledged; %d resends "
                            + "(unacknowledged at the kill, or refused while down); consumed %d = stored %d + duplicates %d; %.1f s",
                    DEVICES, events, acknowledgedAtKill, resent.get(), c.consumed(), c.stored(), c.duplicates(), seconds));
        }
    }

    /** One machine's firmware: each event is sent until acknowledged, reconnecting whenever needed. */
    private static void play(int device, String secret, String url, AtomicLong acknowledged, AtomicLong resent, Set<String> published)
            throws Exception {
        String machineId = machine(device);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(machineId);
        options.setPassword(secret.getBytes(StandardCharsets.UTF_8));
        options.setConnectionTimeout(5);
        options.setCleanStart(true);
        MqttAsyncClient client = new MqttAsyncClient(url, "drill-" + machineId, new MemoryPersistence());
        try {
            for (int i = 0; i < EVENTS_PER_DEVICE; i++) {
                Map<String, Object> sale = Events.sale(machineId, "Aqua 600ml", 1, "5000", EVENTS_PER_DEVICE - i);
                byte[] payload = Events.json(sale);
                published.add(sale.get("eventId").toString());
                boolean first = true;
                while (true) {
                    try {
                        if (!client.isConnected()) {
                            client.connect(options).waitForCompletion(10_000);
                        }
                        if (!first) {
                            resent.incrementAndGet();
                        }
                        first = false;
                        MqttMessage message = new MqttMessage(payload);
                        message.setQos(1);
                        PahoPublishing.publishAndWait(client, "vendstream/machines/" + machineId + "/events", message, 10_000);
                        acknowledged.incrementAndGet();
                        break;
                    } catch (Exception e) {
                        // not acknowledged: the application is down or going down; send it again
                        Thread.sleep(250);
                    }
                }
            }
        } finally {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close(true);
        }
    }

    private static String machine(int d) {
        return String.format("dev-%03d", d);
    }
}

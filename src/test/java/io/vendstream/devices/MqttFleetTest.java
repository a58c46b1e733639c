package io.vendstream.devices;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fleet's worth of machines at once: 2,000 devices, each with its own credentials, connect to
 * the endpoint from one JVM (Vert.x MQTT clients, MQTT 3.1.1), stay connected, and keep
 * publishing QoS 1 events that are all acknowledged and stored.
 */
class MqttFleetTest {

    private static final int DEVICES = 2_000;

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("mqtt_fleet");

    @Test
    void should_keep_two_thousand_devices_connected_and_publishing() throws Exception {
        DeviceRegistry registry = APP.context().getRegistry().lookupByNameAndType("deviceRegistry", DeviceRegistry.class);
        MqttMeters meters = APP.context().getRegistry().lookupByNameAndType("mqttMeters", MqttMeters.class);
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            secrets.add(registry.provision(id(i), "test").orElseThrow().secret());
        }
        Vertx vertx = Vertx.vertx();
        List<MqttClient> clients = new ArrayList<>();
        AtomicInteger acknowledged = new AtomicInteger();
        try {
            for (int start = 0; start < DEVICES; start += 200) {
                List<Future<?>> connecting = new ArrayList<>();
                for (int i = start; i < start + 200; i++) {
                    MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId(id(i))
                            .setUsername(id(i)).setPassword(secrets.get(i)).setKeepAliveInterval(30).setMaxInflightQueue(64));
                    client.publishCompletionHandler(messageId -> acknowledged.incrementAndGet());
                    clients.add(client);
                    connecting.add(client.connect(Devices.mqttPort(APP), "127.0.0.1"));
                }
                Future.all(connecting).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            assertThat(clients).allMatch(MqttClient::isConnected);
            await().atMost(Duration.ofSeconds(30)).until(() -> meters.connections() >= DEVICES);

            // two rounds of one event per device, a few seconds apart: all still connected, all acknowledged
            for (int round = 1; round <= 2; round++) {
                for (int i = 0; i < DEVICES; i++) {
                    MqttClient client = clients.get(i);
                    byte[] event = Events.json(Events.sale(id(i), "Aqua 600ml", 1, "5000", 10));
                    vertx.runOnContext(v -> client.publish(MachineTopic.of(client.clientId(), MachineTopic.Kind.EVENTS),
                            Buffer.buffer(event), MqttQoS.AT_LEAST_ONCE, false, false));
                }
                int expected = round * DEVICES;
                await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.get() >= expected);
                // and every connection stays up afterwards, checked throughout two seconds
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> clients.stream().allMatch(MqttClient::isConnected));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> APP.ledger().queryLong(
                    "select count(*) from sales where machine_id like 'fleet-%'") == 2L * DEVICES);
            assertThat(meters.connections()).isGreaterThanOrEqualTo(DEVICES);
            assertThat(APP.ledger().queryLong("select count(*) from devices where connected and machine_id like 'fleet-%'")).isEqualTo(DEVICES);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static String id(int i) {
        return String.format("fleet-%04d", i);
    }
}

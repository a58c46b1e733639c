package io.vendstream.devices;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The machines' MQTT endpoint of the running application, driven by clients written by others:
 * the Eclipse Paho MQTT 5 client and Debian's mosquitto_pub / mosquitto_sub (MQTT 3.1.1 and 5).
 * A machine's events reach the store exactly once, acknowledged only after Kafka took them; a
 * machine may act only as itself; a misbehaving client is refused and the others are served on.
 */
class MqttEndpointTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("mqtt_endpoint").with("vendstream.mqtt.max-message-bytes", "65536")
            .with("vendstream.mqtt.auth-failures-before-delay", "3").with("vendstream.mqtt.max-auth-delay-millis", "2000")
            .with("vendstream.mqtt.receive-maximum", "8");

    private static long stored(String machineId) {
        return APP.ledger().queryLong("select count(*) from sales where machine_id = ?", machineId);
    }

    private static MqttMessage message(byte[] payload) {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        return m;
    }

    @Test
    void should_store_a_machines_events_once_after_acknowledging_them() throws Exception {
        String secret = Devices.register(APP, "mq-01");
        MqttAsyncClient client = Devices.client(APP, "mq-01", secret, true);
        Map<String, Object> sale = Events.sale("mq-01", "Aqua 600ml", 1, "5000", 10);
        byte[] one = Events.json(sale);
        PahoPublishing.publishAndWait(client, "vendstream/machines/mq-01/events", message(one), 10_000);
        // the same message again (a resend after a lost PUBACK): stored once
        PahoPublishing.publishAndWait(client, "vendstream/machines/mq-01/events", message(one), 10_000);
        // an array of the events the machine buffered while offline
        String array = "[" + new String(Events.json(Events.sale("mq-01", "Teh Botol", 1, "4000", 9)), StandardCharsets.UTF_8) + ",\n "
                + new String(Events.json(Events.sale("mq-01", "Chitato", 2, "8000", 7)), StandardCharsets.UTF_8) + "]";
        PahoPublishing.publishAndWait(client, "vendstream/machines/mq-01/events", message(array.getBytes(StandardCharsets.UTF_8)), 10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stored("mq-01") == 3);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?", UUID.fromString(sale.get("eventId").toString())))
                .isEqualTo(1);
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_take_events_from_mosquitto_pub_in_mqtt_311_and_5() throws Exception {
        String secret = Devices.register(APP, "mq-pub");
        for (String version : List.of("mqttv311", "mqttv5")) {
            byte[] event = Events.json(Events.sale("mq-pub", "Aqua 600ml", 1, "5000", 5));
            Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(Devices.mqttPort(APP)),
                    "-V", version, "-q", "1", "-u", "mq-pub", "-P", secret, "-t", "vendstream/machines/mq-pub/events", "-s")
                    .redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(event);
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> stored("mq-pub") == 2);
    }

    @Test
    void should_dead_letter_an_event_naming_another_machine_with_its_sender() throws Exception {
        String secret = Devices.register(APP, "mq-liar");
        MqttAsyncClient client = Devices.client(APP, "mq-liar", secret, true);
        Map<String, Object> forged = Events.sale("mq-victim", "Aqua 600ml", 1, "5000", 10);
        PahoPublishing.publishAndWait(client, "vendstream/machines/mq-liar/events", message(Events.json(forged)), 10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.ledger().queryLong(
                "select count(*) from rejected_events where reason = 'DEVICE_MISMATCH' and event_id = ?", forged.get("eventId").toString()) == 1);
        String detail = APP.ledger().queryText("select detail from rejected_events where event_id = ?", forged.get("eventId").toString());
        assertThat(detail).contains("mq-victim").contains("signed in as mq-liar").contains("mqtt 127.0.0.1");
        assertThat(stored("mq-victim")).isZero();
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_refuse_another_machines_topic_and_wildcard_subscriptions() throws Exception {
        String secret = Devices.register(APP, "mq-nosy");
        MqttAsyncClient client = Devices.client(APP, "mq-nosy", secret, true);
        IMqttToken publish = client.publish("vendstream/machines/mq-other/events",
                message(Events.json(Events.sale("mq-other", "Aqua 600ml", 1, "5000", 10))));
        publish.waitForCompletion(10_000);
        assertThat(publish.getReasonCodes()).containsExactly(0x87); // not authorized
        IMqttToken subscribe = client.subscribe(new MqttSubscription[] {
                new MqttSubscription("vendstream/machines/+/events", 1), new MqttSubscription("#", 1),
                new MqttSubscription("vendstream/machines/mq-nosy/#", 1)});
        subscribe.waitForCompletion(10_000);
        assertThat(subscribe.getReasonCodes()).containsExactly(0x87, 0x87, 1);
        assertThat(client.isConnected()).isTrue();
        assertThat(stored("mq-other")).isZero();
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_refuse_wrong_unknown_and_revoked_credentials() throws Exception {
        String secret = Devices.register(APP, "mq-revoked");
        assertThatThrownBy(() -> Devices.client(APP, "mq-revoked", secret + "x", true))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
        assertThatThrownBy(() -> Devices.client(APP, "mq-nobody", secret, true))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
        MqttAsyncClient connected = Devices.client(APP, "mq-revoked", secret, true);
        assertThat(Devices.send(APP, "DELETE", "/api/devices/mq-revoked").statusCode()).isEqualTo(200);
        // revoking ends the open session, and the secret no longer signs in
        await().atMost(Duration.ofSeconds(10)).until(() -> !connected.isConnected());
        assertThatThrownBy(() -> Devices.client(APP, "mq-revoked", secret, true)).isInstanceOf(MqttException.class);
        connected.close();
    }

    @Test
    void should_slow_down_repeated_failures_from_one_address() throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            assertThatThrownBy(() -> Devices.client(APP, "mq-guess", "guess", true)).isInstanceOf(MqttException.class);
        }
        // three refusals at once, then each CONNECT waits before its check: 250 + 500 + 1000 ms
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1700));
        // a real machine from the same address still gets in (after the address's wait), and ends the run of failures
        String secret = Devices.register(APP, "mq-after-guess");
        MqttAsyncClient client = Devices.client(APP, "mq-after-guess", secret, true);
        assertThat(client.isConnected()).isTrue();
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_close_a_client_over_the_size_limit_or_sending_garbage_and_serve_the_others() throws Exception {
        String secret = Devices.register(APP, "mq-big");
        String good = Devices.register(APP, "mq-good");
        MqttAsyncClient goodClient = Devices.client(APP, "mq-good", good, true);
        // over the limit: a 3.1.1 client (mosquitto_pub) that does not know it
        Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(Devices.mqttPort(APP)),
                "-V", "mqttv311", "-q", "1", "-u", "mq-big", "-P", secret, "-t", "vendstream/machines/mq-big/events", "-s")
                .redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(new byte[70_000]);
        } catch (java.io.IOException e) {
            // the connection may close while it still writes
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        // raw garbage where a CONNECT belongs, and a CONNECT cut short
        for (byte[] garbage : List.of("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII), new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f})) {
            try (Socket socket = new Socket("127.0.0.1", Devices.mqttPort(APP))) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(garbage);
                InputStream in = socket.getInputStream();
                assertThat(in.read()).isEqualTo(-1); // closed by the server
            }
        }
        assertThat(stored("mq-big")).isZero();
        goodClient.publish("vendstream/machines/mq-good/events", message(Events.json(Events.sale("mq-good", "Aqua 600ml", 1, "5000", 3))))
                .waitForCompletion(10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stored("mq-good") == 1);
        assertThat(goodClient.isConnected()).isTrue();
        goodClient.disconnect().waitForCompletion(5_000);
        goodClient.close();
    }

    @Test
    void should_disconnect_a_client_with_more_messages_in_flight_than_the_receive_maximum() throws Exception {
        String secret = Devices.register(APP, "mq-flood");
        MqttMeters meters = APP.context().getRegistry().lookupByNameAndType("mqttMeters", MqttMeters.class);
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            // an MQTT 3.1.1 client is not told the limit: it sends 200 QoS 1 messages without waiting
            io.vertx.mqtt.MqttClient flood = io.vertx.mqtt.MqttClient.create(vertx, new io.vertx.mqtt.MqttClientOptions()
                    .setClientId("mq-flood").setUsername("mq-flood").setPassword(secret).setMaxInflightQueue(1000));
            flood.connect(Devices.mqttPort(APP), "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
            flood.closeHandler(v -> closed.countDown());
            vertx.runOnContext(v -> {
                for (int i = 0; i < 200; i++) {
                    flood.publish("vendstream/machines/mq-flood/events", io.vertx.core.buffer.Buffer.buffer(
                            Events.json(Events.sale("mq-flood", "Aqua 600ml", 1, "5000", 10))), io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false);
                }
            });
            assertThat(closed.await(20, TimeUnit.SECONDS)).as("disconnected").isTrue();
            assertThat(meters.refused()).containsKey("receive maximum exceeded");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        // an MQTT 5 client is told the limit and keeps to it: 100 messages at once, all acknowledged
        String good = Devices.register(APP, "mq-polite");
        MqttAsyncClient client = Devices.client(APP, "mq-polite", good, true);
        List<org.eclipse.paho.mqttv5.client.IMqttToken> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // Paho refuses a publish beyond the server's receive maximum: PahoPublishing waits for an ack
            tokens.add(PahoPublishing.publish(client, "vendstream/machines/mq-polite/events",
                    message(Events.json(Events.sale("mq-polite", "Aqua 600ml", 1, "5000", 10))), 10_000));
        }
        for (var t : tokens) {
            t.waitForCompletion(10_000);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> stored("mq-polite") == 100);
        assertThat(client.isConnected()).isTrue();
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_show_online_then_offline_by_last_will() throws Exception {
        String secret = Devices.register(APP, "mq-will");
        Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(Devices.mqttPort(APP)),
                "-V", "mqttv311", "-u", "mq-will", "-P", secret, "-t", "vendstream/machines/mq-will/#",
                "--will-topic", "vendstream/machines/mq-will/status", "--will-payload", "offline", "--will-qos", "1")
                .redirectErrorStream(true).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(state("mq-will")));
        sub.destroyForcibly(); // the connection drops without a DISCONNECT: the last will counts
        sub.waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(state("mq-will")));
        var device = Devices.get(APP, "/api/devices").findValue("machineId");
        assertThat(device).isNotNull();
        assertThat(APP.ledger().queryText("select session_ended from devices where machine_id = 'mq-will'")).isEqualTo("last will");
        assertThat(APP.ledger().queryText("select reported_status from devices where machine_id = 'mq-will'")).isEqualTo("offline");
    }

    private static String state(String machineId) throws Exception {
        for (var d : Devices.get(APP, "/api/devices")) {
            if (d.path("machineId").asText().equals(machineId)) {
                return d.path("state").asText();
            }
        }
        return null;
    }

    @Test
    void should_store_an_audit_read_a_machine_publishes_on_its_dex_topic() throws Exception {
        String secret = Devices.register(APP, "mq-dex");
        MqttAsyncClient client = Devices.client(APP, "mq-dex", secret, true);
        String read = io.vendstream.dex.DexSamples.soundRead("SN-MQTT-1",
                java.time.ZonedDateTime.now(io.vendstream.support.Campus.ZONE).minusHours(1).withNano(0), 30, 30);
        // acknowledged once stored
        PahoPublishing.publishAndWait(client, "vendstream/machines/mq-dex/dex", message(read.getBytes(StandardCharsets.UTF_8)), 10_000);
        var reads = Devices.get(APP, "/api/dex/reads?machineId=mq-dex").path("reads");
        assertThat(reads).hasSize(1);
        assertThat(reads.get(0).path("status").asText()).isEqualTo("parsed");
        assertThat(reads.get(0).path("source").asText()).isEqualTo("mqtt");
        assertThat(reads.get(0).path("serial").asText()).isEqualTo("SN-MQTT-1");
        assertThat(reads.get(0).path("receivedBy").asText()).startsWith("device mq-dex");
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    void should_refuse_a_last_will_outside_the_machines_own_status_topic() throws Exception {
        String secret = Devices.register(APP, "mq-badwill");
        MqttAsyncClient client = Devices.client(APP, "mq-badwill", secret, false);
        MqttConnectionOptions options = Devices.options("mq-badwill", secret);
        options.setWill("vendstream/machines/mq-else/status", message("offline".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> client.connect(options).waitForCompletion(10_000))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x87));
        client.close();
    }
}

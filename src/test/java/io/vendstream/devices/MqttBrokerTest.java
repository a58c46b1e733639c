package io.vendstream.devices;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.vendstream.support.Events;
import io.vendstream.support.Ledger;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * External broker mode against a real Mosquitto started by the test: two vendstream instances in
 * one shared subscription group split the machines' messages, each stored exactly once; a message
 * is taken from mosquitto_pub (MQTT 3.1.1) and from Paho (MQTT 5); an event naming another machine
 * than its topic is dead-lettered as DEVICE_MISMATCH.
 */
class MqttBrokerTest {

    private static Properties instance(Namespace ns, Mosquitto broker, String clientId) {
        Properties props = ns.appProperties();
        props.setProperty("vendstream.mqtt.mode", "external");
        props.setProperty("vendstream.mqtt.broker-url", broker.url());
        props.setProperty("vendstream.mqtt.client-id", clientId);
        return props;
    }

    @Test
    void should_split_the_machines_between_instances_and_store_each_event_once() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("mqtt_broker");
        try (Mosquitto broker = new Mosquitto(Path.of("target", "test-data", ns.id(), "mosquitto"));
             VendstreamApp one = VendstreamApp.start(instance(ns, broker, "vendstream-one"));
             VendstreamApp two = VendstreamApp.start(instance(ns, broker, "vendstream-two"))) {
            MachineMqttComponent c1 = one.context().getRegistry().lookupByNameAndType("machines-mqtt", MachineMqttComponent.class);
            MachineMqttComponent c2 = two.context().getRegistry().lookupByNameAndType("machines-mqtt", MachineMqttComponent.class);
            MqttAsyncClient device = new MqttAsyncClient(broker.url(), "gateway-" + System.nanoTime(), new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            device.connect(options).waitForCompletion(10_000);
            List<String> machines = new ArrayList<>();
            for (int m = 0; m < 20; m++) {
                machines.add("ext-" + m);
            }
            int events = 0;
            for (int round = 0; round < 10; round++) {
                for (String machine : machines) {
                    MqttMessage message = new MqttMessage(Events.json(Events.sale(machine, "Aqua 600ml", 1, "5000", 10)));
                    message.setQos(1);
                    PahoPublishing.publishAndWait(device, MachineTopic.of(machine, MachineTopic.Kind.EVENTS), message, 10_000);
                    events++;
                }
            }
            // mosquitto_pub, MQTT 3.1.1
            Process p = new ProcessBuilder("mosquitto_pub", "-p", String.valueOf(broker.port), "-V", "mqttv311", "-q", "1",
                    "-t", "vendstream/machines/ext-pub/events", "-s").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(Events.json(Events.sale("ext-pub", "Aqua 600ml", 1, "5000", 10)));
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            // an event naming another machine than its topic
            Map<String, Object> forged = Events.sale("ext-victim", "Aqua 600ml", 1, "5000", 10);
            MqttMessage liar = new MqttMessage(Events.json(forged));
            liar.setQos(1);
            PahoPublishing.publishAndWait(device, "vendstream/machines/ext-liar/events", liar, 10_000);

            Ledger ledger = Ledger.of(ns);
            int expected = events + 1;
            await().atMost(Duration.ofSeconds(60)).until(() -> ledger.queryLong("select count(*) from sales") == expected);
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.queryLong(
                    "select count(*) from rejected_events where reason = 'DEVICE_MISMATCH' and event_id = ?", forged.get("eventId").toString()) == 1);
            assertThat(ledger.queryText("select detail from rejected_events where event_id = ?", forged.get("eventId").toString()))
                    .contains("signed in as ext-liar").contains("mqtt broker");
            // both instances took a share of the machines' messages
            long first = c1.getMeters().messages().getOrDefault("events", 0L);
            long second = c2.getMeters().messages().getOrDefault("events", 0L);
            assertThat(first + second).isEqualTo(events + 2);
            assertThat(first).isPositive();
            assertThat(second).isPositive();
            device.disconnect().waitForCompletion(5_000);
            device.close();
        }
    }
}

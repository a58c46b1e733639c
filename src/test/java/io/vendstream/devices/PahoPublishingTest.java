package io.vendstream.devices;

import java.nio.file.Path;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Mosquitto that lets a client have one QoS 1 message in flight (receive maximum 1): Paho
 * frees the slot only after it completed the previous publish's token, so publishing one message
 * after the other, each acknowledged, still runs into "Too many publishes in progress" without the
 * wait {@link PahoPublishing} adds.
 */
class PahoPublishingTest {

    @Test
    void should_publish_one_after_the_other_within_a_receive_maximum_of_one() throws Exception {
        try (Mosquitto broker = new Mosquitto(Path.of("target", "test-data", "paho-publishing", "mosquitto"),
                "max_inflight_messages 1\n")) {
            MqttAsyncClient client = new MqttAsyncClient(broker.url(), "paho-publishing-" + System.nanoTime(), new MemoryPersistence());
            client.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
            int acknowledged = 0;
            for (int i = 0; i < 2_000; i++) {
                MqttMessage message = new MqttMessage(("{\"n\":" + i + "}").getBytes());
                message.setQos(1);
                PahoPublishing.publishAndWait(client, "vendstream/machines/paho-01/events", message, 10_000);
                acknowledged++;
            }
            assertThat(acknowledged).isEqualTo(2_000);
            client.disconnect().waitForCompletion(5_000);
            client.close();
        }
    }
}

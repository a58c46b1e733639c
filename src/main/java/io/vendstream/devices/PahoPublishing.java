package io.vendstream.devices;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Publishing from an Eclipse Paho MQTT 5 client (1.2.5) without tripping over its own in-flight
 * count. Paho completes a QoS 1 publish's token on its receiver thread and frees the slot in its
 * in-flight window only afterwards, on its callback thread (eclipse-paho/paho.mqtt.java#551). A
 * publish sent right after others completed can therefore be refused with "Too many publishes in
 * progress" although the server's receive maximum is not reached, the more likely the busier the
 * machine. This waits for the slot instead, as long as the client stays connected. (Paho assigns a
 * new topic's alias before that check, so against a broker that grants topic aliases a refused first
 * publish on a topic would be retried as the alias alone: vendstream's own endpoint grants none.)
 */
public final class PahoPublishing {

    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private PahoPublishing() {
    }

    /** Publishes, waiting up to {@code timeoutMillis} for a free slot in the client's in-flight window. */
    public static IMqttToken publish(MqttAsyncClient client, String topic, MqttMessage message, long timeoutMillis)
            throws MqttException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            try {
                return client.publish(topic, message);
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT || System.nanoTime() > deadline
                        || !client.isConnected()) {
                    throw e;
                }
                LockSupport.parkNanos(PAUSE_NANOS);
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
            }
        }
    }

    /** Publishes and waits until the server acknowledged (QoS 1) or the message was written (QoS 0). */
    public static IMqttToken publishAndWait(MqttAsyncClient client, String topic, MqttMessage message, long timeoutMillis)
            throws MqttException {
        IMqttToken token = publish(client, topic, message, timeoutMillis);
        token.waitForCompletion(timeoutMillis);
        return token;
    }
}

package io.vendstream.devices;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vendstream as a subscriber of an operator's MQTT broker (Mosquitto, EMQX, HiveMQ), with the
 * Eclipse Paho MQTT 5 client. It subscribes to the machines' topics on a shared subscription
 * ({@code $share/{group}/vendstream/machines/+/events} ...), so that N instances split the
 * machines between them, in a persistent session, with manual acknowledgements: a message is
 * acknowledged to the broker only when the route has completed it, after Kafka acknowledged its
 * records. When the route fails, the client reconnects without acknowledging, and the broker
 * delivers the message again.
 *
 * <p>Here the broker signs devices in, and its access rules keep each device to its own topics
 * (docs/connect.md has a Mosquitto ACL); vendstream takes the topic's machine id as the sender,
 * so an event naming another machine is still dead-lettered ({@code DEVICE_MISMATCH}).
 */
final class BrokerMqttConsumer extends DefaultConsumer implements MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerMqttConsumer.class);

    private final MqttSettings settings;
    private final MqttMeters meters;
    private MqttAsyncClient client;
    private MqttConnectionOptions options;
    private ExecutorService reconnects;

    BrokerMqttConsumer(Endpoint endpoint, Processor processor, MqttSettings settings, MqttMeters meters) {
        super(endpoint, processor);
        this.settings = settings;
        this.meters = meters;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (settings.getBrokerUrl().isBlank()) {
            throw new IllegalStateException("vendstream.mqtt.mode is external but vendstream.mqtt.broker-url is empty: "
                    + "name the broker, e.g. tcp://mqtt.example.edu:1883 or ssl://mqtt.example.edu:8883");
        }
        meters.bind(getEndpoint().getCamelContext());
        reconnects = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "machines-mqtt-reconnect");
        String clientId = settings.getClientId().isBlank()
                ? "vendstream-" + java.net.InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid()
                : settings.getClientId();
        client = new MqttAsyncClient(settings.getBrokerUrl(), clientId, new MemoryPersistence());
        client.setManualAcks(true);
        client.setCallback(this);
        options = new MqttConnectionOptions();
        options.setCleanStart(false);
        // the broker keeps the session (and the unacknowledged messages) for an hour across reconnects
        options.setSessionExpiryInterval(3600L);
        options.setAutomaticReconnect(true);
        options.setReceiveMaximum(settings.getReceiveMaximum());
        options.setMaximumPacketSize((long) settings.getMaxMessageBytes());
        if (!settings.getBrokerUsername().isBlank()) {
            options.setUserName(settings.getBrokerUsername());
            options.setPassword(settings.getBrokerPassword().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        client.connect(options).waitForCompletion(TimeUnit.SECONDS.toMillis(settings.getConnectTimeoutSeconds()));
        LOG.info("Subscribed to the machines' topics on the broker {} as {} (shared subscription group {})",
                settings.getBrokerUrl(), clientId, settings.getSharedGroup());
    }

    @Override
    protected void doStop() throws Exception {
        if (client != null) {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(5_000);
                }
            } catch (MqttException e) {
                LOG.debug("Disconnecting from the broker: {}", e.toString());
            }
            client.close(true);
        }
        if (reconnects != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(reconnects);
        }
        super.doStop();
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        String group = "$share/" + settings.getSharedGroup() + "/" + MachineTopic.ROOT + "+/";
        MqttSubscription[] subscriptions = new MqttSubscription[MachineTopic.Kind.values().length];
        for (MachineTopic.Kind kind : MachineTopic.Kind.values()) {
            subscriptions[kind.ordinal()] = new MqttSubscription(group + kind.name().toLowerCase(java.util.Locale.ROOT), 1);
        }
        try {
            client.subscribe(subscriptions);
        } catch (MqttException e) {
            LOG.warn("Could not subscribe to the machines' topics on {}: {}", serverURI, e.getMessage());
        }
        if (reconnect) {
            LOG.info("Reconnected to the broker {}", serverURI);
        }
    }

    @Override
    public void messageArrived(String topicName, MqttMessage message) {
        MachineTopic topic = MachineTopic.parse(topicName).orElse(null);
        if (topic == null) {
            meters.refused("topic outside the machines' topics");
            acknowledge(message);
            return;
        }
        meters.message(topic.kind().segment());
        Exchange exchange = createExchange(false);
        exchange.getMessage().setBody(message.getPayload());
        exchange.getMessage().setHeader(MachineMessage.MACHINE_ID, topic.machineId());
        exchange.getMessage().setHeader(MachineMessage.KIND, topic.kind().segment());
        // the broker's access rules keep each device to its own topics: the topic names the sender
        exchange.getMessage().setHeader(MachineMessage.DEVICE, topic.machineId());
        exchange.getMessage().setHeader(MachineMessage.SOURCE, "mqtt broker " + settings.getBrokerUrl());
        exchange.getMessage().setHeader(MachineMessage.RECEIVED_AT, System.currentTimeMillis());
        getAsyncProcessor().process(exchange, doneSync -> {
            Exception failure = exchange.getException();
            releaseExchange(exchange, false);
            if (failure == null) {
                acknowledge(message);
            } else {
                LOG.warn("A message of machine {} on {} could not be handed on ({}): reconnecting without acknowledging it, "
                        + "so that the broker delivers it again", topic.machineId(), topic, failure.getMessage());
                reconnects.submit(this::reconnectUnacknowledged);
            }
        });
    }

    private void acknowledge(MqttMessage message) {
        if (message.getQos() == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(message.getId(), message.getQos());
        } catch (MqttException e) {
            LOG.debug("Could not acknowledge message {}: {}", message.getId(), e.toString());
        }
    }

    private void reconnectUnacknowledged() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            Thread.sleep(1_000);
            client.connect(options).waitForCompletion(TimeUnit.SECONDS.toMillis(settings.getConnectTimeoutSeconds()));
        } catch (MqttException e) {
            LOG.warn("Reconnecting to the broker {} failed ({}); trying again", settings.getBrokerUrl(), e.getMessage());
            reconnects.submit(this::reconnectUnacknowledged);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        LOG.warn("Disconnected from the broker {}: {}", settings.getBrokerUrl(), response.getReasonString());
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.warn("The broker {} reported an error: {}", settings.getBrokerUrl(), exception.getMessage());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // vendstream publishes nothing to the broker
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // no enhanced authentication
    }
}

package io.vendstream.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.vendstream.devices.DeviceRegistry;
import io.vendstream.devices.MachineTopic;
import io.vendstream.devices.PahoPublishing;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated fleet as real machines connect (vendstream.simulator.transport = mqtt): each
 * simulated machine is its own MQTT 5 client (Eclipse Paho), signed in with credentials of its own
 * that it provisions in the device registry at its first message, with a last will
 * ({@code offline} on its status topic) and {@code online} said once connected. It publishes its
 * records on {@code vendstream/machines/{machineId}/events} with QoS 1, at most
 * {@value #MAX_IN_FLIGHT} unacknowledged at a time, and {@link #publish} returns when every record
 * of the tick was acknowledged, i.e. after Kafka took it. Route simulate-vending-sales.
 */
public final class SimulatedMachines implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedMachines.class);
    /** Below the endpoint's receive maximum (vendstream.mqtt.receive-maximum, 64 by default). */
    static final int MAX_IN_FLIGHT = 32;
    private static final long ACK_TIMEOUT_MILLIS = 30_000;

    private final String registryBean;
    private volatile DeviceRegistry registry;
    private final String brokerUrl;
    private final String username;
    private final String password;
    private final Map<String, MqttAsyncClient> clients = new ConcurrentHashMap<>();

    /**
     * @param registryBean the device registry's bean (routes/devices-beans.camel.yaml), found at the first
     *                  message: route files load in no fixed order
     * @param brokerUrl where the machines connect: the embedded endpoint ({@code tcp://127.0.0.1:1883})
     *                  or an external broker
     * @param username  for an external broker, the account all simulated machines use there (it
     *                  signs machines in, not vendstream); empty: each machine its own credentials
     */
    public SimulatedMachines(String registryBean, String brokerUrl, String username, String password) {
        this.registryBean = registryBean;
        this.brokerUrl = brokerUrl;
        this.username = username;
        this.password = password;
    }

    /** Route step: the tick's records (exchanges with the key header and the JSON bytes), each from its machine. */
    public void publish(Exchange exchange) throws Exception {
        if (registry == null) {
            registry = exchange.getContext().getRegistry().lookupByNameAndType(registryBean, DeviceRegistry.class);
            if (registry == null) {
                throw new IllegalStateException("the bean " + registryBean + " (routes/devices-beans.camel.yaml) is missing");
            }
        }
        List<?> records = exchange.getMessage().getBody(List.class);
        Map<String, Deque<IMqttToken>> inFlight = new java.util.HashMap<>();
        List<IMqttToken> all = new ArrayList<>();
        for (Object o : records) {
            Exchange record = (Exchange) o;
            Object key = record.getMessage().getHeader(KafkaConstants.KEY);
            String machineId = key instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(key);
            MqttAsyncClient client = client(machineId);
            Deque<IMqttToken> pending = inFlight.computeIfAbsent(machineId, m -> new ArrayDeque<>());
            while (pending.size() >= MAX_IN_FLIGHT) {
                pending.poll().waitForCompletion(ACK_TIMEOUT_MILLIS);
            }
            MqttMessage message = new MqttMessage(record.getMessage().getBody(byte[].class));
            message.setQos(1);
            IMqttToken token = PahoPublishing.publish(client, MachineTopic.of(machineId, MachineTopic.Kind.EVENTS), message, ACK_TIMEOUT_MILLIS);
            pending.add(token);
            all.add(token);
        }
        for (IMqttToken token : all) {
            token.waitForCompletion(ACK_TIMEOUT_MILLIS);
        }
    }

    private MqttAsyncClient client(String machineId) throws MqttException {
        MqttAsyncClient client = clients.get(machineId);
        if (client != null && client.isConnected()) {
            return client;
        }
        if (client != null) {
            // automatic reconnect is under way (the endpoint restarted): wait for it, then go on
            for (int i = 0; i < 100 && !client.isConnected(); i++) {
                sleep(100);
            }
            if (client.isConnected()) {
                return client;
            }
            throw new IllegalStateException("simulated machine " + machineId + " is reconnecting to " + brokerUrl);
        }
        return clients.computeIfAbsent(machineId, this::connect);
    }

    private MqttAsyncClient connect(String machineId) {
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            if (username.isBlank()) {
                Optional<DeviceRegistry.Issued> issued = registry.provision(machineId, "simulator");
                if (issued.isEmpty()) {
                    throw new IllegalStateException("simulated machine " + machineId + " is revoked in the device registry");
                }
                options.setUserName(machineId);
                options.setPassword(issued.get().secret().getBytes(StandardCharsets.UTF_8));
            } else {
                options.setUserName(username);
                options.setPassword(password.getBytes(StandardCharsets.UTF_8));
            }
            MqttMessage will = new MqttMessage("offline".getBytes(StandardCharsets.UTF_8));
            will.setQos(1);
            options.setWill(MachineTopic.of(machineId, MachineTopic.Kind.STATUS), will);
            options.setAutomaticReconnect(true);
            options.setAutomaticReconnectDelay(1, 10);
            options.setCleanStart(true);
            options.setKeepAliveInterval(30);
            MqttAsyncClient client = new MqttAsyncClient(brokerUrl, "sim-" + machineId, new MemoryPersistence());
            client.connect(options).waitForCompletion(ACK_TIMEOUT_MILLIS);
            MqttMessage online = new MqttMessage("online".getBytes(StandardCharsets.UTF_8));
            online.setQos(1);
            PahoPublishing.publishAndWait(client, MachineTopic.of(machineId, MachineTopic.Kind.STATUS), online, ACK_TIMEOUT_MILLIS);
            return client;
        } catch (Exception e) {
            throw new IllegalStateException("simulated machine " + machineId + " could not connect to " + brokerUrl + ": " + e.getMessage(), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The simulated machines disconnect cleanly (no last will): the fleet stops with the application. */
    @Override
    public void close() {
        for (MqttAsyncClient client : clients.values()) {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(2_000);
                }
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("Closing a simulated machine: {}", e.toString());
            }
        }
        clients.clear();
    }
}

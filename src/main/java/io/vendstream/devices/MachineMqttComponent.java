package io.vendstream.devices;

import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;

/**
 * The Camel component behind {@code machines-mqtt:embedded} and {@code machines-mqtt:external}:
 * machines' MQTT messages as exchanges, acknowledged to the device (or the broker) only when the
 * route has finished with them, i.e. after Kafka acknowledged the records they became.
 * {@code embedded} serves MQTT 3.1.1 and 5 itself ({@link EmbeddedMqttConsumer}, on Vert.x MQTT),
 * {@code external} subscribes to an operator's broker on a shared subscription
 * ({@link BrokerMqttConsumer}, the Eclipse Paho client). Configured once, as a bean of this name
 * (routes/devices-beans.camel.yaml), from the {@code vendstream.mqtt.*} properties.
 */
public final class MachineMqttComponent extends DefaultComponent {

    private MqttSettings settings = new MqttSettings();
    private DeviceRegistry deviceRegistry;
    private MqttMeters meters = new MqttMeters();

    public void setSettings(MqttSettings settings) {
        this.settings = settings;
    }

    public MqttSettings getSettings() {
        return settings;
    }

    public void setDeviceRegistry(DeviceRegistry deviceRegistry) {
        this.deviceRegistry = deviceRegistry;
    }

    public void setMeters(MqttMeters meters) {
        this.meters = meters;
    }

    public MqttMeters getMeters() {
        return meters;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (!remaining.equals("embedded") && !remaining.equals("external")) {
            throw new IllegalArgumentException("machines-mqtt:" + remaining + " is not a mode: use machines-mqtt:embedded "
                    + "(vendstream serves MQTT) or machines-mqtt:external (vendstream subscribes to a broker); see vendstream.mqtt.mode");
        }
        return new MachineMqttEndpoint(uri, this, remaining);
    }

    static final class MachineMqttEndpoint extends DefaultEndpoint {

        private final String mode;

        MachineMqttEndpoint(String uri, MachineMqttComponent component, String mode) {
            super(uri, component);
            this.mode = mode;
        }

        @Override
        public MachineMqttComponent getComponent() {
            return (MachineMqttComponent) super.getComponent();
        }

        @Override
        public Producer createProducer() {
            throw new UnsupportedOperationException("machines-mqtt only receives: machines publish, vendstream listens");
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            MachineMqttComponent c = getComponent();
            Consumer consumer = mode.equals("embedded")
                    ? new EmbeddedMqttConsumer(this, processor, c.settings, c.deviceRegistry, c.meters)
                    : new BrokerMqttConsumer(this, processor, c.settings, c.meters);
            configureConsumer(consumer);
            return consumer;
        }
    }
}

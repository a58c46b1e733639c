package io.vendstream.devices;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;

/**
 * What the machines' MQTT endpoint did, counted in this JVM and shown in the Prometheus scrape:
 * {@code vendstream_mqtt_connections} (open sessions), {@code vendstream_mqtt_messages_total} by
 * kind, {@code vendstream_mqtt_connects_refused_total} and {@code vendstream_mqtt_refused_total} by
 * reason (wrong credentials, a topic outside the device's tree, too large, ...).
 */
public final class MqttMeters {

    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, LongAdder> messages = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> connectsRefused = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    /** Binds to the context's meter registry, if it has one (camel.metrics.enabled). */
    public void bind(CamelContext context) {
        if (registry != null) {
            return;
        }
        registry = context.getRegistry().findByType(MeterRegistry.class).stream().findFirst().orElse(null);
        if (registry != null) {
            Gauge.builder("vendstream.mqtt.connections", connections, AtomicInteger::get)
                    .description("Machines connected to the MQTT endpoint of this instance").register(registry);
            messages.forEach((k, v) -> register("vendstream.mqtt.messages", "kind", k, v, "Messages received from machines, by kind"));
            connectsRefused.forEach((k, v) -> register("vendstream.mqtt.connects.refused", "reason", k, v, "MQTT connections refused, by reason"));
            refused.forEach((k, v) -> register("vendstream.mqtt.refused", "reason", k, v, "MQTT messages and subscriptions refused, by reason"));
        }
    }

    void connected() {
        connections.incrementAndGet();
    }

    void disconnected() {
        connections.decrementAndGet();
    }

    public int connections() {
        return connections.get();
    }

    void message(String kind) {
        count(messages, "vendstream.mqtt.messages", "kind", kind, "Messages received from machines, by kind");
    }

    void connectRefused(String reason) {
        count(connectsRefused, "vendstream.mqtt.connects.refused", "reason", reason, "MQTT connections refused, by reason");
    }

    void refused(String reason) {
        count(refused, "vendstream.mqtt.refused", "reason", reason, "MQTT messages and subscriptions refused, by reason");
    }

    public Map<String, Long> connectsRefused() {
        return snapshot(connectsRefused);
    }

    public Map<String, Long> refused() {
        return snapshot(refused);
    }

    public Map<String, Long> messages() {
        return snapshot(messages);
    }

    private void count(Map<String, LongAdder> map, String name, String tag, String value, String description) {
        map.computeIfAbsent(value, v -> {
            LongAdder adder = new LongAdder();
            if (registry != null) {
                register(name, tag, v, adder, description);
            }
            return adder;
        }).increment();
    }

    private void register(String name, String tag, String value, LongAdder adder, String description) {
        FunctionCounter.builder(name, adder, LongAdder::doubleValue).tag(tag, value).description(description).register(registry);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}

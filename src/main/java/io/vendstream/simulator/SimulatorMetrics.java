package io.vendstream.simulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the simulator published, per type ({@code sale}, {@code restock}, {@code duplicate},
 * or an invalid kind), and the records Kafka did not accept. Always kept here; also registered as
 * Micrometer counters {@code vendstream.simulator.events{type}} and {@code vendstream.simulator.errors}
 * (Prometheus: {@code vendstream_simulator_events_total}, {@code vendstream_simulator_errors_total})
 * when a MeterRegistry is bound in the Camel registry.
 */
public final class SimulatorMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatorMetrics.class);

    private final CamelContext context;
    private final Map<String, LongAdder> published = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    private final Map<String, Counter> meters = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;
    private volatile boolean registryLookedUp;

    public SimulatorMetrics(CamelContext context) {
        this.context = context;
    }

    /** Called by the route once Kafka acknowledged the record. */
    public void published(String type) {
        published.computeIfAbsent(type, t -> new LongAdder()).increment();
        MeterRegistry r = registry();
        if (r != null) {
            meters.computeIfAbsent(type, t -> Counter.builder("vendstream.simulator.events")
                    .description("Records the simulator published to Kafka, by type")
                    .tag("type", t).register(r)).increment();
        }
    }

    /** Called by the route's error handling when a record could not be delivered. */
    public void failed(String type, Throwable reason) {
        errors.increment();
        MeterRegistry r = registry();
        if (r != null) {
            meters.computeIfAbsent("errors", t -> Counter.builder("vendstream.simulator.errors")
                    .description("Records the simulator could not deliver to Kafka").register(r)).increment();
        }
        LOG.warn("Simulator could not deliver a {} event to Kafka: {}", type,
                reason == null ? "unknown reason" : reason.getMessage());
    }

    /** Published records per type so far. */
    public Map<String, Long> publishedByType() {
        Map<String, Long> snapshot = new TreeMap<>();
        published.forEach((type, count) -> snapshot.put(type, count.sum()));
        return snapshot;
    }

    public long publishedTotal() {
        return published.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long errors() {
        return errors.sum();
    }

    // looked up on first use: the registry is bound while Camel starts, after this bean exists
    private MeterRegistry registry() {
        if (!registryLookedUp && context != null) {
            registry = context.getRegistry().findByType(MeterRegistry.class).stream().findFirst().orElse(null);
            registryLookedUp = true;
        }
        return registry;
    }
}

package io.vendstream.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
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
    /** The exchange property the route sets on each record: what it is. */
    private static final String TYPE_PROPERTY = "simulatedType";

    private final Map<String, LongAdder> published = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    private final Map<String, Counter> meters = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;
    private volatile boolean registryLookedUp;

    /** The route's last step: Kafka acknowledged every record of the tick. */
    public void delivered(Exchange exchange) {
        for (Exchange record : records(exchange)) {
            published(exchange.getContext(), record.getProperty(TYPE_PROPERTY, "unknown", String.class));
        }
    }

    /**
     * The route's error handling. The producer marks the records it could not deliver; if it
     * could not say which (the whole send failed), every record of the tick counts as an error.
     * Logs the reason once per tick, not per record.
     */
    public void undelivered(Exchange exchange) {
        List<Exchange> records = records(exchange);
        Throwable reason = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        boolean marked = records.stream().anyMatch(r -> r.getException() != null);
        int failed = 0;
        for (Exchange record : records) {
            if (marked && record.getException() == null) {
                published(exchange.getContext(), record.getProperty(TYPE_PROPERTY, "unknown", String.class));
            } else {
                failed++;
                if (record.getException() != null) {
                    reason = record.getException();
                }
            }
        }
        if (failed > 0) {
            errors.add(failed);
            MeterRegistry r = registry(exchange.getContext());
            if (r != null) {
                meters.computeIfAbsent("errors", t -> Counter.builder("vendstream.simulator.errors")
                        .description("Records the simulator could not deliver to Kafka").register(r)).increment(failed);
            }
            LOG.warn("Simulator could not deliver {} of {} records to Kafka: {}", failed, records.size(),
                    reason == null ? "unknown reason" : reason.getMessage());
        }
    }

    private static List<Exchange> records(Exchange exchange) {
        List<?> body = exchange.getMessage().getBody(List.class);
        List<Exchange> records = new ArrayList<>();
        if (body != null) {
            for (Object o : body) {
                if (o instanceof Exchange e) {
                    records.add(e);
                }
            }
        }
        // a failure inside the split concerns that one record only
        if (records.isEmpty() && exchange.getProperty(TYPE_PROPERTY) != null) {
            records.add(exchange);
        }
        return records;
    }

    private void published(CamelContext context, String type) {
        published.computeIfAbsent(type, t -> new LongAdder()).increment();
        MeterRegistry r = registry(context);
        if (r != null) {
            meters.computeIfAbsent(type, t -> Counter.builder("vendstream.simulator.events")
                    .description("Records the simulator published to Kafka, by type")
                    .tag("type", t).register(r)).increment();
        }
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
    private MeterRegistry registry(CamelContext context) {
        if (!registryLookedUp) {
            registry = context.getRegistry().findByType(MeterRegistry.class).stream().findFirst().orElse(null);
            registryLookedUp = true;
        }
        return registry;
    }
}

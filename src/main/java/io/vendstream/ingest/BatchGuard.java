package io.vendstream.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the consumer never moves past a batch that was not handled.
 *
 * <p>Camel's Kafka batch consumer, when processing a batch fails for good, logs the error and
 * polls on; a later batch could then be stored and committed past the failed records. Ingest
 * retries transient failures forever, so a batch only fails for good while Camel is stopping and
 * refuses further retries. This guard notices the next poll arriving on a consumer thread whose
 * previous batch never completed, refuses it, and restarts the route so that the consumer resumes
 * from the last committed offsets (below which the database fence filters what was already stored).
 */
public final class BatchGuard {

    private static final Logger LOG = LoggerFactory.getLogger(BatchGuard.class);

    private final Map<Thread, String> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean restarting = new AtomicBoolean();

    /** Thrown for a poll that arrives after an unfinished batch; never retried. */
    public static final class IngestHaltedException extends IllegalStateException {
        public IngestHaltedException(String message) {
            super(message);
        }
    }

    public void begin(Exchange exchange) {
        Thread consumer = Thread.currentThread();
        String previous = inFlight.get(consumer);
        if (previous != null && !previous.equals(exchange.getExchangeId())) {
            restartConsumer(exchange);
            throw new IngestHaltedException("the previous batch on " + consumer.getName() + " was not completed; "
                    + "refusing newer records until the consumer has restarted from the committed offsets");
        }
        inFlight.put(consumer, exchange.getExchangeId());
    }

    public void end(Exchange exchange) {
        inFlight.values().remove(exchange.getExchangeId());
    }

    private void restartConsumer(Exchange exchange) {
        CamelContext context = exchange.getContext();
        String routeId = exchange.getFromRouteId();
        if (context.isStopping() || context.isStopped() || !restarting.compareAndSet(false, true)) {
            return;
        }
        LOG.error("Ingest batch on route {} did not complete; restarting its consumer from the committed offsets", routeId);
        Thread restart = new Thread(() -> {
            try {
                context.getRouteController().stopRoute(routeId);
                inFlight.clear();
                context.getRouteController().startRoute(routeId);
                LOG.info("Route {} restarted", routeId);
            } catch (Exception e) {
                LOG.error("Could not restart route {}: {}", routeId, e.getMessage(), e);
            } finally {
                restarting.set(false);
            }
        }, "vendstream-ingest-restart");
        restart.setDaemon(true);
        restart.start();
    }
}

package io.vendstream.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs an infrastructure outage once when ingest starts retrying and once when it recovers,
 * instead of once per event or per retry. Wired as the error handler's onExceptionOccurred, and
 * told by {@link PipelinedStore} of the stores it retries on its own thread.
 */
public final class OutageLog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(OutageLog.class);

    private final AtomicReference<Instant> failingSince = new AtomicReference<>();
    private final AtomicInteger retries = new AtomicInteger();

    @Override
    public void process(Exchange exchange) {
        failed(exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    /** A step failed and is about to be retried (the route's steps, or a store on its consumer's store thread). */
    public void failed(Throwable cause) {
        retries.incrementAndGet();
        if (failingSince.compareAndSet(null, Instant.now())) {
            LOG.warn("Ingest is paused: {}. Retrying with backoff until it succeeds; no event is skipped or dead-lettered "
                    + "because of this", describe(cause));
        } else {
            LOG.debug("Ingest retry failed again: {}", describe(cause));
        }
    }

    public void recovered() {
        Instant since = failingSince.getAndSet(null);
        if (since != null) {
            LOG.info("Ingest resumed after {} s and {} retries", Duration.between(since, Instant.now()).toSeconds(),
                    retries.getAndSet(0));
        }
    }

    public boolean isFailing() {
        return failingSince.get() != null;
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == e ? message : e.getClass().getSimpleName() + " (" + message + ")";
    }
}

package io.vendstream.http;

import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JSON bodies of the API's error answers; the route configuration decides the status. */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
    // an outage fails every poll of every open dashboard: one warning per interval is enough
    private static final long LOG_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final java.util.concurrent.atomic.AtomicLong lastWarning = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    /** 400: which parameter and what is wrong with it. */
    public Map<String, Object> badParameter(Exchange exchange) {
        BadParameterException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, BadParameterException.class);
        return Json.object("error", e.getMessage(), "parameter", e.parameter());
    }

    /** 404: the path parameter names nothing; which parameter it was. */
    public Map<String, Object> notFound(Exchange exchange) {
        NotFoundException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, NotFoundException.class);
        return Json.object("error", e.getMessage(), "parameter", e.parameter());
    }

    /** 503: the database or broker could not answer; the cause goes to the log, not to the client. */
    public Map<String, Object> unavailable(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("{} answered 503: {} (further failures within 30 s are not logged)", exchange.getFromRouteId(),
                    e == null ? "unknown error" : e.getMessage());
        }
        return Json.object("error", "the service cannot answer right now; retry shortly", "parameter", null);
    }
}

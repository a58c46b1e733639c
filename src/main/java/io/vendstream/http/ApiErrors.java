package io.vendstream.http;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's error answers (routes/api-error-handling.camel.yaml): the status follows the kind of the
 * caught exception, found anywhere in its causes as Camel's onException would, and the JSON body says
 * what went wrong.
 */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
    // an outage fails every poll of every open dashboard: one warning per interval is enough
    private static final long LOG_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final java.util.concurrent.atomic.AtomicLong lastWarning = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    /**
     * The status for the caught exception: 400 a bad parameter, 404 a path that names nothing, 409 a
     * write the current state does not allow, 503 anything else.
     */
    public int status(Exchange exchange) {
        if (caught(exchange, BadParameterException.class) != null) {
            return 400;
        }
        if (caught(exchange, ConflictException.class) != null) {
            return 409;
        }
        return caught(exchange, NotFoundException.class) != null ? 404 : 503;
    }

    /** The body of the answer with {@link #status}. */
    public Map<String, Object> answer(Exchange exchange) {
        return switch (status(exchange)) {
            case 400 -> badParameter(exchange);
            case 404 -> notFound(exchange);
            case 409 -> conflict(exchange);
            default -> unavailable(exchange);
        };
    }

    /** 400: which parameter and what is wrong with it. */
    public Map<String, Object> badParameter(Exchange exchange) {
        BadParameterException e = caught(exchange, BadParameterException.class);
        return Json.object("error", e.getMessage(), "parameter", e.parameter());
    }

    /** 404: the path parameter names nothing; which parameter it was. */
    public Map<String, Object> notFound(Exchange exchange) {
        NotFoundException e = caught(exchange, NotFoundException.class);
        return Json.object("error", e.getMessage(), "parameter", e.parameter());
    }

    /** 409: what stands in the way, and the parameter it concerns. */
    public Map<String, Object> conflict(Exchange exchange) {
        ConflictException e = caught(exchange, ConflictException.class);
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

    private static <T extends Throwable> T caught(Exchange exchange, Class<T> type) {
        return ObjectHelper.getException(type, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }
}

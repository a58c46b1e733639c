package io.vendstream.ops;

import io.vendstream.config.Failures;
import org.apache.camel.spi.CamelEvent.RouteRestartingFailureEvent;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WARN line per failed start attempt of a supervised route (an endpoint that is not
 * reachable yet, e.g. an external broker still starting), and an ERROR when the route controller
 * gives up, so an operator reading the log sees what is retried and why.
 */
public final class RouteSupervisionLog extends SimpleEventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RouteSupervisionLog.class);

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof RouteRestartingFailureEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        RouteRestartingFailureEvent failure = (RouteRestartingFailureEvent) event;
        String route = failure.getRoute().getRouteId();
        String cause = failure.getCause() == null ? "unknown cause" : Failures.rootMessage(failure.getCause());
        if (failure.isExhausted()) {
            LOG.error("Route {} could not be started after {} attempts and stays stopped: {}", route,
                    failure.getAttempt(), cause);
        } else {
            LOG.warn("Route {} could not be started (attempt {}): {}. Retrying with back-off "
                    + "(camel.routecontroller.back-off-*)", route, failure.getAttempt(), cause);
        }
    }
}

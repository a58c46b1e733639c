package io.vendstream.runtime;

import io.vendstream.config.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches routes on and off by role: a route declared with {@code group: ingest} starts only
 * when {@code vendstream.ingest.enabled} is true (the default), so an instance can run, say,
 * only the ingest routes. The routes of a switched-off role are loaded but not started.
 *
 * <p>Route files name their role with {@code group} rather than an {@code autoStartup}
 * placeholder because Camel's YAML DSL schema types {@code autoStartup} as a boolean, and
 * editors that validate {@code *.camel.yaml} would flag the placeholder as an error.
 */
public final class RouteRoles extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RouteRoles.class);

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        Settings settings = new Settings(context);
        for (RouteDefinition route : ((ModelCamelContext) context).getRouteDefinitions()) {
            String role = route.getGroup();
            if (role == null || role.isBlank()) {
                continue;
            }
            String key = "vendstream." + role + ".enabled";
            // a group that names no role (no such key) is only a group: its routes start as usual
            if (settings.optional(key).isPresent() && !settings.flag(key)) {
                route.setAutoStartup("false");
                LOG.info("Route {} not started: role {} is off (vendstream.{}.enabled)", route.getRouteId(), role, role);
            }
        }
    }
}

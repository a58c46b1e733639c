package io.vendstream.ops;

import javax.sql.DataSource;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vendstream.runtime.PostgresSupervisor;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches on what operators use beyond Camel's built-in management: the Kafka and PostgreSQL
 * health checks, the vendstream_* business metrics in the Prometheus scrape, the log of route
 * start retries, and, in development mode, the guarded route reloader.
 *
 * <p>Registered through {@code camel.main.main-listener-classes}: such a listener joins during
 * auto-configuration, after the infrastructure listener's {@code beforeConfigure}, so only
 * {@code afterConfigure} is used; the {@code dataSource} bean and {@code vendstream.kafka.brokers}
 * exist by then.
 */
public final class Observability extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Observability.class);

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        PropertiesComponent pc = context.getPropertiesComponent();
        DataSource dataSource = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        int timeout = Integer.parseInt(property(pc, "vendstream.health.timeout-millis", "2000"));
        KafkaAdmin kafka = new KafkaAdmin(property(pc, "vendstream.kafka.brokers", "localhost:9092"), timeout);
        addService(context, kafka);

        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        health.register(new DatabaseHealthCheck(dataSource, timeout,
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "health-database"),
                context.getRegistry().lookupByNameAndType("postgresSupervisor", PostgresSupervisor.class)));
        health.register(new KafkaHealthCheck(kafka));

        ConsumerLag lag = new ConsumerLag(kafka, property(pc, "vendstream.kafka.topic", "vending.events"),
                property(pc, "vendstream.kafka.consumer-group", "vendstream-ingest"));
        meterRegistry(context).getPrometheusRegistry().register(new BusinessMetrics(dataSource, lag,
                Integer.parseInt(property(pc, "vendstream.metrics.low-stock-units", "3")),
                Long.parseLong(property(pc, "vendstream.metrics.refresh-millis", "5000"))));

        context.getManagementStrategy().addEventNotifier(new RouteSupervisionLog());

        if (Boolean.parseBoolean(property(pc, "vendstream.dev-mode", "false"))) {
            if (Boolean.parseBoolean(property(pc, "camel.main.routes-reload-enabled", "false"))) {
                LOG.warn("camel.main.routes-reload-enabled is on as well: Camel's own reloader removes every route "
                        + "when a saved file is broken (CAMEL-24860); switch it off and keep vendstream.dev-mode");
            }
            addService(context, new GuardedRouteReloadStrategy(
                    property(pc, "camel.main.routes-reload-directory", "routes"),
                    property(pc, "camel.main.routes-reload-pattern", "*.camel.yaml")));
        }
    }

    private static void addService(CamelContext context, Object service) {
        try {
            context.addService(service);
        } catch (Exception e) {
            throw new IllegalStateException("cannot add " + service.getClass().getSimpleName(), e);
        }
    }

    /** The registry Camel's micrometer support scrapes at /observe/metrics (bound here if it is not yet). */
    private static PrometheusMeterRegistry meterRegistry(CamelContext context) {
        Object bound = context.getRegistry().lookupByName(MicrometerConstants.METRICS_REGISTRY_NAME);
        if (bound instanceof PrometheusMeterRegistry registry) {
            return registry;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        return registry;
    }

    private static String property(PropertiesComponent pc, String key, String fallback) {
        return pc.resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty()).orElse(fallback);
    }
}

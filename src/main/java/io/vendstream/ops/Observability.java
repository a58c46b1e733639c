package io.vendstream.ops;

import javax.sql.DataSource;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vendstream.config.Settings;
import io.vendstream.runtime.PostgresSupervisor;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches on what operators use beyond Camel's built-in management: the Kafka and PostgreSQL
 * health checks, the vendstream_* business metrics in the Prometheus scrape, the log of route
 * start retries, and, in development mode, the guarded route reloader.
 *
 * <p>Registered with the other main listeners in {@code Lifecycle#newMain()}, after
 * {@code runtime.Infrastructure}; only {@code afterConfigure} is used, when the {@code dataSource}
 * bean and {@code vendstream.kafka.brokers} exist.
 */
public final class Observability extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Observability.class);

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        Settings settings = new Settings(context);
        DataSource dataSource = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        int timeout = settings.integer("vendstream.health.timeout-millis");
        KafkaAdmin kafka = new KafkaAdmin(settings.text("vendstream.kafka.brokers"), timeout);
        addService(context, kafka);

        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        // bound by Infrastructure in embedded mode only
        PostgresSupervisor supervisor = context.getRegistry().lookupByNameAndType("postgresSupervisor", PostgresSupervisor.class);
        health.register(new DatabaseHealthCheck(dataSource, timeout,
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "health-database"), supervisor));
        if (supervisor != null) {
            health.register(new EmbeddedDatabaseCheck(supervisor));
        }
        health.register(new KafkaHealthCheck(kafka));

        // the one reader of consumer lag, for the metrics here and for /api/pipeline (bound as consumerLag)
        ConsumerLag lag = new ConsumerLag(kafka, settings.text("vendstream.kafka.topic"),
                settings.text("vendstream.kafka.consumer-group"),
                java.time.Duration.ofMillis(settings.longInteger("vendstream.api.lag-refresh-millis")),
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "consumer-lag"));
        context.getRegistry().bind("consumerLag", lag);
        // the payment processor's topic has its own consumer group: its lag for /api/pipeline (paymentsLag)
        if (settings.flag("vendstream.payments.enabled")) {
            context.getRegistry().bind("paymentsLag", new ConsumerLag(kafka, settings.text("vendstream.payments.topic"),
                    settings.text("vendstream.payments.consumer-group"),
                    java.time.Duration.ofMillis(settings.longInteger("vendstream.api.lag-refresh-millis")),
                    context.getExecutorServiceManager().newSingleThreadExecutor(this, "payments-lag")));
        }
        PrometheusMeterRegistry meters = meterRegistry(context);
        // beans that publish their own meters, e.g. the API's answer caches (hits, misses, evictions)
        context.getRegistry().findByType(MeterBinder.class).forEach(binder -> binder.bindTo(meters));
        meters.getPrometheusRegistry().register(new BusinessMetrics(dataSource, lag,
                settings.integer("vendstream.metrics.low-stock-units"),
                settings.longInteger("vendstream.metrics.refresh-millis")));

        context.getManagementStrategy().addEventNotifier(new RouteSupervisionLog());

        if (settings.flag("vendstream.dev-mode")) {
            if (settings.flag("camel.main.routes-reload-enabled")) {
                LOG.warn("camel.main.routes-reload-enabled is on as well: Camel's own reloader removes every route "
                        + "when a saved file is broken (CAMEL-24860); switch it off and keep vendstream.dev-mode");
            }
            addService(context, new GuardedRouteReloadStrategy(
                    settings.text("camel.main.routes-reload-directory"),
                    settings.text("camel.main.routes-reload-pattern")));
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
}

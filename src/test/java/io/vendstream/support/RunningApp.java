package io.vendstream.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.Function;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The application running for one test class: a namespace of its own on the shared
 * infrastructure, the real application started there, a Kafka producer on the shared broker and
 * the namespace's ledger. Registered as a static field,
 * <pre>{@code
 * @RegisterExtension
 * static final RunningApp APP = RunningApp.named("ingest").with("vendstream.ingest.enabled", "false");
 * }</pre>
 * it starts before the class's {@code @BeforeAll} methods and is closed after its {@code @AfterAll}
 * methods.
 */
public final class RunningApp implements BeforeAllCallback, AfterAllCallback {

    private final String name;
    private final Function<Namespace, Properties> baseProperties;
    private final List<BiConsumer<Namespace, Properties>> settings = new ArrayList<>();
    private final List<Runnable> preconditions = new ArrayList<>();
    private Namespace namespace;
    private VendstreamApp app;
    private Ledger ledger;
    private Kafka kafka;

    private RunningApp(String name, Function<Namespace, Properties> baseProperties) {
        this.name = name;
        this.baseProperties = baseProperties;
    }

    /** An application in a fresh namespace named after {@code name}, with {@link Namespace#appProperties()}. */
    public static RunningApp named(String name) {
        return named(name, Namespace::appProperties);
    }

    /** An application in a fresh namespace named after {@code name}, with the properties {@code base} gives it. */
    public static RunningApp named(String name, Function<Namespace, Properties> base) {
        return new RunningApp(name, base);
    }

    /** Sets an application property on top of the base properties. */
    public RunningApp with(String property, String value) {
        return configured((ns, properties) -> properties.setProperty(property, value));
    }

    /** Changes the properties once the namespace is known, e.g. with a directory named after it. */
    public RunningApp configured(BiConsumer<Namespace, Properties> setting) {
        settings.add(setting);
        return this;
    }

    /** Checks something before anything is started, e.g. an assumption that skips the class. */
    public RunningApp assuming(Runnable precondition) {
        preconditions.add(precondition);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        preconditions.forEach(Runnable::run);
        namespace = TestInfrastructure.get().namespace(name);
        Properties properties = baseProperties.apply(namespace);
        settings.forEach(setting -> setting.accept(namespace, properties));
        app = VendstreamApp.start(properties);
        ledger = Ledger.of(namespace);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (app != null) {
            app.close();
            app = null;
        }
    }

    public Namespace ns() {
        return namespace;
    }

    public VendstreamApp app() {
        return app;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** A producer (and readers) on the shared broker, opened on first use. */
    public synchronized Kafka kafka() {
        if (kafka == null) {
            kafka = new Kafka(namespace.infrastructure().bootstrapServers());
        }
        return kafka;
    }

    /** This namespace's event topic. */
    public String topic() {
        return namespace.topic();
    }

    public String baseUrl() {
        return app.baseUrl();
    }

    public int httpPort() {
        return app.httpPort();
    }

    public DataSource dataSource() {
        return app.dataSource();
    }

    public CamelContext context() {
        return app.context();
    }

    /** The properties the application was started with. */
    public Properties properties() {
        return app.properties();
    }
}

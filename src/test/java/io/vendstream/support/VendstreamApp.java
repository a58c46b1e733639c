package io.vendstream.support;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.vendstream.Lifecycle;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.main.SimpleMainShutdownStrategy;

/**
 * The real application (same {@link Lifecycle#newMain()}, same routes from {@code routes/}) run
 * inside the test JVM on a thread of its own, with properties overriding application.properties.
 */
public final class VendstreamApp implements AutoCloseable {

    private final Main main;
    private final Thread thread;
    private final Properties properties;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private VendstreamApp(Properties properties) {
        this.properties = properties;
        this.main = Lifecycle.newMain();
        main.setShutdownStrategy(new SimpleMainShutdownStrategy());
        main.setOverrideProperties(properties);
        CountDownLatch started = new CountDownLatch(1);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport m) {
                started.countDown();
            }
        });
        thread = new Thread(() -> {
            try {
                main.run();
            } catch (Throwable e) {
                failure.set(e);
                Lifecycle.stopInfrastructure(main);
            } finally {
                started.countDown();
            }
        }, "vendstream-app-under-test");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!started.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the application did not start within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the application failed to start: " + failure.get().getMessage(), failure.get());
        }
    }

    public static VendstreamApp start(Properties properties) {
        return new VendstreamApp(properties);
    }

    public static VendstreamApp start(Namespace namespace) {
        return start(namespace.appProperties());
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public DataSource dataSource() {
        return context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
    }

    public int httpPort() {
        return Integer.parseInt(properties.getProperty("camel.server.port", "8080"));
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort();
    }

    public Properties properties() {
        return properties;
    }

    /** Stops the routes (as Ctrl-C would) and waits for the application thread to end. */
    @Override
    public void close() {
        main.completed();
        try {
            thread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

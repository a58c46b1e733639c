package io.vendstream;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vendstream.config.StartupException;
import io.vendstream.http.ApiBindings;
import io.vendstream.http.ChangeStream;
import io.vendstream.http.HttpAccess;
import io.vendstream.ops.Observability;
import io.vendstream.runtime.Infrastructure;
import io.vendstream.runtime.RouteRoles;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListener;
import org.apache.camel.main.SimpleMainShutdownStrategy;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the application until Ctrl-C or SIGTERM, then shuts down in order: routes, broker,
 * database, and the logging system last, so that every step is logged.
 *
 * <p>camel-main's own signal hook only waits for the Camel context, and Log4j's hook would
 * close the logs early; both are replaced by one hook that waits for the whole sequence.
 */
public final class Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
    private static final long SHUTDOWN_BUDGET_SECONDS = 20;

    private Lifecycle() {
    }

    /**
     * Builds the Camel main with vendstream's main listeners, all registered here and in this order:
     * the infrastructure first (it binds {@code dataSource}), then roles, the API contract check, then observability.
     * Used by the application and by tests. Beans are not found by a package scan: they are
     * declared in {@code routes/*-beans.camel.yaml}.
     */
    public static Main newMain() {
        Main main = new Main();
        main.addMainListener(new Infrastructure());
        main.addMainListener(new RouteRoles());
        main.addMainListener(new ApiBindings());
        main.addMainListener(new Observability());
        main.addMainListener(new HttpAccess());
        main.addMainListener(new ChangeStream());
        return main;
    }

    /** @return the process exit code */
    public static int runUntilSignalled(String... args) {
        Main main = newMain();
        // the plain strategy installs no JVM hook of its own (DefaultMainShutdownStrategy's
        // disableHangupSupport() still installs one in 4.18.0)
        main.setShutdownStrategy(new SimpleMainShutdownStrategy());
        CountDownLatch finished = new CountDownLatch(1);
        int[] exitCode = {0};
        AtomicBoolean signalled = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            signalled.set(true);
            LOG.info("Shutdown requested: stopping routes, then Kafka, then PostgreSQL");
            main.completed();
            try {
                if (!finished.await(SHUTDOWN_BUDGET_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("Shutdown did not finish within {} s", SHUTDOWN_BUDGET_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // a signal-initiated, completed shutdown is a success: exit 0 rather than 128+signal
            Runtime.getRuntime().halt(exitCode[0]);
        }, "vendstream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            main.run(args);
            LOG.info("vendstream stopped");
        } catch (Exception e) {
            exitCode[0] = 1;
            // a failure after the infrastructure came up (e.g. in a route) must not leave the
            // embedded PostgreSQL running on its own
            stopInfrastructure(main);
            StartupException cause = findStartupException(e);
            if (cause == null && signalled.get()) {
                // Ctrl-C while starting: what the user asked for, not an error
                exitCode[0] = 0;
                LOG.info("vendstream stopped while starting");
            } else if (cause != null) {
                LOG.error("vendstream cannot start: {}", cause.getMessage());
            } else {
                LOG.error("vendstream failed: {}", e.getMessage(), e);
            }
        } finally {
            finished.countDown();
            LogManager.shutdown();
        }
        return exitCode[0];
    }

    /** Stops what {@link Infrastructure} started; harmless when it has already stopped. */
    public static void stopInfrastructure(Main main) {
        for (MainListener listener : main.getMainListeners()) {
            if (listener instanceof Infrastructure infrastructure) {
                infrastructure.afterStop(main);
            }
        }
    }

    public static StartupException findStartupException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StartupException s) {
                return s;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}

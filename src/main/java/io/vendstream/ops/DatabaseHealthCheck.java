package io.vendstream.ops;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import io.vendstream.config.Failures;
import io.vendstream.runtime.PostgresSupervisor;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: PostgreSQL answers {@code select 1} through the application's own pool within the
 * timeout. The pool itself would wait up to its connection timeout for a dead server, so the
 * probe runs on a thread of its own and the check gives up after {@code timeoutMillis}; a probe
 * still hanging is reused rather than stacked up by repeated health calls. In embedded mode the
 * supervisor's view comes first: while it restarts a crashed server the check is DOWN at once.
 */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;
    private final int timeoutMillis;
    private final ExecutorService executor;
    private final PostgresSupervisor supervisor;
    private CompletableFuture<Long> inFlight;

    /** @param supervisor the embedded server's supervisor, or null in external mode */
    public DatabaseHealthCheck(DataSource dataSource, int timeoutMillis, ExecutorService executor,
                               PostgresSupervisor supervisor) {
        super("vendstream", "database");
        this.dataSource = dataSource;
        this.timeoutMillis = timeoutMillis;
        this.executor = executor;
        this.supervisor = supervisor;
    }

    @Override
    public boolean isLiveness() {
        // a database outage makes the service unready, not dead: restarting it would not help
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("timeout.millis", timeoutMillis);
        if (supervisor != null) {
            builder.detail("embedded.server", supervisor.state().name());
            builder.detail("embedded.crashes", supervisor.crashes());
            if (supervisor.state() != PostgresSupervisor.State.RUNNING) {
                builder.down().message(supervisor.state() == PostgresSupervisor.State.RESTARTING
                        ? "The embedded PostgreSQL server exited and is being restarted"
                        : "The embedded PostgreSQL server exited and could not be restarted; restart vendstream");
                return;
            }
        }
        try {
            long millis = probe().get(timeoutMillis, TimeUnit.MILLISECONDS);
            builder.up().message("PostgreSQL answered select 1 in " + millis + " ms");
            builder.detail("response.millis", millis);
        } catch (TimeoutException e) {
            builder.down().message("PostgreSQL did not answer within " + timeoutMillis + " ms");
        } catch (ExecutionException e) {
            builder.down().message("PostgreSQL is unreachable: " + Failures.rootMessage(e.getCause())).error(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            builder.down().message("interrupted");
        }
    }

    private synchronized CompletableFuture<Long> probe() {
        if (inFlight == null || inFlight.isDone()) {
            inFlight = CompletableFuture.supplyAsync(this::selectOne, executor);
        }
        return inFlight;
    }

    private long selectOne() {
        long start = System.nanoTime();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.setQueryTimeout(Math.max(1, timeoutMillis / 1000));
            try (ResultSet rs = st.executeQuery("select 1")) {
                rs.next();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}

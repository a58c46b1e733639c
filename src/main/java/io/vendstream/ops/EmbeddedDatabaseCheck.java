package io.vendstream.ops;

import java.util.Map;

import io.vendstream.runtime.PostgresSupervisor;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Liveness in embedded mode: DOWN only once the supervisor has given up restarting the PostgreSQL
 * server vendstream runs. Then nothing inside the process can bring the database back, so an
 * orchestrator probing {@code /observe/health/live} restarts vendstream, and the server with it.
 * While the supervisor is still restarting it, the process stays live (readiness is DOWN instead).
 */
public final class EmbeddedDatabaseCheck extends AbstractHealthCheck {

    private final PostgresSupervisor supervisor;

    public EmbeddedDatabaseCheck(PostgresSupervisor supervisor) {
        super("vendstream", "embedded-database");
        this.supervisor = supervisor;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("state", supervisor.state().name());
        builder.detail("crashes", supervisor.crashes());
        if (supervisor.state() == PostgresSupervisor.State.GAVE_UP) {
            builder.down().message("The embedded PostgreSQL server could not be restarted; vendstream must be restarted");
        } else {
            builder.up().message("The embedded PostgreSQL server is supervised (" + supervisor.state().name().toLowerCase() + ")");
        }
    }
}

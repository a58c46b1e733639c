package io.vendstream.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.vendstream.ops.EmbeddedDatabaseCheck;
import io.vendstream.support.TestInfrastructure;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The supervisor of the embedded PostgreSQL against a real server killed with SIGKILL: it is
 * started again with what was committed before the kill, and given up on, with the state saying
 * so, when it cannot be started within the limit.
 */
class PostgresSupervisorTest {

    private static final String USER = "vendstream";
    private static final String PASSWORD = "supervised-secret";
    // quick, so that the test waits seconds, not minutes
    private static final PostgresSupervisor.Policy QUICK = new PostgresSupervisor.Policy(
            Duration.ofMillis(100), 3, Duration.ofMillis(500), Duration.ofMillis(1000));

    @Test
    void should_restart_a_killed_server_on_its_data_directory_with_every_committed_row() throws Exception {
        int port = TestInfrastructure.freePort();
        try (ManagedPostgres postgres = new ManagedPostgres(Path.of("target", "supervised-postgres").toAbsolutePath(), port,
                USER, PASSWORD).start();
             PostgresSupervisor supervisor = PostgresSupervisor.watch(postgres, QUICK)) {
            sql(postgres, "create table if not exists kept (n int)", "delete from kept", "insert into kept values (1), (2), (3)");
            long before = postgres.postmasterPid().orElseThrow();

            kill(before);

            await("the server is running again").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> supervisor.state() == PostgresSupervisor.State.RUNNING && supervisor.crashes() == 1);
            EmbeddedDatabaseCheck liveness = new EmbeddedDatabaseCheck(supervisor);
            liveness.setCamelContext(new DefaultCamelContext());
            assertThat(liveness.call().getState()).as("still live after a restart").isEqualTo(HealthCheck.State.UP);
            assertThat(postgres.postmasterPid().orElseThrow()).as("a new server process").isNotEqualTo(before);
            assertThat(PostgresSupervisor.alive(postgres.postmasterPid().orElseThrow())).isTrue();
            await("it answers").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> count(postgres, "select count(*) from kept") == 3);
        }
    }

    @Test
    void should_give_up_after_the_limit_when_the_server_cannot_be_started_again() throws Exception {
        int port = TestInfrastructure.freePort();
        try (ManagedPostgres postgres = new ManagedPostgres(Path.of("target", "supervised-postgres-lost").toAbsolutePath(), port,
                USER, PASSWORD).start();
             PostgresSupervisor supervisor = PostgresSupervisor.watch(postgres, QUICK)) {
            // a setting the server refuses: every restart attempt fails at once, however fast it comes
            Path autoConf = postgres.clusterDirectory().resolve("postgresql.auto.conf");
            String kept = Files.readString(autoConf);
            try {
                Files.writeString(autoConf, kept + "\nmax_connections = 'not a number'\n");
                kill(postgres.postmasterPid().orElseThrow());
                EmbeddedDatabaseCheck liveness = new EmbeddedDatabaseCheck(supervisor);
                liveness.setCamelContext(new DefaultCamelContext());
                await("the supervisor gives up").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                        .until(() -> supervisor.state() == PostgresSupervisor.State.GAVE_UP);
                assertThat(liveness.call().getState()).as("liveness, so that an orchestrator restarts vendstream")
                        .isEqualTo(HealthCheck.State.DOWN);
                assertThat(supervisor.state()).as("it stays given up").isEqualTo(PostgresSupervisor.State.GAVE_UP);
            } finally {
                Files.writeString(autoConf, kept);
            }
        }
    }

    private static void kill(long pid) throws Exception {
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        assertThat(postmaster.destroyForcibly()).isTrue();
        postmaster.onExit().get();
    }

    private static void sql(ManagedPostgres postgres, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), USER, PASSWORD);
             Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static long count(ManagedPostgres postgres, String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), USER, PASSWORD);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

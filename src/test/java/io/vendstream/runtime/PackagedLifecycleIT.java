package io.vendstream.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application on its embedded defaults, stopped with SIGTERM while it is still
 * starting: it must exit 0 and leave no PostgreSQL server behind.
 */
class PackagedLifecycleIT {

    @Test
    void should_exit_0_and_leave_no_postgresql_running_when_stopped_while_starting() {
        Path data = PackagedApp.newDataDirectory("stopped-while-starting");
        try (PackagedApp app = PackagedApp.start("stopped-while-starting", Map.of(
                "VENDSTREAM_DATA_DIR", data.toString(),
                "VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()),
                "VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestInfrastructure.freePort()),
                "VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort())))) {
            // PostgreSQL and Kafka are up, the routes not yet
            app.awaitOutput("Created topics", Duration.ofMinutes(4));
            int exit = app.terminate(); // SIGTERM, as Ctrl-C or a service manager would send
            String output = app.output();

            assertThat(exit).as("exit code; output:%n%s", output).isZero();
            assertThat(output).doesNotContain(" ERROR ");
            assertThat(data.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped; output:%n%s", output).doesNotExist();
        }
    }
}

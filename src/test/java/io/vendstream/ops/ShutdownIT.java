package io.vendstream.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application, run as an operator runs it (java -jar, embedded Kafka and
 * PostgreSQL), stops cleanly on SIGTERM: exit code 0 within 10 seconds, and neither the
 * PostgreSQL server it started nor anything else of it left running.
 */
class ShutdownIT {

    private PackagedApp app;
    private long postgresPid = -1;

    @Test
    void should_exit_0_within_10_seconds_of_sigterm_and_leave_no_broker_or_postgresql_behind() throws Exception {
        Path dataDir = PackagedApp.newDataDirectory("shutdown");
        int kafkaPort = TestInfrastructure.freePort();
        int controllerPort = TestInfrastructure.freePort();
        int dbPort = TestInfrastructure.freePort();
        int httpPort = TestInfrastructure.freePort();
        app = PackagedApp.start("shutdown", Map.of(
                "VENDSTREAM_DATA_DIR", dataDir.toString(),
                "VENDSTREAM_HTTP_PORT", String.valueOf(httpPort),
                "VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort),
                "VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(controllerPort),
                "VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(dbPort)));
        app.awaitHealthy(Duration.ofMinutes(4));
        postgresPid = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
        assertThat(ProcessHandle.of(postgresPid).map(ProcessHandle::isAlive)).contains(true);

        Instant signalled = Instant.now();
        int exit = app.terminate();
        Duration took = Duration.between(signalled, Instant.now());

        assertThat(took).as("time from SIGTERM to exit").isLessThan(Duration.ofSeconds(10));
        assertThat(exit).as("exit code after %s (log: %s)", took, app.log()).isZero();
        await().atMost(Duration.ofSeconds(2))
                .until(() -> ProcessHandle.of(postgresPid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList()).as("processes still using %s", dataDir).isEmpty();
        for (int port : List.of(kafkaPort, controllerPort, dbPort, httpPort)) {
            assertThat(canBind(port)).as("port %d is free again", port).isTrue();
        }
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterEach
    void cleanUp() {
        if (app != null) {
            app.close();
        }
        if (postgresPid > 0) {
            ProcessHandle.of(postgresPid).ifPresent(ProcessHandle::destroy);
        }
    }
}

package io.vendstream.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    private Process app;
    private long postgresPid = -1;

    @Test
    void should_exit_0_within_10_seconds_of_sigterm_and_leave_no_broker_or_postgresql_behind() throws Exception {
        Path project = Path.of(System.getProperty("vendstream.project.dir", ".")).toAbsolutePath();
        Path jar = Path.of(System.getProperty("vendstream.jar", project.resolve("target/vendstream.jar").toString()));
        // under target/ of the checkout: traversable by the unprivileged account PostgreSQL runs as under root
        Path dataDir = project.resolve("target/shutdown-it/data-" + System.currentTimeMillis());
        Files.createDirectories(dataDir);
        int kafkaPort = TestInfrastructure.freePort();
        int controllerPort = TestInfrastructure.freePort();
        int dbPort = TestInfrastructure.freePort();
        int httpPort = TestInfrastructure.freePort();

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                // Camel's auto-configuration ignores environment variables ending in _PORT (taken for
                // Kubernetes service links), so its HTTP port is given as a system property
                "-Dcamel.server.port=" + httpPort, "-Dcamel.management.port=" + httpPort,
                "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile());
        builder.environment().putAll(Map.of(
                "VENDSTREAM_DATA_DIR", dataDir.toString(),
                "VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort),
                "VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(controllerPort),
                "VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(dbPort)));
        app = builder.start();

        String health = "http://127.0.0.1:" + httpPort + "/observe/health";
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> !app.isAlive() || Http.get(health).statusCode() == 200);
        assertThat(app.isAlive()).as("the application is running (log: %s.log)", dataDir).isTrue();
        postgresPid = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
        assertThat(ProcessHandle.of(postgresPid).map(ProcessHandle::isAlive)).contains(true);

        Instant signalled = Instant.now();
        app.destroy(); // SIGTERM
        boolean exited = app.waitFor(10, TimeUnit.SECONDS);
        Duration took = Duration.between(signalled, Instant.now());

        assertThat(exited).as("exited within 10 s of SIGTERM").isTrue();
        assertThat(app.exitValue()).as("exit code after %s", took).isZero();
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
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
        if (postgresPid > 0) {
            ProcessHandle.of(postgresPid).ifPresent(ProcessHandle::destroy);
        }
    }
}

package io.vendstream.runtime;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application on its embedded defaults, stopped with SIGTERM while it is still
 * starting: it must exit 0 and leave no PostgreSQL server behind.
 */
class PackagedLifecycleIT {

    @Test
    void should_exit_0_and_leave_no_postgresql_running_when_stopped_while_starting() throws Exception {
        ProcessBuilder builder = PackagedJar.processBuilder("stopped-while-starting");
        Path data = Path.of(builder.environment().get("VENDSTREAM_DATA_DIR"));
        builder.environment().put("VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()));
        builder.environment().put("VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestInfrastructure.freePort()));
        builder.environment().put("VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()));
        Process app = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CountDownLatch infrastructureUp = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                    if (line.contains("Created topics")) {
                        infrastructureUp.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                lines.add("cannot read output: " + e);
            }
        });
        reader.start();
        try {
            assertThat(infrastructureUp.await(4, TimeUnit.MINUTES)).as("PostgreSQL and Kafka up; output:%n%s",
                    String.join("\n", lines)).isTrue();
            app.destroy(); // SIGTERM, as Ctrl-C or a service manager would send
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s of SIGTERM").isTrue();
        } finally {
            app.destroyForcibly();
        }
        reader.join(10_000);
        String output = String.join("\n", lines);

        assertThat(app.exitValue()).as("exit code; output:%n%s", output).isZero();
        assertThat(output).doesNotContain(" ERROR ");
        assertThat(data.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped; output:%n%s", output).doesNotExist();
    }
}

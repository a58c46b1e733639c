package io.vendstream.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vendstream.support.PackagedApp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application ({@code java -jar target/vendstream.jar}) refusing to start: exit
 * code 1 and one error line naming the cause and the setting, not a stack trace wall. The
 * settings are given as environment variables, as a user of the jar or a container would.
 */
class PackagedStartupErrorsIT {

    @Test
    void should_exit_1_with_one_line_naming_the_port_setting_when_the_database_port_is_in_use() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = runJar(Map.of("VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(busy.getLocalPort())));

            assertThat(run.exit).as("exit code; output:%n%s", run.output).isEqualTo(1);
            assertThat(errorLines(run)).singleElement().asString()
                    .contains("Port " + busy.getLocalPort() + " on 127.0.0.1 is already in use", "VENDSTREAM_DB_EMBEDDED_PORT");
            assertThat(stackTraceLines(run)).as("stack trace lines in:%n%s", run.output).isLessThan(5);
        }
    }

    @Test
    void should_exit_1_within_the_configured_wait_when_the_external_database_is_unreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        // the wait of 2 s (instead of 60) also proves that environment variables override the properties file
        Run run = runJar(Map.of("VENDSTREAM_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/vendstream",
                "VENDSTREAM_DB_WAIT_AT_STARTUP_SECONDS", "2"));

        assertThat(run.exit).as("exit code; output:%n%s", run.output).isEqualTo(1);
        assertThat(run.seconds).as("seconds until exit").isLessThan(30);
        assertThat(errorLines(run)).singleElement().asString()
                .contains("PostgreSQL at jdbc:postgresql://127.0.0.1:" + closedPort + "/vendstream is unreachable", "VENDSTREAM_DB_URL");
        assertThat(stackTraceLines(run)).as("stack trace lines in:%n%s", run.output).isLessThan(5);
    }

    private record Run(int exit, String output, long seconds) {
    }

    private static Run runJar(Map<String, String> env) {
        Map<String, String> settings = new HashMap<>(env);
        settings.put("VENDSTREAM_DATA_DIR", PackagedApp.newDataDirectory("startup-error").toString());
        long start = System.nanoTime();
        try (PackagedApp app = PackagedApp.start("startup-error", settings)) {
            int exit = app.waitForExit(Duration.ofSeconds(90));
            return new Run(exit, app.output(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        }
    }

    private static List<String> errorLines(Run run) {
        return run.output.lines().filter(l -> l.contains(" ERROR ")).toList();
    }

    private static long stackTraceLines(Run run) {
        return run.output.lines().filter(l -> l.matches("\\s+at .*") || l.startsWith("Caused by:")).count();
    }
}

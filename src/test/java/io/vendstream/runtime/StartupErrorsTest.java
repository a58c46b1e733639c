package io.vendstream.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import io.vendstream.Lifecycle;
import io.vendstream.config.StartupException;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * What a user sees when the application cannot start: one line that names the cause and the
 * setting to change (the packaged application prints it without a stack trace; see
 * {@code PackagedStartupErrorsIT}).
 */
class StartupErrorsTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    @Test
    void should_name_the_kafka_port_setting_when_the_embedded_broker_port_is_in_use() throws Exception {
        try (ServerSocket busy = listen()) {
            Properties props = INFRA.namespace("kafka_port_busy").appProperties();
            props.setProperty("vendstream.kafka.bootstrap-servers", "");
            props.setProperty("vendstream.kafka.embedded.port", String.valueOf(busy.getLocalPort()));
            props.setProperty("vendstream.kafka.embedded.controller-port", String.valueOf(TestInfrastructure.freePort()));

            assertThat(startupError(props)).contains("Port " + busy.getLocalPort() + " on 127.0.0.1 is already in use",
                    "vendstream.kafka.embedded.port", "VENDSTREAM_KAFKA_EMBEDDED_PORT");
        }
    }

    @Test
    void should_name_the_database_port_setting_when_the_embedded_postgresql_port_is_in_use() throws Exception {
        try (ServerSocket busy = listen()) {
            Properties props = INFRA.namespace("db_port_busy").appProperties();
            props.setProperty("vendstream.db.url", "");
            props.setProperty("vendstream.db.embedded.port", String.valueOf(busy.getLocalPort()));

            assertThat(startupError(props)).contains("Port " + busy.getLocalPort() + " on 127.0.0.1 is already in use",
                    "vendstream.db.embedded.port", "VENDSTREAM_DB_EMBEDDED_PORT");
        }
    }

    @Test
    void should_name_the_http_port_setting_when_the_dashboard_port_is_in_use() throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            Properties props = INFRA.namespace("http_port_busy").appProperties();
            props.setProperty("camel.server.port", String.valueOf(busy.getLocalPort()));
            props.setProperty("camel.management.port", String.valueOf(busy.getLocalPort()));

            assertThat(startupError(props)).contains("Port " + busy.getLocalPort(), "already in use",
                    "vendstream.http.port", "VENDSTREAM_HTTP_PORT");
        }
    }

    @Test
    void should_name_the_mqtt_port_setting_when_a_broker_already_listens_there() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Properties props = INFRA.namespace("mqtt_port_busy").appProperties();
            props.setProperty("vendstream.mqtt.port", String.valueOf(busy.getLocalPort()));
            props.setProperty("vendstream.mqtt.host", "127.0.0.1");

            assertThat(startupError(props)).contains("Port " + busy.getLocalPort(), "already in use",
                    "vendstream.mqtt.port", "VENDSTREAM_MQTT_PORT", "vendstream.mqtt.mode=external");
        }
    }

    @Test
    void should_name_the_database_url_setting_when_the_external_postgresql_is_unreachable() {
        Properties props = INFRA.namespace("db_unreachable").appProperties();
        String url = "jdbc:postgresql://127.0.0.1:" + TestInfrastructure.freePort() + "/vendstream";
        props.setProperty("vendstream.db.url", url);
        props.setProperty("vendstream.db.wait-at-startup-seconds", "2");

        assertThat(startupError(props)).contains("PostgreSQL at " + url + " is unreachable", "vendstream.db.url",
                "VENDSTREAM_DB_URL");
    }

    @Test
    void should_name_the_bootstrap_servers_setting_when_the_external_kafka_is_unreachable() {
        Properties props = INFRA.namespace("kafka_unreachable").appProperties();
        String bootstrap = "127.0.0.1:" + TestInfrastructure.freePort();
        props.setProperty("vendstream.kafka.bootstrap-servers", bootstrap);
        props.setProperty("vendstream.kafka.wait-at-startup-seconds", "2");

        long started = System.nanoTime();
        String error = startupError(props);
        assertThat(error).contains("Kafka at " + bootstrap + " is unreachable", "vendstream.kafka.bootstrap-servers",
                "VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a 2 s wait gives up promptly")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void should_name_the_data_dir_setting_when_the_postgresql_data_is_from_another_version() throws IOException {
        Namespace ns = INFRA.namespace("pg15_data");
        Path data = Files.createTempDirectory(Path.of("target"), "pg15-app-data");
        Files.createDirectories(data.resolve("postgres"));
        Files.writeString(data.resolve("postgres/PG_VERSION"), "15\n");
        Properties props = ns.appProperties();
        props.setProperty("vendstream.db.url", "");
        props.setProperty("vendstream.data-dir", data.toString());

        assertThat(startupError(props)).contains("created by PostgreSQL 15", "this build embeds PostgreSQL 17",
                "vendstream.data-dir");
    }

    /** Starts the application, expecting it to fail; returns the user-facing message. */
    private static String startupError(Properties props) {
        Throwable failure = catchThrowable(() -> VendstreamApp.start(props).close());
        assertThat(failure).as("start-up must fail").isNotNull();
        StartupException cause = Lifecycle.findStartupException(failure);
        assertThat(cause).as("a StartupException in %s", failure).isNotNull();
        assertThat(cause.getMessage()).as("one line").doesNotContain("\n");
        return cause.getMessage();
    }

    private static ServerSocket listen() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }
}

package io.vendstream.runtime;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application against a PostgreSQL server it did not start: the one named by
 * {@code VENDSTREAM_TEST_EXTERNAL_DB_URL} (CI points it at a server on the machine; user and
 * password may be in the URL or in {@code VENDSTREAM_TEST_EXTERNAL_DB_USER}/{@code _PASSWORD}),
 * otherwise a separate server this test starts in a directory and on a port of its own. The
 * application works in a schema of its own, dropped at the end, because that server is shared.
 */
class ExternalDatabaseTest {

    private static ManagedPostgres ownServer;
    private static String url;
    private static String user;
    private static String password;
    private static String schema;

    @BeforeAll
    static void externalServer() throws Exception {
        String configured = System.getenv("VENDSTREAM_TEST_EXTERNAL_DB_URL");
        if (configured != null && !configured.isBlank()) {
            url = configured;
            user = System.getenv().getOrDefault("VENDSTREAM_TEST_EXTERNAL_DB_USER", "");
            password = System.getenv().getOrDefault("VENDSTREAM_TEST_EXTERNAL_DB_PASSWORD", "");
        } else {
            // kept between runs: ManagedPostgres reuses the cluster (and stops a server a killed run left behind)
            Path dir = Path.of("target", "external-postgres").toAbsolutePath();
            user = "external_owner";
            password = "external-secret";
            ownServer = new ManagedPostgres(dir, TestInfrastructure.freePort(), user, password).start();
            url = ownServer.jdbcUrl("postgres");
        }
        schema = "vendstream_external_" + ProcessHandle.current().pid();
    }

    @AfterAll
    static void dropSchemaAndStop() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
        } finally {
            if (ownServer != null) {
                ownServer.close();
            }
        }
    }

    @Test
    void should_migrate_and_answer_health_up_on_a_database_it_did_not_start_without_starting_one_itself() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("external_db");
        Path dataDir = Files.createTempDirectory(Path.of("target"), "external-db-app");
        Properties props = ns.appProperties();
        props.setProperty("vendstream.db.url", url);
        props.setProperty("vendstream.db.user", user);
        props.setProperty("vendstream.db.password", password);
        props.setProperty("vendstream.db.schema", schema);
        props.setProperty("vendstream.data-dir", dataDir.toString());

        try (VendstreamApp app = VendstreamApp.start(props)) {
            await("health UP").atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> health(app).contains("\"UP\""));

            try (Connection c = app.dataSource().getConnection(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("select inet_server_port(), current_schema()")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("port of the server the pool talks to").isEqualTo(portOf(url));
                    assertThat(rs.getString(2)).isEqualTo(schema);
                }
                try (ResultSet rs = st.executeQuery("select count(*) from flyway_schema_history where version = '1' and success")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("migration V1 applied in " + schema).isEqualTo(1);
                }
            }
        }
        assertThat(dataDir.resolve("postgres")).as("no embedded cluster").doesNotExist();
        assertThat(dataDir.resolve("runtime")).as("no PostgreSQL binaries unpacked").doesNotExist();
    }

    private static Connection connect() throws Exception {
        return user.isBlank() ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, password);
    }

    private static int portOf(String jdbcUrl) {
        Matcher m = Pattern.compile("^jdbc:postgresql://[^/:]+:(\\d+)").matcher(jdbcUrl);
        return m.find() ? Integer.parseInt(m.group(1)) : 5432;
    }

    private static String health(VendstreamApp app) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/health"))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}

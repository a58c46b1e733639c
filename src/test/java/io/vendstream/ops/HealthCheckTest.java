package io.vendstream.ops;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import io.vendstream.runtime.ManagedPostgres;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /observe/health follows the database: DOWN (503) while it is gone, UP again when it is back. */
class HealthCheckTest {

    @Test
    void should_report_down_with_503_while_postgresql_is_stopped_and_up_again_when_it_is_back() {
        Namespace ns = TestInfrastructure.get().namespace("health");
        // a PostgreSQL of its own, so stopping it disturbs no other test
        try (ManagedPostgres postgres = new ManagedPostgres(Path.of("target", "health-postgres").toAbsolutePath(),
                TestInfrastructure.freePort(), TestInfrastructure.USER, TestInfrastructure.PASSWORD).start()) {
            Properties props = ns.appProperties();
            props.setProperty("vendstream.db.url", postgres.jdbcUrl("postgres"));
            try (VendstreamApp app = VendstreamApp.start(props)) {
                String health = app.baseUrl() + "/observe/health";

                // readiness holds DOWN until every polling consumer (the file import) has polled once
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    HttpResponse<String> up = Http.get(health);
                    assertThat(up.statusCode()).isEqualTo(200);
                    assertThat(up.body()).contains("\"status\":\"UP\"")
                            .contains("{\"name\":\"database\",\"status\":\"UP\",\"message\":\"PostgreSQL answered select 1")
                            .contains("{\"name\":\"kafka\",\"status\":\"UP\",\"message\":\"Kafka cluster");
                });

                postgres.close();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    HttpResponse<String> down = Http.get(health);
                    assertThat(down.statusCode()).isEqualTo(503);
                    assertThat(down.body()).contains("\"status\":\"DOWN\"")
                            .contains("{\"name\":\"database\",\"status\":\"DOWN\"")
                            .contains("{\"name\":\"kafka\",\"status\":\"UP\"");
                });
                assertThat(Http.get(health + "/ready").statusCode()).isEqualTo(503);
                // the process itself is fine: liveness stays UP, so nobody restarts it for a database outage
                assertThat(Http.get(health + "/live").statusCode()).isEqualTo(200);

                postgres.start();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    HttpResponse<String> again = Http.get(health);
                    assertThat(again.statusCode()).isEqualTo(200);
                    assertThat(again.body()).contains("{\"name\":\"database\",\"status\":\"UP\"");
                });
            }
        }
    }
}

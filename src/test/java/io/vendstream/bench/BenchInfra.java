package io.vendstream.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import io.vendstream.runtime.Infrastructure;
import io.vendstream.support.TestInfrastructure;
import org.flywaydb.core.Flyway;

/**
 * The broker and database the benchmark runs against: the shared test infrastructure (one
 * embedded KRaft broker and one PostgreSQL server, started on free ports), or external ones when
 * {@code bench.kafka.bootstrap-servers} and {@code bench.db.url} are set.
 */
record BenchInfra(String bootstrapServers, String jdbcUrl, String user, String password, String description) {

    static BenchInfra fromSystemProperties() {
        String bootstrap = System.getProperty("bench.kafka.bootstrap-servers", "");
        String url = System.getProperty("bench.db.url", "");
        if (!bootstrap.isBlank() && !url.isBlank()) {
            return new BenchInfra(bootstrap, url, System.getProperty("bench.db.user", "vendstream"),
                    System.getProperty("bench.db.password", "vendstream"), "external Kafka and PostgreSQL");
        }
        TestInfrastructure infra = TestInfrastructure.get();
        return new BenchInfra(infra.bootstrapServers(), infra.jdbcUrl(), TestInfrastructure.USER,
                TestInfrastructure.PASSWORD, "embedded KRaft broker (benchmark JVM) and managed PostgreSQL 17");
    }

    /** JDBC URL whose connections work in {@code schema}. */
    String jdbcUrl(String schema) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    Connection connect(String schema) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(schema), user, password);
    }

    /** Creates the topics (3 partitions, as the product does). */
    void createTopics(String... topics) {
        Infrastructure.ensureTopics(bootstrapServers, List.of(topics), 3, (short) 1, Duration.ofSeconds(30));
    }

    /** Runs the product's own migrations into a fresh schema. */
    void migrate(String schema) {
        Flyway.configure()
                .dataSource(jdbcUrl, user, password)
                .schemas(schema)
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}

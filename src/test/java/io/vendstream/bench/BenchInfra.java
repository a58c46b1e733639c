package io.vendstream.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vendstream.runtime.Infrastructure;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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

    /** The one number a query over the schema's tables answers. */
    long queryLong(String schema, String sql) throws SQLException {
        try (Connection c = connect(schema)) {
            return queryLong(c, sql);
        }
    }

    /** The one number a query answers, on a connection the caller holds. */
    static long queryLong(Connection c, String sql) throws SQLException {
        try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Events the application has stored in the schema so far (its fences' counters). */
    long stored(String schema) throws SQLException {
        return queryLong(schema, "select coalesce(sum(stored), 0) from ingest_partitions");
    }

    /** Creates the topics (3 partitions, as the product does). */
    void createTopics(String... topics) {
        Infrastructure.ensureTopics(bootstrapServers, List.of(topics), 3, (short) 1, Duration.ofSeconds(30));
    }

    /**
     * Starts the packaged application in external mode against this broker and database, simulator
     * off, with the benchmark's extra JVM options after the product's own; its output goes to
     * {@code target/bench/app-<name>.log}.
     */
    PackagedApp startApp(String name, String schema, String topic, String group, boolean api, List<String> jvmOptions) {
        return startApp(name, schema, topic, group, api, jvmOptions, Map.of());
    }

    /** As {@link #startApp(String, String, String, String, boolean, List)}, with more settings ({@code VENDSTREAM_*}). */
    PackagedApp startApp(String name, String schema, String topic, String group, boolean api, List<String> jvmOptions,
                         Map<String, String> settings) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("VENDSTREAM_KAFKA_TOPIC", topic);
        env.put("VENDSTREAM_KAFKA_DLQ_TOPIC", topic + ".dlq");
        env.put("VENDSTREAM_KAFKA_CONSUMER_GROUP", group);
        env.put("VENDSTREAM_DB_URL", jdbcUrl);
        env.put("VENDSTREAM_DB_USER", user);
        env.put("VENDSTREAM_DB_PASSWORD", password);
        env.put("VENDSTREAM_DB_SCHEMA", schema);
        env.put("VENDSTREAM_DATA_DIR", PackagedApp.PROJECT.resolve("target/bench/data-" + name).toString());
        env.put("VENDSTREAM_API_ENABLED", String.valueOf(api));
        env.putAll(settings);
        return startBenchApp(name, env, jvmOptions);
    }

    /**
     * Starts the packaged application in embedded mode, as {@code java -jar} with no configuration
     * runs it: its own Kafka broker inside its JVM (on {@code kafkaPort}) and its own PostgreSQL
     * server, with its data in {@code dataDir}; simulator off.
     */
    static PackagedApp startEmbeddedApp(String name, Path dataDir, int kafkaPort, List<String> jvmOptions) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VENDSTREAM_DATA_DIR", dataDir.toString());
        env.put("VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort));
        env.put("VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestInfrastructure.freePort()));
        env.put("VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()));
        env.put("VENDSTREAM_API_ENABLED", "true");
        return startBenchApp(name, env, jvmOptions);
    }

    private static PackagedApp startBenchApp(String name, Map<String, String> env, List<String> jvmOptions) {
        env.put("VENDSTREAM_SIMULATOR_ENABLED", "false");
        // loopback only: the benchmark's clients are on this machine
        env.put("CAMEL_SERVER_HOST", "127.0.0.1");
        return PackagedApp.start(name, env, jvmOptions, PackagedApp.PROJECT.resolve("target/bench/app-" + name + ".log"));
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

    /** A plain consumer of a baseline: from the earliest offset, no auto-commit, polls of at most {@code maxPollRecords}. */
    KafkaConsumer<byte[], byte[]> consumer(String group, int maxPollRecords) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Commits the offsets past a poll, every partition of it in one synchronous request. */
    static void commitPast(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            var polled = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(polled.get(polled.size() - 1).offset() + 1));
        }
        consumer.commitSync(offsets);
    }
}

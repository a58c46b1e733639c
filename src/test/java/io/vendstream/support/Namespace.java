package io.vendstream.support;

import java.nio.file.Path;
import java.util.Properties;

import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What one test owns on the shared infrastructure: its topics, its consumer group and its
 * database schema, all derived from one id, and the application properties that point there.
 */
public record Namespace(String id, TestInfrastructure infrastructure) {

    public String topic() {
        return id + ".events";
    }

    public String dlqTopic() {
        return id + ".events.dlq";
    }

    public String group() {
        return id + "-ingest";
    }

    public String paymentsTopic() {
        return id + ".payments";
    }

    public String paymentsDlqTopic() {
        return id + ".payments.dlq";
    }

    public String paymentsGroup() {
        return id + "-payments";
    }

    public String schema() {
        return id;
    }

    /** JDBC URL whose connections work in this namespace's schema. */
    public String jdbcUrl() {
        return infrastructure.jdbcUrl() + "?currentSchema=" + schema();
    }

    /**
     * This namespace's schema, migrated by the product's Flyway scripts, for tests that drive the
     * ingest beans directly, without an application around them.
     */
    public PGSimpleDataSource migratedDataSource() {
        Flyway.configure().dataSource(infrastructure.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD)
                .schemas(schema()).createSchemas(true).locations("classpath:db/migration").load().migrate();
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setUrl(jdbcUrl());
        db.setUser(TestInfrastructure.USER);
        db.setPassword(TestInfrastructure.PASSWORD);
        return db;
    }

    /**
     * Properties for an application instance in this namespace: external mode against the shared
     * broker and database, free HTTP and MQTT ports, and all roles on except the simulator; a test that
     * switches it on gets a steady load (normal mode, events-per-second) without history, so that
     * what it counts does not depend on the campus hour.
     */
    public Properties appProperties() {
        Properties p = new Properties();
        p.setProperty("vendstream.kafka.bootstrap-servers", infrastructure.bootstrapServers());
        p.setProperty("vendstream.kafka.topic", topic());
        p.setProperty("vendstream.kafka.dlq-topic", dlqTopic());
        p.setProperty("vendstream.kafka.consumer-group", group());
        p.setProperty("vendstream.payments.topic", paymentsTopic());
        p.setProperty("vendstream.payments.dlq-topic", paymentsDlqTopic());
        p.setProperty("vendstream.payments.consumer-group", paymentsGroup());
        p.setProperty("vendstream.db.url", infrastructure.jdbcUrl());
        p.setProperty("vendstream.db.user", TestInfrastructure.USER);
        p.setProperty("vendstream.db.password", TestInfrastructure.PASSWORD);
        p.setProperty("vendstream.db.schema", schema());
        p.setProperty("vendstream.data-dir", Path.of("target", "test-data", id).toAbsolutePath().toString());
        p.setProperty("vendstream.simulator.enabled", "false");
        p.setProperty("vendstream.simulator.mode", "normal");
        p.setProperty("vendstream.simulator.backfill-days", "0");
        int port = TestInfrastructure.freePort();
        p.setProperty("camel.server.port", String.valueOf(port));
        p.setProperty("camel.management.port", String.valueOf(port));
        // the machines' MQTT endpoint on a free port of its own (vendstream.mqtt.port in the test's properties)
        p.setProperty("vendstream.mqtt.port", String.valueOf(TestInfrastructure.freePort()));
        return p;
    }
}

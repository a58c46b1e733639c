package io.vendstream.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.vendstream.runtime.EmbeddedKafka;
import io.vendstream.runtime.Infrastructure;
import io.vendstream.runtime.ManagedPostgres;

/**
 * One real Kafka broker (KRaft, in this JVM) and one real PostgreSQL server for the whole test
 * run, started on first use on free ports and stopped when the JVM exits. Tests isolate
 * themselves with a {@link Namespace}: their own topics, consumer group and database schema.
 */
public final class TestInfrastructure {

    public static final String USER = "vendstream";
    public static final String PASSWORD = "vendstream";

    private static TestInfrastructure instance;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path directory;
    private final EmbeddedKafka kafka;
    private final ManagedPostgres postgres;

    public static synchronized TestInfrastructure get() {
        if (instance == null) {
            instance = new TestInfrastructure();
        }
        return instance;
    }

    private TestInfrastructure() {
        directory = Path.of("target", "test-infrastructure").toAbsolutePath();
        deleteRecursively(directory.resolve("kafka"));
        deleteRecursively(directory.resolve("postgres"));
        kafka = new EmbeddedKafka(directory, freePort(), freePort()).start();
        postgres = new ManagedPostgres(directory, freePort(), USER, PASSWORD).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            postgres.close();
        }, "test-infrastructure-stop"));
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** JDBC URL of the shared test database (each test works in its own schema). */
    public String jdbcUrl() {
        return postgres.jdbcUrl("postgres");
    }

    public ManagedPostgres postgres() {
        return postgres;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** A fresh namespace (topics with their partitions created, group, schema) named after the test. */
    public Namespace namespace(String testName) {
        String id = testName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_") + "_" + SEQUENCE.incrementAndGet();
        Namespace ns = new Namespace(id, this);
        Infrastructure.ensureTopics(bootstrapServers(), List.of(ns.topic(), ns.dlqTopic()), 3, (short) 1,
                java.time.Duration.ofSeconds(30));
        return ns;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.vendstream.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.vendstream.config.Failures;
import io.vendstream.config.Settings;
import io.vendstream.config.StartupException;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings up what the routes need before Camel configures them, and takes it down after the
 * routes have stopped: PostgreSQL (embedded unless {@code vendstream.db.url} is set), the
 * connection pool and schema migrations, Kafka (embedded unless
 * {@code vendstream.kafka.bootstrap-servers} is set) and the topics.
 *
 * <p>The effective Kafka address is published as the property {@code vendstream.kafka.brokers},
 * which the Kafka component's configuration refers to; the pool is bound as {@code dataSource}.
 */
public final class Infrastructure extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Infrastructure.class);

    private ManagedPostgres postgres;
    private PostgresSupervisor supervisor;
    private EmbeddedKafka kafka;
    private HikariDataSource dataSource;
    private String kafkaBootstrap;
    private String kafkaDescription;
    private String databaseDescription;
    private Path dataDir;
    private DataDirectoryLock dataDirLock;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        Settings s = new Settings(main.getCamelContext());
        dataDir = Path.of(s.text("vendstream.data-dir")).toAbsolutePath().normalize();
        // first of all, so a second start on a running instance's directory touches nothing
        if (runsEmbeddedServers(s)) {
            dataDirLock = DataDirectoryLock.acquire(dataDir);
        }
        try {
            requireFreeHttpPort(s);
            requireFreeMqttPort(s);
            startDatabase(s);
            startKafka(s);
        } catch (RuntimeException e) {
            afterStop(main);
            throw e;
        }
        main.getCamelContext().getRegistry().bind("dataSource", dataSource);
        if (supervisor != null) {
            main.getCamelContext().getRegistry().bind("postgresSupervisor", supervisor);
        }
        main.getCamelContext().getPropertiesComponent().addOverrideProperty("vendstream.kafka.brokers", kafkaBootstrap);
    }

    /**
     * Whether this instance runs PostgreSQL or Kafka in its data directory. Only then does it lock
     * the directory: in external mode the servers guard their own data, and instances may share
     * the directory's import folder (the file route's read lock keeps them off each other's files).
     */
    private static boolean runsEmbeddedServers(Settings s) {
        return s.text("vendstream.db.url").isBlank() || s.text("vendstream.kafka.bootstrap-servers").isBlank();
    }

    /**
     * Checked before anything starts: otherwise a busy HTTP port is only discovered after
     * PostgreSQL and Kafka are up, and reported by the HTTP server as a stack trace.
     */
    private static void requireFreeHttpPort(Settings s) {
        if (!s.flag("camel.server.enabled")) {
            return;
        }
        int port = s.integer("camel.server.port");
        String host = s.text("camel.server.host");
        if (port <= 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new StartupException("Port " + port + " on " + host + " is already in use, so the dashboard and API "
                    + "cannot listen there. Set vendstream.http.port (env VENDSTREAM_HTTP_PORT) to a free port.");
        }
    }

    /** The machines' MQTT endpoint (embedded mode): a broker already on its port is the usual cause. */
    private static void requireFreeMqttPort(Settings s) {
        if (!s.flag("vendstream.mqtt.enabled") || !"embedded".equals(s.text("vendstream.mqtt.mode"))) {
            return;
        }
        int port = s.integer("vendstream.mqtt.port");
        if (port <= 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(s.text("vendstream.mqtt.host"), port));
        } catch (IOException e) {
            throw new StartupException("Port " + port + " is already in use, so machines cannot connect over MQTT there: "
                    + "is another MQTT broker (a Mosquitto service?) running? Set vendstream.mqtt.port (env VENDSTREAM_MQTT_PORT) "
                    + "to a free port, or use that broker: vendstream.mqtt.mode=external (docs/connect.md).");
        }
    }

    private void startDatabase(Settings s) {
        String url = s.text("vendstream.db.url");
        String user = s.text("vendstream.db.user");
        String password = s.text("vendstream.db.password");
        String schema = s.text("vendstream.db.schema");
        if (url.isBlank()) {
            int port = s.integer("vendstream.db.embedded.port");
            postgres = new ManagedPostgres(dataDirLock, port, user, password).start();
            supervisor = PostgresSupervisor.watch(postgres, new PostgresSupervisor.Policy(
                    Duration.ofMillis(s.integer("vendstream.db.embedded.supervise-interval-millis")),
                    s.integer("vendstream.db.embedded.restart.max-attempts"),
                    Duration.ofMillis(s.integer("vendstream.db.embedded.restart.initial-delay-millis")),
                    Duration.ofMillis(s.integer("vendstream.db.embedded.restart.max-delay-millis"))));
            url = postgres.jdbcUrl("postgres");
            databaseDescription = "embedded PostgreSQL 17 on 127.0.0.1:" + port + " (data in " + postgres.clusterDirectory() + ")";
        } else {
            databaseDescription = "external PostgreSQL at " + redact(url);
        }
        dataSource = pool(url, user, password, schema, s.integer("vendstream.db.pool-size"),
                Duration.ofSeconds(s.integer("vendstream.db.wait-at-startup-seconds")));
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    static HikariDataSource pool(String url, String user, String password, String schema, int size, Duration wait) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("vendstream-db");
        config.setJdbcUrl(url);
        if (!user.isBlank() && !url.contains("user=")) {
            config.setUsername(user);
            config.setPassword(password);
        }
        config.setSchema(schema);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(2, size));
        // fail fast per attempt; the wait below decides how long start-up keeps trying
        config.setConnectionTimeout(5_000);
        config.setValidationTimeout(3_000);
        config.setInitializationFailTimeout(wait.toMillis());
        // ingest batches are large; let the driver rewrite batched inserts into multi-row statements
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "vendstream");
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StartupException("PostgreSQL at " + redact(url) + " is unreachable or refused the login ("
                    + Failures.rootMessage(e) + "). Check vendstream.db.url, vendstream.db.user and vendstream.db.password "
                    + "(env VENDSTREAM_DB_URL, VENDSTREAM_DB_USER, VENDSTREAM_DB_PASSWORD).", e);
        }
    }

    private void startKafka(Settings s) {
        String bootstrap = s.text("vendstream.kafka.bootstrap-servers");
        if (bootstrap.isBlank()) {
            int port = s.integer("vendstream.kafka.embedded.port");
            int controllerPort = s.integer("vendstream.kafka.embedded.controller-port");
            kafka = new EmbeddedKafka(dataDir, port, controllerPort).start();
            bootstrap = kafka.bootstrapServers();
            kafkaDescription = "embedded Kafka 3.9 (KRaft) on " + bootstrap + " (data in " + kafka.logDirectory() + ")";
        } else {
            kafkaDescription = "external Kafka at " + bootstrap;
        }
        kafkaBootstrap = bootstrap;
        int partitions = s.integer("vendstream.kafka.partitions");
        short replication = (short) s.integer("vendstream.kafka.replication-factor");
        ensureTopics(bootstrap, List.of(s.text("vendstream.kafka.topic"),
                        s.text("vendstream.kafka.dlq-topic"), s.text("vendstream.alerts.topic"),
                        s.text("vendstream.payments.topic"), s.text("vendstream.payments.dlq-topic")), partitions, replication,
                Duration.ofSeconds(s.integer("vendstream.kafka.wait-at-startup-seconds")));
    }

    /** Creates the topics that are missing; waits for the broker up to {@code wait}. */
    public static void ensureTopics(String bootstrap, List<String> topics, int partitions, short replication, Duration wait) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "vendstream-admin");
        // one attempt never outlasts the whole wait, so a short wait gives a quick, clear error
        long attemptMillis = Math.max(1_000, Math.min(15_000, wait.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(10_000, attemptMillis)));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(attemptMillis));
        long deadline = System.nanoTime() + wait.toNanos();
        boolean warned = false;
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    Set<String> existing = admin.listTopics().names().get(attemptMillis + 1_000, TimeUnit.MILLISECONDS);
                    List<NewTopic> missing = new ArrayList<>();
                    for (String topic : topics) {
                        if (!existing.contains(topic)) {
                            missing.add(new NewTopic(topic, partitions, replication).configs(Map.of(
                                    // large enough for an oversize event to reach the dead letter intact
                                    "max.message.bytes", String.valueOf(16 * 1024 * 1024))));
                        }
                    }
                    if (!missing.isEmpty()) {
                        createIgnoringRace(admin, missing);
                        LOG.info("Created topics {} ({} partitions, replication factor {})",
                                missing.stream().map(NewTopic::name).toList(), partitions, replication);
                    }
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new StartupException("Kafka at " + bootstrap + " is unreachable (" + Failures.rootMessage(e)
                                + "). Check vendstream.kafka.bootstrap-servers (env VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS).", e);
                    }
                    if (!warned) {
                        LOG.warn("Kafka at {} is not reachable yet ({}); retrying for up to {} s", bootstrap,
                                Failures.rootMessage(e), wait.toSeconds());
                        warned = true;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("Interrupted while connecting to Kafka at " + bootstrap, e);
        }
    }

    private static void createIgnoringRace(Admin admin, List<NewTopic> missing)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // another instance created it between our list and create: fine
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        Settings s = new Settings(main.getCamelContext());
        int port = s.integer("camel.server.port");
        // the address the server really bound (HttpAccess keeps it on 127.0.0.1 without users)
        MainHttpServer server = main.getCamelContext().hasService(MainHttpServer.class);
        String host = server != null ? server.getConfiguration().getBindHost() : s.text("camel.server.host");
        String shown = "0.0.0.0".equals(host) ? "localhost" : host;
        if (dataDirLock != null) {
            dataDirLock.describeOwner(s.flag("camel.server.enabled")
                    ? Optional.of("http://" + shown + ":" + port + "/") : Optional.empty());
        }
        String line = "-".repeat(72);
        LOG.info("\n{}\n  vendstream is running\n  dashboard   http://{}:{}/\n  API         http://{}:{}/api/summary\n"
                        + "  health      http://{}:{}/observe/health\n  Kafka       {}\n  PostgreSQL  {}\n"
                        + "  data        {}\n  roles       simulator={} ingest={} api={} alerts={} mqtt={}\n  access      {}\n"
                        + "  machines    {}\n{}{}",
                line, shown, port, shown, port, shown, port, kafkaDescription, databaseDescription, dataDir,
                s.flag("vendstream.simulator.enabled"), s.flag("vendstream.ingest.enabled"),
                s.flag("vendstream.api.enabled"), s.flag("vendstream.alerts.enabled"), s.flag("vendstream.mqtt.enabled"),
                s.optional("vendstream.http.access").orElse("HTTP server off"),
                s.optional("vendstream.mqtt.access").orElse(s.flag("vendstream.mqtt.enabled") ? "MQTT: " + s.text("vendstream.mqtt.mode") + " broker " + s.text("vendstream.mqtt.broker-url") : "MQTT off")
                        + "; HTTP: POST " + s.text("vendstream.devices.http.events-path"),
                io.vendstream.http.HttpAccess.secretsInClear(s)
                        ? "  WARNING     no TLS: passwords and machine secrets cross the network in clear (docs/connect.md#tls)\n" : "",
                line);
    }

    /** Stops in reverse order of start: the broker, then the pool, then PostgreSQL. */
    @Override
    public void afterStop(BaseMainSupport main) {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (dataSource != null) {
            dataSource.close();
            dataSource = null;
        }
        if (supervisor != null) {
            supervisor.close(); // a server stopped on purpose is not restarted
            supervisor = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
        if (dataDirLock != null) {
            dataDirLock.close(); // last: the directory is ours until PostgreSQL has stopped
            dataDirLock = null;
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}

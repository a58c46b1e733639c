package io.vendstream.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import io.vendstream.config.Failures;
import io.vendstream.config.StartupException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Features;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka 3.9 broker in KRaft mode (combined broker and controller) running
 * inside this JVM, with its log in {@code <dataDir>/kafka} so events survive a restart. The
 * storage is formatted only when it has never been (no {@code meta.properties}).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    public EmbeddedKafka(Path dataDir, int port, int controllerPort) {
        this.logDir = dataDir.toAbsolutePath().normalize().resolve("kafka");
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path logDirectory() {
        return logDir;
    }

    public synchronized EmbeddedKafka start() {
        requireFree(port, "vendstream.kafka.embedded.port (env VENDSTREAM_KAFKA_EMBEDDED_PORT)");
        requireFree(controllerPort, "vendstream.kafka.embedded.controller-port (env VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT)");
        try {
            Files.createDirectories(logDir);
            KafkaConfig config = KafkaConfig.fromProps(brokerProperties(), false);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                LOG.info("Formatting new Kafka storage in {}", logDir);
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(1)
                        .setClusterId(Uuid.randomUuid().toString())
                        .setDirectories(List.of(logDir.toString()))
                        .setMetadataLogDirectory(logDir.toString())
                        .setControllerListenerName("CONTROLLER")
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setSupportedFeatures(Features.PRODUCTION_FEATURES)
                        .setUnstableFeatureVersionsEnabled(false)
                        .run();
            }
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return this;
        } catch (StartupException e) {
            throw e;
        } catch (Exception e) {
            throw new StartupException("Embedded Kafka could not start in " + logDir + ": " + rootMessage(e)
                    + ". If the directory was written by another Kafka version, move it aside or set vendstream.data-dir; "
                    + "or set vendstream.kafka.bootstrap-servers to use your own broker.", e);
        }
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        // a single node: internal topics cannot have more replicas than brokers
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        // the first consumer joining the group should not wait 3 s for others
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // topics are created on purpose, with their partition counts, by the application
        p.setProperty("auto.create.topics.enable", "false");
        // oversize events must reach the validator (which dead-letters them), not bounce off the broker
        p.setProperty("message.max.bytes", String.valueOf(16 * 1024 * 1024));
        p.setProperty("replica.fetch.max.bytes", String.valueOf(16 * 1024 * 1024));
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "4");
        p.setProperty("log.retention.hours", "168");
        p.setProperty("log.segment.bytes", String.valueOf(256 * 1024 * 1024));
        // the log cleaner only compacts the small internal offsets topic here; its default 128 MiB
        // de-duplication buffer would sit on the application's heap for nothing
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        // one broker has no one to hand partition leadership to: skip the controlled shutdown
        // handshake, which otherwise dominates the application's stop time
        p.setProperty("controlled.shutdown.enable", "false");
        return p;
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
            LOG.info("Embedded Kafka stopped");
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka did not stop cleanly: {}", e.getMessage());
        } finally {
            server = null;
        }
    }

    static void requireFree(int port, String setting) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new StartupException("Port " + port + " on 127.0.0.1 is already in use, so the embedded Kafka broker "
                    + "cannot listen there. Set " + setting + " to a free port, or set vendstream.kafka.bootstrap-servers "
                    + "to use a broker you already run.");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = Failures.rootCause(e);
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}

package io.vendstream.drills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vendstream.runtime.Infrastructure;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One drill's world: its own topics, consumer group and database schema on a given broker and
 * PostgreSQL server (the shared test infrastructure unless the drill brings its own), the
 * environment that points application processes there, and the exact reconciliation at the end.
 */
final class DrillRig {

    /** Each instance's output and the summary of every drill's figures. */
    static final Path LOG_DIR = PackagedApp.PROJECT.resolve("target/drills");
    // the vending events' ingest group only: each instance also runs ingest-payment-events in a group of its own
    private static final Pattern JOINED = Pattern.compile(
            "groupId=[^\\]]*-ingest\\] Successfully joined group with generation Generation\\{generationId=(\\d+)");

    private final String id;
    private final String bootstrap;
    private final String jdbcUrl;

    private DrillRig(String id, String bootstrap, String jdbcUrl) {
        this.id = id;
        this.bootstrap = bootstrap;
        this.jdbcUrl = jdbcUrl;
        Infrastructure.ensureTopics(bootstrap, List.of(topic(), dlqTopic()), 3, (short) 1, Duration.ofSeconds(60));
    }

    /** On the shared test broker and database. */
    static DrillRig onSharedInfrastructure(String name) {
        TestInfrastructure infra = TestInfrastructure.get();
        return new DrillRig(name + "_" + System.nanoTime() % 100_000, infra.bootstrapServers(), infra.jdbcUrl());
    }

    /** On a broker and/or database of the drill's own (so that faults there disturb no one else). */
    static DrillRig on(String name, String bootstrap, String jdbcUrl) {
        return new DrillRig(name + "_" + System.nanoTime() % 100_000, bootstrap, jdbcUrl);
    }

    String topic() {
        return id + ".events";
    }

    String dlqTopic() {
        return id + ".events.dlq";
    }

    String group() {
        return id + "-ingest";
    }

    /** The payment events' topic and group of the drill's own (no payments are published: an idle second ingest route). */
    String paymentsTopic() {
        return id + ".payments";
    }

    String schema() {
        return id;
    }

    String bootstrap() {
        return bootstrap;
    }

    /**
     * Environment for one ingest instance: external mode (nothing embedded), simulator off, its own
     * free HTTP port. Every setting travels as an environment variable, as in a container.
     */
    Map<String, String> env(String instance) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("VENDSTREAM_DB_URL", jdbcUrl);
        env.put("VENDSTREAM_DB_USER", TestInfrastructure.USER);
        env.put("VENDSTREAM_DB_PASSWORD", TestInfrastructure.PASSWORD);
        env.put("VENDSTREAM_DB_SCHEMA", schema());
        env.put("VENDSTREAM_KAFKA_TOPIC", topic());
        env.put("VENDSTREAM_KAFKA_DLQ_TOPIC", dlqTopic());
        env.put("VENDSTREAM_KAFKA_CONSUMER_GROUP", group());
        env.put("VENDSTREAM_PAYMENTS_TOPIC", paymentsTopic());
        env.put("VENDSTREAM_PAYMENTS_DLQ_TOPIC", paymentsTopic() + ".dlq");
        env.put("VENDSTREAM_PAYMENTS_CONSUMER_GROUP", id + "-payments");
        env.put("VENDSTREAM_SIMULATOR_ENABLED", "false");
        env.put("VENDSTREAM_API_ENABLED", "false");
        env.put("VENDSTREAM_DATA_DIR", LOG_DIR.resolve("data").resolve(id + "-" + instance).toString());
        // retries of a failed batch back off to at most 2 s, so recovery is observed quickly
        env.put("VENDSTREAM_INGEST_RETRY_MAX_DELAY_MILLIS", "2000");
        return env;
    }

    /**
     * Starts one instance of the packaged application and waits for its banner. Its output goes to
     * {@code target/drills/<drill>-<instance>.log}. The drills run it with the serial collector and
     * the product's logging plus the Kafka consumer coordinator at INFO, which logs every group
     * (re)join (see {@link #generations}).
     */
    PackagedApp start(String instance) {
        return start(instance, env(instance));
    }

    /** The same with an environment of the drill's own (say, {@link #env} with the database embedded). */
    PackagedApp start(String instance, Map<String, String> env) {
        String name = id + "-" + instance;
        return PackagedApp.start(name, env, List.of("-XX:+UseSerialGC",
                        "-Dlog4j2.configurationFile=classpath:log4j2.properties," + overrideLogConfig()),
                LOG_DIR.resolve(name + ".log")).awaitBanner(START_TIMEOUT);
    }

    /** On a heavily shared two-core machine an application start alone can take minutes. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(6);

    private static String overrideLogConfig() {
        Path config = PackagedApp.PROJECT.resolve("target/test-classes/drills/log4j2-drill.properties");
        if (!Files.exists(config)) {
            throw new IllegalStateException(config + " is missing");
        }
        return config.toString();
    }

    /** The group generations an instance's consumer joined, in order, from the coordinator's log lines. */
    static List<Integer> generations(PackagedApp app) {
        List<Integer> generations = new ArrayList<>();
        Matcher m = JOINED.matcher(app.output());
        while (m.find()) {
            generations.add(Integer.parseInt(m.group(1)));
        }
        return generations;
    }

    /** How many times an instance's consumer (re)joined its group. */
    static int groupJoins(PackagedApp app) {
        return generations(app).size();
    }

    Kafka producer() {
        return new Kafka(bootstrap);
    }

    /** A producer for a broker that was restarted in this JVM (see {@link Kafka#Kafka(String, boolean)}). */
    Kafka producerAfterBrokerRestart() {
        return new Kafka(bootstrap, false);
    }

    void publish(Kafka kafka, List<EventPlan.Item> items) {
        for (EventPlan.Item item : items) {
            kafka.sendAsync(topic(), item.key(), item.value());
        }
        kafka.flush();
    }

    Ledger ledger() {
        return new Ledger(jdbcUrl + "?currentSchema=" + schema(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
    }

    /** Waits (bounded) until every published record has been consumed, as the ledger counts it. */
    void awaitConsumed(long records, Duration atMost) {
        Ledger ledger = ledger();
        await("all " + records + " records consumed").atMost(atMost).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> ledger.consumed() >= records);
    }

    /**
     * The drill's verdict: every counter exact, every valid eventId stored exactly once, and the
     * rollups, machines and stock equal to a recomputation from the stored rows.
     */
    void assertExact(EventPlan plan) {
        Ledger ledger = ledger();
        Ledger.Counters c = ledger.counters();
        assertThat(c.consumed()).as("consumed = records published").isEqualTo(plan.records());
        assertThat(c.stored()).as("stored = distinct valid eventIds published").isEqualTo(plan.valid());
        assertThat(c.duplicates()).as("duplicates counted exactly").isEqualTo(plan.duplicates());
        assertThat(c.rejected()).as("rejections counted exactly").isEqualTo(plan.rejected());
        assertThat(ledger.queryLong("select count(*) from sales")).as("stored sales").isEqualTo(plan.sales());
        assertThat(ledger.queryLong("select count(*) from restocks")).as("stored restocks").isEqualTo(plan.restocks());
        assertThat(storedIds(ledger)).as("stored eventIds = the valid eventIds published").isEqualTo(plan.validIds());
        plan.rejectedByReason().forEach((reason, n) -> assertThat(
                ledger.queryLong("select coalesce(sum(count), 0) from rejected_counts where reason = ?", reason))
                .as("rejections with reason %s", reason).isEqualTo(n.longValue()));
        ledger.assertReconciles();
        ledger.assertStockFollowsLatestEvents();
    }

    private static Set<String> storedIds(Ledger ledger) {
        Set<String> ids = new HashSet<>();
        try (Connection c = ledger.connect(); PreparedStatement st = c.prepareStatement(
                "select event_id::text from sales union all select event_id::text from restocks");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /** One line of figures per drill in target/drills/summary.txt (and on the console). */
    static void report(String drill, String figures) {
        String line = Instant.now() + " " + drill + ": " + figures;
        System.out.println("[drill] " + line);
        try {
            Files.createDirectories(LOG_DIR);
            Files.writeString(LOG_DIR.resolve("summary.txt"), line + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000", AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000"));
    }

    /** The group's members and the partitions each holds now. */
    Map<String, Set<TopicPartition>> assignments() throws Exception {
        try (Admin admin = admin()) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(group())).all()
                    .get(20, TimeUnit.SECONDS).get(group());
            Map<String, Set<TopicPartition>> members = new LinkedHashMap<>();
            for (MemberDescription m : group.members()) {
                members.put(m.consumerId(), m.assignment().topicPartitions());
            }
            return members;
        }
    }

    /** Number of records in a topic (sum of end offsets; nothing is compacted or deleted here). */
    long recordsIn(String topic) {
        return Kafka.recordsIn(bootstrap, topic);
    }
}

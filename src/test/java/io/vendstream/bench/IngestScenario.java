package io.vendstream.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.vendstream.support.Kafka;
import io.vendstream.support.PackagedApp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import static org.awaitility.Awaitility.await;

/**
 * Ingest throughput: N events (with duplicates and invalid ones) are published to a fresh topic
 * once; then each round drains that topic three times, each from its own consumer group into its
 * own fresh schema: the packaged application, the best hand-written equivalent
 * ({@link HandWrittenBaseline}, same Flyway schema, same stored result) and the minimal pipeline
 * ({@link MinimalPipeline}, sales only, no validation). All are timed the same way, from the start
 * of their first database transaction to the start of their last ({@code min/max(ingested_at)},
 * which PostgreSQL sets to the transaction start), so JVM start-up, Flyway and the consumer-group
 * join are left out; wall-clock times including start-up are reported beside them. The report
 * gives every round and the median over the rounds of each rate and of each ratio.
 */
final class IngestScenario {

    /** One round: its figures, the fingerprints for the correctness checks, and the minimal pipeline's counts. */
    record Round(int number, Map<String, Object> figures, Map<String, String> app, Map<String, String> handWritten,
                 StoredSet.Overlap minimalOverlap, long appSales, long handWrittenSales, MinimalPipeline.Result minimal,
                 double appToHandWritten, double appToMinimal) {

        /** The application's rate in this round. */
        double appEventsPerSecond() {
            return ((Number) appFigures().get("eventsPerSecond")).doubleValue();
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> appFigures() {
            return (Map<String, Object>) figures.get("app");
        }
    }

    /** What the scenario measured, plus every round's fingerprints for the correctness checks. */
    record Outcome(Map<String, Object> figures, List<Round> rounds, CampusEvents.Expected expected) {

        /**
         * The application's rate into empty tables (the growth scenario compares with it): the median
         * of its rate over the rounds, the figure the report gives as {@code eventsPerSecond.app}.
         */
        long appEventsPerSecond() {
            return Math.round(median(rounds, Round::appEventsPerSecond));
        }

        /** The median over the rounds of the application's drain time (the span its rate is timed over). */
        double appDrainSeconds() {
            return Percentiles.round(median(rounds, r -> ((Number) r.appFigures().get("drainSeconds")).doubleValue()));
        }

        /**
         * WAL and buffer counters of the application's drain ({@link DrainCounters}), or null. They are
         * taken around the application's drain in every round (each round's figures keep its own); this
         * is the median round's, the round whose application rate is the median ({@link #medianRound()}),
         * so the counters belong to the drain whose rate is reported.
         */
        @SuppressWarnings("unchecked")
        Map<String, Object> appDrainCounters() {
            return (Map<String, Object>) medianRound().appFigures().get("drainCounters");
        }

        /**
         * The round whose application rate is the median over the rounds; for an even count, the
         * slower of the middle two (the reported median rate is then the mean of the middle two).
         */
        Round medianRound() {
            List<Round> byRate = rounds.stream()
                    .sorted(java.util.Comparator.comparingDouble(Round::appEventsPerSecond)).toList();
            return byRate.get((byRate.size() - 1) / 2);
        }
    }

    private final BenchInfra infra;
    private final BenchParameters p;

    IngestScenario(BenchInfra infra, BenchParameters p) {
        this.infra = infra;
        this.p = p;
    }

    Outcome run(String runId) throws Exception {
        String id = "bench_ingest_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");

        Map<String, Object> figures = new LinkedHashMap<>();
        CampusEvents events = new CampusEvents(42, p.duplicateShare(), p.invalidShare());
        double publishSeconds = publish(infra.bootstrapServers(), topic, events, p.events());
        figures.put("expected", events.expected().toMap());
        figures.put("publishSeconds", Percentiles.round(publishSeconds));
        figures.put("publishEventsPerSecond", Math.round(p.events() / publishSeconds));

        List<Round> rounds = new ArrayList<>();
        for (int n = 1; n <= Math.max(1, p.ingestRounds()); n++) {
            rounds.add(round(n, id, topic));
        }
        Map<String, Object> rates = new LinkedHashMap<>();
        for (String who : List.of("app", "handWritten", "minimal")) {
            rates.put(who, Math.round(median(rounds, r -> ((Number) ((Map<?, ?>) r.figures().get(who))
                    .get("eventsPerSecond")).doubleValue())));
        }
        figures.put("rounds", rounds.size());
        figures.put("eventsPerSecond", rates);
        figures.put("appToHandWritten", Percentiles.round(median(rounds, Round::appToHandWritten)));
        figures.put("appToMinimal", Percentiles.round(median(rounds, Round::appToMinimal)));
        figures.put("sameStoredSet", rounds.stream().allMatch(r -> r.app().equals(r.handWritten())));
        figures.put("minimalOverlapSame", rounds.stream().allMatch(r -> r.minimalOverlap().same()));
        figures.put("fingerprint", rounds.get(0).app());
        figures.put("perRound", rounds.stream().map(Round::figures).toList());
        Outcome outcome = new Outcome(figures, rounds, events.expected());
        // whose WAL and buffer counters the growth scenario reports beside the median rate
        figures.put("medianAppRound", outcome.medianRound().number());
        return outcome;
    }

    /** The application, the best hand-written equivalent and the minimal pipeline drain the topic in turn. */
    private Round round(int n, String id, String topic) throws Exception {
        String appSchema = id + "_r" + n;
        String handSchema = appSchema + "_hand";
        String minSchema = appSchema + "_min";
        String group = id + "-r" + n;
        ZoneId zone = ZoneId.of(p.timezone());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("round", n);

        Map<String, Object> app = new LinkedHashMap<>();
        DrainCounters appCounters = DrainCounters.start(infra, appSchema);
        try (PackagedApp process = infra.startApp("ingest-r" + n, appSchema, topic, group + "-app", true, p.appJvmOptions())) {
            await("the application to drain " + p.events() + " records").atMost(p.drainTimeout())
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the application exited during the ingest run");
                        }
                        return consumed(appSchema) >= p.events();
                    });
            app.put("wallSecondsIncludingStartup", Percentiles.round(process.uptimeSeconds()));
            app.put("peakRssMib", Percentiles.round(process.peakRssMib()));
            app.put("sampledMaxRssMib", Percentiles.round(process.sampledMaxRssMib()));
        }
        // the counters cover the application's drain only: the hand-written and minimal drains come after
        app.put("drainCounters", appCounters.stop());
        double appSpan = transactionSpan(appSchema, "select ingested_at t from sales union all select ingested_at from restocks");
        app.put("drainSeconds", Percentiles.round(appSpan));
        app.put("eventsPerSecond", Math.round(p.events() / appSpan));
        try (Connection c = infra.connect(appSchema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select coalesce(sum(consumed), 0), coalesce(sum(stored), 0), "
                     + "coalesce(sum(duplicates), 0), coalesce(sum(rejected), 0) from ingest_partitions")) {
            rs.next();
            app.put("consumed", rs.getLong(1));
            app.put("stored", rs.getLong(2));
            app.put("duplicates", rs.getLong(3));
            app.put("rejected", rs.getLong(4));
        }
        figures.put("app", app);

        infra.migrate(handSchema);
        HandWrittenBaseline.Result hand = new HandWrittenBaseline(infra, handSchema, topic, group + "-hand",
                p.maxPollRecords(), zone).drain(p.events(), p.drainTimeout());
        double handSpan = transactionSpan(handSchema, "select ingested_at t from sales union all select ingested_at from restocks");
        Map<String, Object> hw = new LinkedHashMap<>();
        hw.put("wallSecondsIncludingStartup", Percentiles.round(hand.wallSeconds()));
        hw.put("drainSeconds", Percentiles.round(handSpan));
        hw.put("eventsPerSecond", Math.round(p.events() / handSpan));
        hw.put("consumed", hand.consumed());
        hw.put("stored", hand.stored());
        hw.put("duplicates", hand.duplicates());
        hw.put("rejected", hand.rejected());
        figures.put("handWritten", hw);

        MinimalPipeline minimal = new MinimalPipeline(infra, minSchema, topic, group + "-min", p.maxPollRecords(), zone);
        minimal.createTables();
        MinimalPipeline.Result min = minimal.drain(p.events(), p.drainTimeout());
        double minSpan = transactionSpan(minSchema, "select ingested_at t from " + MinimalPipeline.SALES_TABLE);
        Map<String, Object> mp = new LinkedHashMap<>();
        mp.put("wallSecondsIncludingStartup", Percentiles.round(min.wallSeconds()));
        mp.put("drainSeconds", Percentiles.round(minSpan));
        mp.put("eventsPerSecond", Math.round(p.events() / minSpan));
        mp.put("consumed", min.consumed());
        mp.put("stored", min.stored());
        mp.put("duplicates", min.duplicates());
        mp.put("skippedNotSales", min.restocks());
        mp.put("skippedUnparsed", min.unparsed());
        figures.put("minimal", mp);

        figures.put("appToHandWritten", Percentiles.round(handSpan / appSpan));
        figures.put("appToMinimal", Percentiles.round(minSpan / appSpan));

        Map<String, String> appSet;
        Map<String, String> handSet;
        long appSales;
        long handSales;
        StoredSet.Overlap overlap;
        try (Connection a = infra.connect(appSchema); Connection h = infra.connect(handSchema)) {
            appSet = StoredSet.of(a);
            handSet = StoredSet.of(h);
            appSales = StoredSet.count(a, "sales");
            handSales = StoredSet.count(h, "sales");
            overlap = StoredSet.minimalOverlap(a, appSchema, minSchema, zone);
        }
        figures.put("sameStoredSet", appSet.equals(handSet));
        if (!appSet.equals(handSet)) {
            figures.put("fingerprint", appSet);
            figures.put("handWrittenFingerprint", handSet);
        }
        figures.put("minimalOverlap", overlap.toMap());
        return new Round(n, figures, appSet, handSet, overlap, appSales, handSales, min, handSpan / appSpan, minSpan / appSpan);
    }

    /** The median of one figure over the rounds (the mean of the middle two for an even count). */
    static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> figure) {
        double[] values = rounds.stream().mapToDouble(figure).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /**
     * Publishes every record as fast as the broker takes them (acks=all, idempotent, batched). A
     * record the broker did not acknowledge within the producer's delivery timeout is sent again,
     * by a new producer, up to twice, after a warning that names the failure and what the broker
     * says of the topic's partitions; only records still refused then fail the scenario, and so does
     * a resend that left the topic with more records than were published (a record the broker had
     * stored although its acknowledgement was lost would be there twice).
     */
    static double publish(String bootstrapServers, String topic, CampusEvents events, int count) {
        long before = Kafka.recordsIn(bootstrapServers, topic);
        Instant first = Instant.now().minus(3, ChronoUnit.DAYS);
        long stepNanos = Duration.ofDays(3).minusMinutes(10).toNanos() / Math.max(1, count);
        long started = System.nanoTime();
        List<ProducerRecord<byte[], byte[]>> pending = null;
        Exception failure = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            List<ProducerRecord<byte[], byte[]>> resend = pending;
            Unacknowledged unacknowledged = new Unacknowledged();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.LINGER_MS_CONFIG, "20",
                    ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024)),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                if (resend == null) {
                    for (int i = 0; i < count; i++) {
                        CampusEvents.Draft d = events.next(first.plusNanos(stepNanos * i));
                        unacknowledged.send(producer, new ProducerRecord<>(topic, d.key(), d.value()));
                    }
                } else {
                    resend.forEach(r -> unacknowledged.send(producer, r));
                }
                producer.flush();
            }
            pending = List.copyOf(unacknowledged.records);
            if (pending.isEmpty()) {
                long added = resend == null ? count : Kafka.recordsIn(bootstrapServers, topic) - before;
                if (added != count) {
                    throw new IllegalStateException(count + " records published to " + topic + ", but the topic grew by "
                            + added + " after resending the unacknowledged ones");
                }
                return (System.nanoTime() - started) / 1e9;
            }
            failure = unacknowledged.failure.get();
            System.err.printf("WARN %d records to %s were not acknowledged (attempt %d of 3): %s; partitions: %s%n",
                    pending.size(), topic, attempt, failure, partitions(bootstrapServers, topic));
        }
        throw new IllegalStateException(pending.size() + " records were not published", failure);
    }

    /** The records a producer could not deliver, kept to be sent again, and the last failure. */
    private static final class Unacknowledged {
        final Queue<ProducerRecord<byte[], byte[]>> records = new ConcurrentLinkedQueue<>();
        final AtomicReference<Exception> failure = new AtomicReference<>();

        void send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
            producer.send(record, (md, e) -> {
                if (e != null) {
                    records.add(record);
                    failure.set(e);
                }
            });
        }
    }

    /** Each partition's leader and in-sync replicas as the broker describes them, or why it could not. */
    private static String partitions(String bootstrapServers, String topic) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions().stream()
                    .map(p -> p.partition() + ": leader " + p.leader() + ", isr " + p.isr())
                    .toList().toString();
        } catch (Exception e) {
            return "not described (" + e + ")";
        }
    }

    private long consumed(String schema) throws SQLException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select coalesce(sum(consumed), 0) from ingest_partitions")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Seconds from the start of the first transaction that stored events to the start of the last. */
    private double transactionSpan(String schema, String ingestedAt) throws SQLException {
        try (Connection c = infra.connect(schema); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select extract(epoch from max(t) - min(t)) from (" + ingestedAt + ") x")) {
            rs.next();
            return Math.max(0.001, rs.getDouble(1));
        }
    }
}

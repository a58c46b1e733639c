package io.vendstream.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.vendstream.support.PackagedApp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import static org.awaitility.Awaitility.await;

/**
 * End-to-end latency at a steady rate: sales are published at a fixed pace, each dated with its
 * send time (occurredAt = now), while the application ingests them. Two figures per sale:
 * <ul>
 * <li><b>committed</b> (the target): occurredAt until the sale is visible to a reader. A watcher polls
 * {@code ingest_partitions} every {@value #WATCH_INTERVAL_MS} ms; each batch transaction stamps
 * {@code updated_at = now()} there and {@code ingested_at = now()} on its sales, so the moment a new
 * {@code updated_at} appears is the commit, seen at most one poll late. A sale's committed latency
 * is that moment minus its occurredAt (an upper bound by at most the poll interval).</li>
 * <li><b>transaction start</b>: {@code sales.ingested_at - occurred_at}, from PostgreSQL alone;
 * {@code now()} is the start of the transaction, so this leaves out the store itself.</li>
 * </ul>
 * The warm-up seconds (the application's JIT compiler is still busy on two cores then) are
 * reported on their own and not counted in the figures above.
 */
final class LatencyScenario {

    static final int WATCH_INTERVAL_MS = 2;

    private final BenchInfra infra;
    private final BenchParameters p;
    private final int rate;
    private final int seconds;
    private final int warmupSeconds;
    private final Map<String, String> settings;
    private final Producer producer;

    /**
     * How the sales are sent. {@code BATCHED}: one producer that lets records wait up to 1 ms for
     * each other, as a gateway forwarding many machines would. {@code PLAIN}: one producer on Kafka's
     * defaults ({@code linger.ms} 0). {@code UNBATCHED}: every record its own batch ({@code linger.ms}
     * 0, {@code batch.size} 1), so a produce request carries one record per partition: what the
     * broker and the consumer see from many small, independent producers (devices, gateways).
     */
    enum Producer {
        BATCHED(Map.of(ProducerConfig.LINGER_MS_CONFIG, "1")),
        PLAIN(Map.of()),
        UNBATCHED(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0", ProducerConfig.BATCH_SIZE_CONFIG, "1"));

        final Map<String, Object> config;

        Producer(Map<String, Object> config) {
            this.config = config;
        }
    }

    LatencyScenario(BenchInfra infra, BenchParameters p) {
        this(infra, p, p.latencyRate(), p.latencySeconds(), p.latencyWarmupSeconds(), Map.of(), Producer.BATCHED);
    }

    /**
     * At {@code rate} events per second for {@code seconds} after {@code warmupSeconds}, the
     * application started with {@code settings} ({@code VENDSTREAM_*}) on top of its own.
     */
    LatencyScenario(BenchInfra infra, BenchParameters p, int rate, int seconds, int warmupSeconds, Map<String, String> settings,
                    Producer producer) {
        this.infra = infra;
        this.producer = producer;
        this.p = p;
        this.rate = rate;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
        this.settings = settings;
    }

    /**
     * The low-rate scenario ({@code lowrate}): a plain producer at each of {@code bench.lowrate.rates}
     * (10 and 100 events per second) for {@code bench.lowrate.seconds} (60) after
     * {@code bench.lowrate.warmup-seconds} (10); {@code bench.lowrate.poll-timeout-millis} runs the
     * application with another {@code vendstream.ingest.poll-timeout-millis} (e.g. 20, the old floor).
     */
    static Map<String, Object> lowRates(BenchInfra infra, BenchParameters p, String runId) throws Exception {
        Map<String, Object> byRate = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        String pollTimeout = System.getProperty("bench.lowrate.poll-timeout-millis");
        if (pollTimeout != null) {
            settings.put("VENDSTREAM_INGEST_POLL_TIMEOUT_MILLIS", pollTimeout);
        }
        for (String r : System.getProperty("bench.lowrate.rates", "10,100").split(",")) {
            int rate = Integer.parseInt(r.trim());
            Map<String, Object> figures = new LatencyScenario(infra, p, rate, Integer.getInteger("bench.lowrate.seconds", 60),
                    Integer.getInteger("bench.lowrate.warmup-seconds", 10), settings, Producer.PLAIN).run(runId + "_" + rate);
            figures.put("appSettings", settings);
            byRate.put(rate + "/s", figures);
            System.out.println("Low-rate latency at " + rate + "/s: committed " + figures.get("committed")
                    + "; transaction start " + figures.get("transactionStart"));
        }
        return byRate;
    }

    /**
     * The many-producers scenario ({@code producers}): the latency scenario once per rate of
     * {@code bench.producers.rates} (2,000 and 5,000 events per second) with the
     * {@link Producer#UNBATCHED} producer, for {@code bench.latency.seconds} after
     * {@code bench.latency.warmup-seconds}.
     */
    static Map<String, Object> manyProducers(BenchInfra infra, BenchParameters p, String runId) throws Exception {
        Map<String, Object> byRate = new LinkedHashMap<>();
        for (String r : System.getProperty("bench.producers.rates", "2000,5000").split(",")) {
            int rate = Integer.parseInt(r.trim());
            Map<String, Object> figures = new LatencyScenario(infra, p, rate, p.latencySeconds(), p.latencyWarmupSeconds(), Map.of(),
                    Producer.UNBATCHED).run(runId + "_unbatched_" + rate);
            byRate.put(rate + "/s", figures);
            System.out.println("Many producers (one record per request) at " + rate + "/s: committed " + figures.get("committed"));
        }
        return byRate;
    }

    Map<String, Object> run(String runId) throws Exception {
        String id = "bench_latency_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");
        Map<String, Object> figures = new LinkedHashMap<>();
        CampusEvents events = new CampusEvents(7, 0, 0);
        try (PackagedApp app = infra.startApp("latency", id, topic, id + "-ingest", true, p.appJvmOptions(), settings)) {
            app.awaitHealthy(Duration.ofMinutes(3));
            long checkpointsBefore = checkpoints(id);
            TreeMap<Long, Long> commits = new TreeMap<>();
            AtomicBoolean watching = new AtomicBoolean(true);
            AtomicLong polls = new AtomicLong();
            Thread watcher = new Thread(() -> watch(id, commits, watching, polls), "bench-commit-watcher");
            watcher.start();

            long warmupFrom;
            long measuredFrom;
            long measuredTo;
            long sent;
            long watchStarted = System.nanoTime();
            Map<String, Object> config = new LinkedHashMap<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"));
            config.putAll(this.producer.config);
            figures.put("producer", this.producer.name().toLowerCase(java.util.Locale.ROOT) + " " + this.producer.config);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
                // health UP does not mean the consumer has joined its group: one sale must make it through first
                CampusEvents.Draft probe = events.nextValid(Instant.now());
                producer.send(new ProducerRecord<>(topic, probe.key(), probe.value()));
                producer.flush();
                await("the first sale to be stored").atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> infra.stored(id) >= 1);
                long warmup = (long) rate * warmupSeconds;
                long total = warmup + (long) rate * seconds;
                long start = System.nanoTime();
                warmupFrom = micros(Instant.now());
                long fromMicros = warmupFrom;
                for (long i = 0; i < total; i++) {
                    long due = start + i * 1_000_000_000L / rate;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (i == warmup) {
                        fromMicros = micros(Instant.now());
                    }
                    CampusEvents.Draft d = events.nextValid(Instant.now());
                    producer.send(new ProducerRecord<>(topic, d.key(), d.value()));
                }
                producer.flush();
                measuredFrom = fromMicros;
                measuredTo = micros(Instant.now());
                sent = total;
            }
            long expectedStored = events.expected().sales + events.expected().restocks;
            await("every published event to be stored").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> infra.stored(id) >= expectedStored);
            watching.set(false);
            watcher.join();
            double watchSeconds = (System.nanoTime() - watchStarted) / 1e9;

            double[][] samples = latencies(id, measuredFrom, measuredTo, commits);
            Percentiles committed = new Percentiles(samples[0]);
            Percentiles txStart = new Percentiles(samples[1]);
            Percentiles warmupCommitted = new Percentiles(latencies(id, warmupFrom, measuredFrom - 1, commits)[0]);
            double achievedRate = committed.count() / ((measuredTo - measuredFrom) / 1e6);
            figures.put("targetRatePerSecond", rate);
            figures.put("achievedRatePerSecond", Math.round(achievedRate));
            figures.put("published", sent);
            figures.put("measuredSales", committed.count());
            figures.put("committed", committed.toMap());
            figures.put("slowestSeconds", slowestSeconds(samples, 5));
            // PostgreSQL's checkpoints (timed and requested) during the run, warm-up included
            figures.put("checkpoints", checkpoints(id) - checkpointsBefore);
            System.out.println("Latency at " + rate + "/s (" + producer.name().toLowerCase(java.util.Locale.ROOT)
                    + " producer), the slowest seconds: " + figures.get("slowestSeconds"));
            figures.put("transactionStart", txStart.toMap());
            figures.put("warmupSeconds", warmupSeconds);
            if (warmupCommitted.count() > 0) {
                figures.put("warmupCommitted", warmupCommitted.toMap());
            }
            figures.put("watcherPollMs", Percentiles.round(watchSeconds * 1000 / Math.max(1, polls.get())));
            figures.put("peakRssMib", Percentiles.round(app.peakRssMib()));
        }
        return figures;
    }

    /** Records, for each batch transaction, when its commit became visible (bench clock, microseconds). */
    void watch(String schema, TreeMap<Long, Long> commits, AtomicBoolean watching, AtomicLong polls) {
        try (Connection c = infra.connect(schema);
             PreparedStatement st = c.prepareStatement(
                     "select (extract(epoch from max(updated_at)) * 1000000)::bigint from ingest_partitions")) {
            long last = Long.MIN_VALUE;
            while (watching.get()) {
                try (ResultSet rs = st.executeQuery()) {
                    long seen = micros(Instant.now());
                    if (rs.next() && rs.getObject(1) != null && rs.getLong(1) != last) {
                        last = rs.getLong(1);
                        synchronized (commits) {
                            commits.put(last, seen);
                        }
                    }
                }
                polls.incrementAndGet();
                LockSupport.parkNanos(WATCH_INTERVAL_MS * 1_000_000L);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the commit watcher failed", e);
        }
    }

    /**
     * The seconds of the measured window whose slowest sale took longest to be committed, slowest
     * first, with when they were (UTC): where the tail lies in time, to set beside the application's
     * GC log, its rule evaluations and the database's checkpoints.
     */
    static java.util.List<Map<String, Object>> slowestSeconds(double[][] samples, int count) {
        TreeMap<Long, Double> worstBySecond = new TreeMap<>();
        for (int i = 0; i < samples[0].length; i++) {
            if (!Double.isNaN(samples[0][i])) {
                worstBySecond.merge((long) samples[2][i] / 1_000_000L, samples[0][i], Math::max);
            }
        }
        return worstBySecond.entrySet().stream()
                .sorted(Map.Entry.<Long, Double>comparingByValue().reversed())
                .limit(count)
                .map(e -> Map.<String, Object>of("second", Instant.ofEpochSecond(e.getKey()).toString(),
                        "slowestMs", Percentiles.round(e.getValue())))
                .toList();
    }

    /**
     * [committed latencies, transaction-start latencies, occurredAt in epoch microseconds] for the
     * sales of the measured window (latencies in ms).
     */
    double[][] latencies(String schema, long fromMicros, long toMicros, TreeMap<Long, Long> commits)
            throws Exception {
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        try (Connection c = infra.connect(schema);
             PreparedStatement st = c.prepareStatement("select (extract(epoch from occurred_at) * 1000000)::bigint, "
                     + "(extract(epoch from ingested_at) * 1000000)::bigint from sales "
                     + "where occurred_at >= ? and occurred_at <= ?")) {
            st.setObject(1, Instant.EPOCH.plusNanos(fromMicros * 1000).atOffset(java.time.ZoneOffset.UTC));
            st.setObject(2, Instant.EPOCH.plusNanos(toMicros * 1000).atOffset(java.time.ZoneOffset.UTC));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long occurred = rs.getLong(1);
                    long txStart = rs.getLong(2);
                    // the commit of this row's transaction, or (if two commits fell between two polls)
                    // the next one seen: the row was visible by then
                    Entry<Long, Long> commit = commits.ceilingEntry(txStart);
                    double visible = commit == null ? Double.NaN : (commit.getValue() - occurred) / 1000.0;
                    rows.add(new double[] {visible, (txStart - occurred) / 1000.0, occurred});
                }
            }
        }
        double[][] result = new double[3][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int k = 0; k < 3; k++) {
                result[k][i] = rows.get(i)[k];
            }
        }
        return result;
    }

    /** PostgreSQL's checkpoints so far, timed and requested. */
    private long checkpoints(String schema) throws Exception {
        return infra.queryLong(schema, "select num_timed + num_requested from pg_stat_checkpointer");
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
}

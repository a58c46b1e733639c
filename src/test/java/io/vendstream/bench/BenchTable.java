package io.vendstream.bench;

import java.util.List;
import java.util.Map;

/** The human-readable summary of a run, with each target marked met or missed. */
final class BenchTable {

    static final double TARGET_APP_TO_HAND_WRITTEN = 1.0;
    static final double TARGET_APP_TO_MINIMAL = 0.7;
    static final double TARGET_LATENCY_P99_MS = 100;
    static final double TARGET_API_P99_MS = 50;
    static final double TARGET_RSS_MIB = 768;
    static final double TARGET_GROWTH_RATIO = 0.9;

    private BenchTable() {
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> r) {
        StringBuilder b = new StringBuilder("\n");
        Map<String, Object> machine = (Map<String, Object>) r.get("machine");
        Map<String, Object> versions = (Map<String, Object>) r.get("versions");
        Map<String, Object> load = (Map<String, Object>) r.get("loadAverage");
        line(b, "vendstream benchmark %s (commit %s)", r.get("startedAt"), versions.get("commit"));
        line(b, "machine: %s cores, %s MiB, %s; load at start %s, at end %s", machine.get("cores"),
                machine.get("memoryMib"), machine.get("cpu"), load.get("atStart"), load.get("atEnd"));
        line(b, "versions: Java %s, Camel %s, Kafka %s, PostgreSQL %s", versions.get("java"), versions.get("camel"),
                versions.get("kafka"), versions.get("postgresql"));

        Map<String, Object> ingest = (Map<String, Object>) r.get("ingest");
        if (ingest != null) {
            Map<String, Object> expected = (Map<String, Object>) ingest.get("expected");
            List<Map<String, Object>> rounds = (List<Map<String, Object>>) ingest.get("perRound");
            line(b, "");
            line(b, "INGEST  %s records (%s sales, %s restocks, %s duplicates, %s invalid), published at %s/s; %s round(s)",
                    expected.get("records"), expected.get("sales"), expected.get("restocks"), expected.get("duplicates"),
                    expected.get("invalid"), ingest.get("publishEventsPerSecond"), rounds.size());
            for (Map<String, Object> round : rounds) {
                Map<String, Object> app = (Map<String, Object>) round.get("app");
                Map<String, Object> hand = (Map<String, Object>) round.get("handWritten");
                Map<String, Object> min = (Map<String, Object>) round.get("minimal");
                Map<String, Object> overlap = (Map<String, Object>) round.get("minimalOverlap");
                line(b, "  %-22s %12s %10s %16s %10s %10s %10s", "round " + round.get("round"), "events/s", "drain s",
                        "wall s (start-up)", "stored", "dupl.", "rejected");
                ingestLine(b, "application", app, app.get("rejected"));
                ingestLine(b, "best hand-written", hand, hand.get("rejected"));
                ingestLine(b, "minimal pipeline", min, "-");
                line(b, "  application / best hand-written = %s, application / minimal = %s; same stored set as "
                                + "best hand-written: %s; minimal, where it overlaps: %s", round.get("appToHandWritten"),
                        round.get("appToMinimal"), yes(round.get("sameStoredSet")), yes(overlap.get("same")));
                line(b, "  minimal pipeline: skipped %s restocks and %s records that are no sale object; stored %s "
                                + "sales the application does not, as invalid (%s units, amount %s)", min.get("skippedNotSales"),
                        min.get("skippedUnparsed"), overlap.get("extraRows"), overlap.get("extraUnits"),
                        overlap.get("extraAmount"));
                line(b, "  peak RSS of the application JVM during this round (broker outside it): %s MiB",
                        app.get("peakRssMib"));
            }
            Map<String, Object> rates = (Map<String, Object>) ingest.get("eventsPerSecond");
            double toHand = ((Number) ingest.get("appToHandWritten")).doubleValue();
            double toMin = ((Number) ingest.get("appToMinimal")).doubleValue();
            line(b, "  median over %s round(s), events/s: application %s, best hand-written %s, minimal pipeline %s",
                    rounds.size(), rates.get("app"), rates.get("handWritten"), rates.get("minimal"));
            line(b, "  application / best hand-written = %.2f   (target >= %.1f) %s   (median)", toHand,
                    TARGET_APP_TO_HAND_WRITTEN, verdict(toHand >= TARGET_APP_TO_HAND_WRITTEN));
            line(b, "  application / minimal pipeline = %.2f   (target >= %.1f) %s   (median)", toMin,
                    TARGET_APP_TO_MINIMAL, verdict(toMin >= TARGET_APP_TO_MINIMAL));
            line(b, "  same stored set as best hand-written (counts, id checksums, amounts, rollups, stock), every round: %s",
                    yes(ingest.get("sameStoredSet")));
            line(b, "  minimal pipeline = application where they overlap (sale ids, amounts, units, hourly rollup), "
                    + "every round: %s", yes(ingest.get("minimalOverlapSame")));
        }

        Map<String, Object> growth = (Map<String, Object>) r.get("growth");
        if (growth != null) {
            growth(b, growth);
        }

        Map<String, Object> memory = (Map<String, Object>) r.get("memory");
        if (memory != null) {
            double rss = ((Number) memory.get("peakRssMib")).doubleValue();
            line(b, "");
            line(b, "MEMORY  embedded mode (broker in the application's JVM, config/jvm.options): %s records drained in %s s "
                            + "after publishing; stored as expected: %s", memory.get("events"),
                    memory.get("drainSecondsAfterPublish"), Boolean.TRUE.equals(memory.get("storedAsExpected")) ? "yes" : "NO");
            line(b, "  RSS after start-up %s MiB; peak RSS %.0f MiB   (target <= %.0f) %s", memory.get("rssAfterStartupMib"),
                    rss, TARGET_RSS_MIB, verdict(rss <= TARGET_RSS_MIB));
        }

        Map<String, Object> latency = (Map<String, Object>) r.get("latency");
        if (latency != null) {
            Map<String, Object> committed = (Map<String, Object>) latency.get("committed");
            Map<String, Object> tx = (Map<String, Object>) latency.get("transactionStart");
            line(b, "");
            line(b, "LATENCY %s sales at %s/s (target rate %s/s)", latency.get("measuredSales"),
                    latency.get("achievedRatePerSecond"), latency.get("targetRatePerSecond"));
            line(b, "  %-34s %8s %8s %8s %8s", "occurredAt ->", "p50 ms", "p95 ms", "p99 ms", "max ms");
            line(b, "  %-34s %8s %8s %8s %8s", "committed (visible, poll " + latency.get("watcherPollMs") + " ms)",
                    committed.get("p50Ms"), committed.get("p95Ms"), committed.get("p99Ms"), committed.get("maxMs"));
            line(b, "  %-34s %8s %8s %8s %8s", "transaction start (ingested_at)", tx.get("p50Ms"), tx.get("p95Ms"),
                    tx.get("p99Ms"), tx.get("maxMs"));
            Map<String, Object> warmup = (Map<String, Object>) latency.get("warmupCommitted");
            if (warmup != null) {
                line(b, "  %-34s %8s %8s %8s %8s", "committed in the " + latency.get("warmupSeconds") + " s warm-up (JIT)",
                        warmup.get("p50Ms"), warmup.get("p95Ms"), warmup.get("p99Ms"), warmup.get("maxMs"));
            }
            double p99 = ((Number) committed.get("p99Ms")).doubleValue();
            line(b, "  p99 committed %.1f ms   (target <= %.0f) %s", p99, TARGET_LATENCY_P99_MS,
                    verdict(p99 <= TARGET_LATENCY_P99_MS));
        }

        Map<String, Object> mqtt = (Map<String, Object>) r.get("mqtt");
        if (mqtt != null) {
            Map<String, Object> thr = (Map<String, Object>) mqtt.get("throughput");
            Map<String, Object> lat = (Map<String, Object>) mqtt.get("latency");
            line(b, "");
            line(b, "MACHINES OVER MQTT (QoS 1, each device signed in as itself; devices in the benchmark JVM)");
            line(b, "  %s devices, %s unacknowledged each: %s events stored at %s events/s", thr.get("devices"), thr.get("window"),
                    thr.get("events"), thr.get("eventsPerSecond"));
            if (thr.get("toKafkaPath") != null) {
                double ratio = ((Number) thr.get("toKafkaPath")).doubleValue();
                line(b, "  against the Kafka path's drain (%s events/s): %.2f   (target >= 0.50) %s", thr.get("kafkaPathEventsPerSecond"),
                        ratio, verdict(ratio >= 0.5));
            }
            Map<String, Object> committed = (Map<String, Object>) lat.get("committed");
            line(b, "  %s devices x %s/s = %s events/s: device publish -> committed p50 %s, p95 %s, p99 %s, max %s ms",
                    lat.get("devices"), lat.get("ratePerDevice"), lat.get("achievedRatePerSecond"), committed.get("p50Ms"),
                    committed.get("p95Ms"), committed.get("p99Ms"), committed.get("maxMs"));
            double p99 = ((Number) committed.get("p99Ms")).doubleValue();
            line(b, "  p99 %.1f ms   (target <= 100 at 2,000 events/s) %s", p99, verdict(p99 <= 100));
        }

        Map<String, Object> api = (Map<String, Object>) r.get("api");
        if (api != null) {
            Map<String, Object> seed = (Map<String, Object>) api.get("seed");
            Map<String, Object> params = (Map<String, Object>) r.get("parameters");
            line(b, "");
            line(b, "API     %s sales seeded (COPY %s s, indexes %s s, rollups %s s); %s clients, %s s per endpoint%s",
                    seed.get("sales"), seed.get("copySeconds"), seed.get("indexSeconds"), seed.get("rollupSeconds"),
                    params.get("apiClients"), params.get("apiSecondsPerEndpoint"),
                    ((Number) params.getOrDefault("apiRounds", 1)).intValue() > 1
                            ? ", median of " + params.get("apiRounds") + " rounds" : "");
            line(b, "  %-28s %10s %9s %9s %9s  %s", "endpoint", "req/s", "p50 ms", "p99 ms", "max ms", "statuses");
            double worst = 0;
            for (Map.Entry<String, Object> e : ((Map<String, Object>) api.get("endpoints")).entrySet()) {
                Map<String, Object> m = (Map<String, Object>) e.getValue();
                double p99 = ((Number) m.get("p99Ms")).doubleValue();
                worst = Math.max(worst, p99);
                line(b, "  %-28s %10s %9s %9s %9s  %s %s%s", e.getKey(), m.get("requestsPerSecond"), m.get("p50Ms"),
                        m.get("p99Ms"), m.get("maxMs"), m.get("statuses"), p99 <= TARGET_API_P99_MS ? "" : "MISSED",
                        m.containsKey("p99MsPerRound") ? " p99 per round " + m.get("p99MsPerRound") : "");
            }
            for (String skipped : (List<String>) api.get("skipped")) {
                line(b, "  skipped %s", skipped);
            }
            if (((Map<String, Object>) api.get("endpoints")).isEmpty()) {
                line(b, "  no /api endpoint in this build: nothing measured");
            } else {
                line(b, "  worst p99 %.1f ms   (target <= %.0f) %s", worst, TARGET_API_P99_MS,
                        verdict(worst <= TARGET_API_P99_MS));
            }
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static void growth(StringBuilder b, Map<String, Object> g) {
        Map<String, Object> seed = (Map<String, Object>) g.get("seed");
        Map<String, Object> sizes = (Map<String, Object>) g.get("sizesBeforeDrain");
        Map<String, Object> empty = (Map<String, Object>) g.get("empty");
        Map<String, Object> grown = (Map<String, Object>) g.get("grown");
        line(b, "");
        line(b, "GROWTH  %s sales of history (%s days, each claimed: source partition and offset on the row) seeded "
                        + "(COPY %s s, indexes %s s, rollups %s s, vacuum %s s), then %s records drained", g.get("seededSales"),
                seed.get("historyDays"), seed.get("copySeconds"), seed.get("indexSeconds"),
                seed.get("rollupSeconds"), seed.get("vacuumAnalyzeSeconds"), grown.get("events"));
        sizesLine(b, "before the drain", sizes, g.get("sharedBuffers"));
        line(b, "  %-30s %9s %8s %9s %11s %9s %11s %11s %6s", "", "events/s", "drain s", "WAL MiB", "WAL B/event",
                "FPI", "idx hits", "idx reads", "ckpts");
        growthRow(b, "empty, " + empty.get("source"), empty);
        growthRow(b, "grown, " + g.get("seededSales") + " sales", grown);
        sizesLine(b, "after the drain", (Map<String, Object>) g.get("sizesAfterDrain"), g.get("sharedBuffers"));
        if (empty.get("rounds") != null) {
            line(b, "  empty: the ingest scenario's median application rate over %s round(s), counters of its round %s",
                    empty.get("rounds"), empty.get("countersRound"));
        }
        double ratio = ((Number) g.get("ratio")).doubleValue();
        line(b, "  grown / empty = %.2f   (target >= %.1f) %s", ratio, TARGET_GROWTH_RATIO,
                verdict(ratio >= TARGET_GROWTH_RATIO));
        line(b, "  stored seeded + expected sales (%s of %s), the stream's restocks, and their idempotency keys "
                        + "(processed_events, the view of both): %s", g.get("storedSales"),
                g.get("expectedSales"), Boolean.TRUE.equals(g.get("storedAsExpected")) ? "yes" : "NO");
    }

    /** The event tables' sizes: heap + all indexes, and the random-UUID primary key of sales among them. */
    @SuppressWarnings("unchecked")
    private static void sizesLine(StringBuilder b, String when, Map<String, Object> sizes, Object sharedBuffers) {
        if (sizes == null) {
            return;
        }
        Map<String, Object> indexes = (Map<String, Object>) sizes.getOrDefault("indexes", Map.of());
        line(b, "  %s: sales %s MiB + indexes %s MiB (sales_pkey %s MiB), restocks %s MiB + indexes %s MiB; "
                        + "shared_buffers %s", when, mib(sizes.get("salesTable")), mib(sizes.get("salesIndexes")),
                mib(indexes.get("sales_pkey")), mib(sizes.get("restocksTable")), mib(sizes.get("restocksIndexes")),
                sharedBuffers);
    }

    @SuppressWarnings("unchecked")
    private static void growthRow(StringBuilder b, String label, Map<String, Object> d) {
        Map<String, Object> c = (Map<String, Object>) d.get("counters");
        if (c == null) {
            c = Map.of();
        }
        line(b, "  %-30s %9s %8s %9s %11s %9s %11s %11s %6s", label, d.get("eventsPerSecond"), d.get("drainSeconds"),
                mib(c.get("walBytes")), dash(d.get("walBytesPerEvent")), dash(c.get("walFullPageImages")),
                sum(c.get("salesIndexHit"), c.get("restocksIndexHit")),
                sum(c.get("salesIndexRead"), c.get("restocksIndexRead")), dash(c.get("checkpoints")));
    }

    private static String mib(Object bytes) {
        return bytes == null ? "-" : String.valueOf(Math.round(((Number) bytes).doubleValue() / (1 << 20)));
    }

    private static String dash(Object v) {
        return v == null ? "-" : String.valueOf(v);
    }

    private static String sum(Object a, Object b) {
        return a == null && b == null ? "-"
                : String.valueOf((a == null ? 0 : ((Number) a).longValue()) + (b == null ? 0 : ((Number) b).longValue()));
    }

    private static void ingestLine(StringBuilder b, String who, Map<String, Object> m, Object rejected) {
        line(b, "  %-22s %12s %10s %16s %10s %10s %10s", who, m.get("eventsPerSecond"), m.get("drainSeconds"),
                m.get("wallSecondsIncludingStartup"), m.get("stored"), m.get("duplicates"), rejected);
    }

    private static String yes(Object flag) {
        return Boolean.TRUE.equals(flag) ? "yes" : "NO";
    }

    private static String verdict(boolean met) {
        return met ? "MET" : "MISSED";
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(java.util.Locale.ROOT, format, args)).append('\n');
    }
}

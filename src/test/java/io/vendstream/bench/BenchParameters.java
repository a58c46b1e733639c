package io.vendstream.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.vendstream.support.Campus;

/**
 * Benchmark sizes, read from system properties ({@code -Dbench.events=200000} on the Maven command
 * line reaches the test JVM). The defaults are the full benchmark of issue 7; {@link #smoke()} is
 * the size the normal test run uses to keep the benchmark from rotting.
 */
record BenchParameters(
        Set<String> scenarios,
        int events,
        double duplicateShare,
        double invalidShare,
        int maxPollRecords,
        Duration drainTimeout,
        int ingestRounds,
        int latencyRate,
        int latencySeconds,
        int latencyWarmupSeconds,
        long apiSales,
        int apiClients,
        int apiSecondsPerEndpoint,
        int apiWarmupSeconds,
        int apiMaxRequestsPerEndpoint,
        List<String> appJvmOptions,
        String timezone,
        int apiRounds,
        List<String> apiPaths,
        long growthSales,
        int growthEvents) {

    static BenchParameters fromSystemProperties() {
        return new BenchParameters(
                Arrays.stream(System.getProperty("bench.scenarios", "ingest,memory,latency,producers,mqtt,api,growth").split(","))
                        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet()),
                Integer.getInteger("bench.events", 1_000_000),
                Double.parseDouble(System.getProperty("bench.duplicate-share", "0.01")),
                Double.parseDouble(System.getProperty("bench.invalid-share", "0.01")),
                Integer.getInteger("bench.max-poll-records", 2000),
                Duration.ofMinutes(Integer.getInteger("bench.drain-timeout-minutes", 30)),
                Integer.getInteger("bench.ingest.rounds", 3),
                Integer.getInteger("bench.latency.rate", 5000),
                Integer.getInteger("bench.latency.seconds", 60),
                Integer.getInteger("bench.latency.warmup-seconds", 20),
                Long.getLong("bench.api.sales", 10_000_000L),
                Integer.getInteger("bench.api.clients", 32),
                Integer.getInteger("bench.api.seconds", 15),
                Integer.getInteger("bench.api.warmup-seconds", 3),
                Integer.getInteger("bench.api.max-requests", 500_000),
                Arrays.stream(System.getProperty("bench.app.jvm-options", "").split(" "))
                        .filter(s -> !s.isBlank()).toList(),
                System.getProperty("bench.timezone", Campus.TIME_ZONE),
                Integer.getInteger("bench.api.rounds", 1),
                Arrays.stream(System.getProperty("bench.api.paths", "").split(","))
                        .map(String::trim).filter(s -> !s.isEmpty()).toList(),
                Long.getLong("bench.growth.sales", 10_000_000L),
                Integer.getInteger("bench.growth.events", Integer.getInteger("bench.events", 1_000_000)));
    }

    /** Seconds, not minutes: enough to prove the scenarios work and the stored sets agree. */
    static BenchParameters smoke() {
        return new BenchParameters(Set.of("ingest", "memory", "latency", "mqtt", "api", "growth"), 5_000, 0.01, 0.01, 2000,
                Duration.ofMinutes(3), 1, 200, 3, 1, 1_000, 4, 1, 0, 40, List.of(), Campus.TIME_ZONE, 1, List.of(), 3_000, 5_000);
    }

    boolean runs(String scenario) {
        return scenarios.contains(scenario);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenarios", scenarios.stream().sorted().toList());
        m.put("events", events);
        m.put("duplicateShare", duplicateShare);
        m.put("invalidShare", invalidShare);
        m.put("maxPollRecords", maxPollRecords);
        m.put("ingestRounds", ingestRounds);
        m.put("latencyRatePerSecond", latencyRate);
        m.put("latencySeconds", latencySeconds);
        m.put("latencyWarmupSeconds", latencyWarmupSeconds);
        m.put("apiSales", apiSales);
        m.put("apiClients", apiClients);
        m.put("apiSecondsPerEndpoint", apiSecondsPerEndpoint);
        m.put("apiWarmupSeconds", apiWarmupSeconds);
        m.put("apiMaxRequestsPerEndpoint", apiMaxRequestsPerEndpoint);
        m.put("appJvmOptions", appJvmOptions);
        m.put("timezone", timezone);
        m.put("apiRounds", apiRounds);
        m.put("apiPaths", apiPaths);
        m.put("growthSales", growthSales);
        m.put("growthEvents", growthEvents);
        return m;
    }
}

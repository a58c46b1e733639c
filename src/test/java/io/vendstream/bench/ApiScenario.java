package io.vendstream.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.PackagedApp;

/**
 * API under load: a schema seeded with a long sales history ({@link SalesSeeder}), the packaged
 * application serving it, and each GET endpoint the application documents in
 * {@code /api/openapi.json} (or, if it has none, the paths of the product contract) driven in turn
 * by N concurrent clients on loopback for a fixed time, after a short warm-up. Endpoints that
 * answer 404 are skipped with a note, so the benchmark runs whatever API the build has.
 */
final class ApiScenario {

    static final List<String> CONTRACT_PATHS = List.of("/api/summary", "/api/machines", "/api/locations",
            "/api/products/top", "/api/hourly", "/api/stock", "/api/stock/low", "/api/transactions/recent",
            "/api/rejections", "/api/pipeline", "/api/openapi.json");

    private final BenchInfra infra;
    private final BenchParameters p;
    private final ObjectMapper mapper = new ObjectMapper();

    ApiScenario(BenchInfra infra, BenchParameters p) {
        this.infra = infra;
        this.p = p;
    }

    Map<String, Object> run(String runId) throws Exception {
        String id = "bench_api_" + runId;
        String topic = id + ".events";
        infra.createTopics(topic, topic + ".dlq");
        infra.migrate(id);
        Map<String, Object> figures = new LinkedHashMap<>();
        double[] seconds = new SalesSeeder(infra, id, p.timezone()).seed(p.apiSales(), topic).get(0);
        Map<String, Object> seed = new LinkedHashMap<>();
        seed.put("sales", p.apiSales());
        seed.put("copySeconds", Percentiles.round(seconds[0]));
        seed.put("indexSeconds", Percentiles.round(seconds[1]));
        seed.put("rollupSeconds", Percentiles.round(seconds[2]));
        seed.put("copyRowsPerSecond", Math.round(p.apiSales() / seconds[0]));
        figures.put("seed", seed);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (PackagedApp app = infra.startApp("api", id, topic, id + "-ingest", true, p.appJvmOptions())) {
            app.awaitHealthy(Duration.ofMinutes(3));
            // health is UP once Kafka and the database answer; the route controller may still be starting
            // the REST routes, so give the API a moment to appear (a build without one just waits this out)
            awaitApi(http, app.baseUrl());
            List<String> paths = endpoints(http, app.baseUrl());
            figures.put("endpointSource", paths == CONTRACT_PATHS ? "product contract (no /api/openapi.json)" : "/api/openapi.json");
            Map<String, Object> endpoints = new LinkedHashMap<>();
            List<String> skipped = new ArrayList<>();
            List<String> driven = new ArrayList<>();
            for (String path : paths) {
                if (!p.apiPaths().isEmpty() && !p.apiPaths().contains(path)) {
                    continue;
                }
                int status = get(http, app.baseUrl() + path).statusCode();
                if (status == 404) {
                    skipped.add(path + " (404: not in this build)");
                } else {
                    driven.add(path);
                }
            }
            // with several rounds every endpoint is driven once per round, in turn, and the figures
            // are each round's median, so one noisy moment on a shared machine cannot decide a figure
            Map<String, List<Map<String, Object>>> rounds = new LinkedHashMap<>();
            for (int round = 0; round < Math.max(1, p.apiRounds()); round++) {
                for (String path : driven) {
                    if (p.apiWarmupSeconds() > 0) {
                        drive(http, app.baseUrl() + path, Duration.ofSeconds(p.apiWarmupSeconds()), Integer.MAX_VALUE);
                    }
                    rounds.computeIfAbsent(path, k -> new ArrayList<>()).add(drive(http, app.baseUrl() + path,
                            Duration.ofSeconds(p.apiSecondsPerEndpoint()), p.apiMaxRequestsPerEndpoint()));
                }
            }
            rounds.forEach((path, measured) -> endpoints.put(path, median(measured)));
            figures.put("endpoints", endpoints);
            figures.put("skipped", skipped);
            figures.put("peakRssMib", Percentiles.round(app.peakRssMib()));
        }
        return figures;
    }

    private static void awaitApi(HttpClient http, String baseUrl) {
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(() -> get(http, baseUrl + "/api/openapi.json").statusCode() != 404);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // no OpenAPI document in this build: the product contract's paths are tried
        }
    }

    /** GET paths without path parameters, from the application's OpenAPI document if it serves one. */
    private List<String> endpoints(HttpClient http, String baseUrl) {
        try {
            HttpResponse<String> doc = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/openapi.json"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (doc.statusCode() != 200) {
                return CONTRACT_PATHS;
            }
            JsonNode root = mapper.readTree(doc.body());
            String prefix = "";
            JsonNode servers = root.path("servers");
            if (servers.isArray() && !servers.isEmpty()) {
                prefix = URI.create(servers.get(0).path("url").asText("")).getPath();
            } else if (root.hasNonNull("basePath")) {
                prefix = root.get("basePath").asText();
            }
            List<String> paths = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("paths").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                // the CSV exports stream the whole history (gigabytes at 10 M sales): a download, not an
                // answer, measured for throughput and memory by HistoryBenchmarkIT instead; a stream of
                // server-sent events (/api/stream) never ends: it is a connection, not an answer
                boolean eventStream = e.getValue().path("get").path("responses").path("200").path("content").has("text/event-stream");
                if (e.getValue().has("get") && !e.getKey().contains("{") && !e.getKey().startsWith("/api/export/") && !eventStream) {
                    String path = e.getKey().startsWith("/api") ? e.getKey() : stripSlash(prefix) + e.getKey();
                    paths.add(path.startsWith("/api") ? path : "/api" + path);
                }
            }
            if (!paths.contains("/api/openapi.json")) {
                paths.add("/api/openapi.json");
            }
            if (paths.contains("/api/restock/picklist")) {
                // the wider questions the restock crew asks: a month of stock-outs, the fleet's pick list as a spreadsheet
                paths.add("/api/stockouts?from=" + java.time.LocalDate.now(java.time.ZoneId.of(p.timezone())).minusDays(30));
                paths.add("/api/restock/picklist?format=csv");
                paths.add("/api/restock/plan?horizonHours=168");
            }
            return paths.isEmpty() ? CONTRACT_PATHS : paths;
        } catch (Exception e) {
            return CONTRACT_PATHS;
        }
    }

    /** One round's figures as they are; of several, the median of each figure, and every round's p99. */
    private static Map<String, Object> median(List<Map<String, Object>> rounds) {
        if (rounds.size() == 1) {
            return rounds.get(0);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (String figure : List.of("requests", "requestsPerSecond", "p50Ms", "p99Ms", "maxMs")) {
            double[] values = rounds.stream().mapToDouble(r -> ((Number) r.get(figure)).doubleValue()).sorted().toArray();
            double median = values.length % 2 == 1 ? values[values.length / 2]
                    : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
            if (figure.endsWith("Ms")) {
                m.put(figure, Percentiles.round(median));
            } else {
                m.put(figure, Math.round(median));
            }
        }
        m.put("p99MsPerRound", rounds.stream().map(r -> r.get("p99Ms")).toList());
        Map<String, Long> statuses = new java.util.TreeMap<>();
        rounds.forEach(r -> ((Map<String, ?>) r.get("statuses")).forEach((s, c) -> statuses.merge(s, ((Number) c).longValue(), Long::sum)));
        m.put("statuses", statuses);
        return m;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static HttpResponse<Void> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** N clients, each sending one request after the other, until the time or the request budget is used up. */
    private Map<String, Object> drive(HttpClient http, String url, Duration duration, int maxRequests) throws Exception {
        int clients = p.apiClients();
        AtomicLong issued = new AtomicLong();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        long deadline = started + duration.toNanos();
        List<Future<double[]>> results = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                results.add(pool.submit(() -> {
                    double[] latencies = new double[1024];
                    int n = 0;
                    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build();
                    while (System.nanoTime() < deadline && issued.incrementAndGet() <= maxRequests) {
                        long t = System.nanoTime();
                        int status;
                        try {
                            status = http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
                        } catch (java.io.IOException e) {
                            status = -1;
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = (System.nanoTime() - t) / 1e6;
                        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
            List<double[]> all = new ArrayList<>();
            for (Future<double[]> f : results) {
                all.add(f.get());
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            double[] merged = all.stream().flatMapToDouble(Arrays::stream).toArray();
            Percentiles pct = new Percentiles(merged);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", merged.length);
            m.put("requestsPerSecond", Math.round(merged.length / elapsed));
            m.put("p50Ms", Percentiles.round(pct.at(50)));
            m.put("p99Ms", Percentiles.round(pct.at(99)));
            m.put("maxMs", Percentiles.round(pct.max()));
            Map<String, Long> byStatus = new java.util.TreeMap<>();
            statuses.forEach((s, c) -> byStatus.put(s == -1 ? "io-error" : String.valueOf(s), c.get()));
            m.put("statuses", byStatus);
            return m;
        } finally {
            pool.shutdownNow();
        }
    }
}

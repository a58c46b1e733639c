package io.vendstream.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vendstream.support.TestInfrastructure;

import static org.awaitility.Awaitility.await;

/**
 * The packaged application ({@code target/vendstream.jar}) run as its own process, configured
 * only through environment variables, as an operator would run it. Being a separate JVM, its
 * resident memory can be read honestly from {@code /proc/<pid>/status}: VmHWM is the kernel's
 * own peak, VmRSS is sampled every 200 ms as a cross-check.
 */
final class AppProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-rss-sampler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong maxSampledRssKb = new AtomicLong();
    private final long startedNanos = System.nanoTime();

    private AppProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        // never leave an application behind if the benchmark JVM is stopped half-way
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "bench-app-stop"));
        sampler.scheduleAtFixedRate(() -> maxSampledRssKb.accumulateAndGet(status("VmRSS"), Math::max),
                0, 200, TimeUnit.MILLISECONDS);
    }

    /** Starts the jar in external mode against the benchmark's broker and database, simulator off. */
    static AppProcess start(BenchInfra infra, String name, String schema, String topic, String group, boolean api,
                            List<String> jvmOptions) throws IOException {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("VENDSTREAM_KAFKA_TOPIC", topic);
        env.put("VENDSTREAM_KAFKA_DLQ_TOPIC", topic + ".dlq");
        env.put("VENDSTREAM_KAFKA_CONSUMER_GROUP", group);
        env.put("VENDSTREAM_DB_URL", infra.jdbcUrl());
        env.put("VENDSTREAM_DB_USER", infra.user());
        env.put("VENDSTREAM_DB_PASSWORD", infra.password());
        env.put("VENDSTREAM_DB_SCHEMA", schema);
        env.put("VENDSTREAM_DATA_DIR", projectDir().resolve("target/bench/data-" + name).toString());
        env.put("VENDSTREAM_API_ENABLED", String.valueOf(api));
        return launch(name, env, jvmOptions);
    }

    /**
     * Starts the jar in embedded mode, as {@code java -jar} with no configuration runs it: its own
     * Kafka broker inside its JVM and its own PostgreSQL server, on free ports, with its data in
     * {@code dataDir}; simulator off.
     */
    static AppProcess startEmbedded(String name, Path dataDir, int kafkaPort, List<String> jvmOptions) throws IOException {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("VENDSTREAM_DATA_DIR", dataDir.toString());
        env.put("VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort));
        env.put("VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestInfrastructure.freePort()));
        env.put("VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()));
        env.put("VENDSTREAM_API_ENABLED", "true");
        return launch(name, env, jvmOptions);
    }

    private static Path projectDir() {
        return Path.of(System.getProperty("vendstream.project.dir", ".")).toAbsolutePath();
    }

    private static AppProcess launch(String name, Map<String, String> settings, List<String> jvmOptions) throws IOException {
        Path projectDir = projectDir();
        Path jar = Path.of(System.getProperty("vendstream.jar", projectDir.resolve("target/vendstream.jar").toString()));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the benchmark runs the packaged application (mvn package)");
        }
        Path log = projectDir.resolve("target/bench/app-" + name + ".log");
        Files.createDirectories(log.getParent());
        int port = TestInfrastructure.freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the JVM options the product ships with, as ./mvnw -Prun and the Docker image pass them;
        // options given to the benchmark come after, so they win
        command.add("@" + projectDir.resolve("config/jvm.options"));
        command.addAll(jvmOptions);
        // the HTTP port as JVM system properties: Camel main did not take CAMEL_SERVER_PORT from the
        // environment over application.properties (it did take CAMEL_SERVER_HOST), and a benchmark must
        // never fall back to the fixed 8080
        command.add("-Dcamel.server.port=" + port);
        command.add("-Dcamel.management.port=" + port);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(projectDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.putAll(settings);
        env.put("VENDSTREAM_SIMULATOR_ENABLED", "false");
        env.put("CAMEL_SERVER_PORT", String.valueOf(port));
        env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(port));
        env.put("CAMEL_SERVER_HOST", "127.0.0.1");
        return new AppProcess(pb.start(), port, log);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until /observe/health answers 200 (routes started, Kafka and database reachable). */
    AppProcess awaitHealthy(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await("application health at " + baseUrl() + " (log: " + log + ")").atMost(timeout)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the application exited with " + process.exitValue() + "; see " + log);
                    }
                    return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                });
        return this;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Seconds since the process was started. */
    double uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** The kernel's peak resident set size of the application JVM so far, in MiB. */
    double peakRssMib() {
        return Math.max(status("VmHWM"), maxSampledRssKb.get()) / 1024.0;
    }

    double sampledMaxRssMib() {
        return maxSampledRssKb.get() / 1024.0;
    }

    private long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process has ended (or this is not Linux): no sample
        }
        return 0;
    }

    /** SIGTERM, as an operator stops it; the ordered shutdown has 10 s, then it is killed. */
    @Override
    public void close() {
        sampler.shutdownNow();
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

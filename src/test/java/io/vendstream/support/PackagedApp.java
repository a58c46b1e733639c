package io.vendstream.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * The one launcher of the packaged application ({@code java -jar target/vendstream.jar}) as an
 * operating-system process of its own, used by the drills, the benchmark and the packaged-jar
 * tests. It runs the jar as an operator does: with the JVM options the product ships
 * ({@code config/jvm.options}), configured only through environment variables, from the project
 * directory. No {@code VENDSTREAM_*} variable of the test's own environment leaks into it, and
 * its HTTP and MQTT ports are free ones unless the caller sets {@code VENDSTREAM_HTTP_PORT}, {@code VENDSTREAM_MQTT_PORT}.
 * Where the simulator runs, it runs as a steady load ({@code normal} mode at its events-per-second) without
 * history, unless the caller sets {@code VENDSTREAM_SIMULATOR_MODE} or
 * {@code VENDSTREAM_SIMULATOR_BACKFILL_DAYS}: a test's counts must not depend on the campus hour.
 *
 * <p>Its output goes to a log file (appended to on {@link #restart()}). Being a separate JVM, its
 * resident memory can be read honestly from {@code /proc/<pid>/status}: VmHWM is the kernel's own
 * peak, VmRSS is sampled every 200 ms as a cross-check.
 */
public final class PackagedApp implements AutoCloseable {

    public static final Path PROJECT = Path.of(System.getProperty("vendstream.project.dir", ".")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("target/packaged-app");
    private static final String BANNER = "vendstream is running";

    private final String name;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final Path log;
    private final int port;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packaged-app-rss-sampler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong maxSampledRssKib = new AtomicLong();
    private volatile Process process;
    private Thread copier;
    private long startedNanos;
    private long logOffset;

    private PackagedApp(String name, Map<String, String> env, List<String> jvmOptions, Path log) {
        this.name = name;
        this.env = new LinkedHashMap<>(env);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.log = log;
        // never the default 8080: the HTTP port is checked first and may be taken on a shared machine
        this.env.putIfAbsent("VENDSTREAM_HTTP_PORT", String.valueOf(TestInfrastructure.freePort()));
        this.port = Integer.parseInt(this.env.get("VENDSTREAM_HTTP_PORT"));
        // the machines' MQTT endpoint too: instances of one test may run side by side
        this.env.putIfAbsent("VENDSTREAM_MQTT_PORT", String.valueOf(TestInfrastructure.freePort()));
        this.env.putIfAbsent("VENDSTREAM_SIMULATOR_MODE", "normal");
        this.env.putIfAbsent("VENDSTREAM_SIMULATOR_BACKFILL_DAYS", "0");
        // never leave an application behind if the test JVM is stopped half-way
        Runtime.getRuntime().addShutdownHook(new Thread(this::killIfRunning, name + "-stop"));
        sampler.scheduleAtFixedRate(() -> maxSampledRssKib.accumulateAndGet(status("VmRSS"), Math::max),
                0, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the jar (without waiting for it) with these settings and extra JVM options, which come
     * after the product's own and so win; its output goes to {@code log}, replacing an older one.
     */
    public static PackagedApp start(String name, Map<String, String> env, List<String> jvmOptions, Path log) {
        PackagedApp app = new PackagedApp(name, env, jvmOptions, log);
        try {
            app.launch(true);
        } catch (RuntimeException | Error e) {
            app.killIfRunning();
            throw e;
        }
        return app;
    }

    /** Starts the jar with these settings and no extra JVM options; output in {@code target/packaged-app/<name>.log}. */
    public static PackagedApp start(String name, Map<String, String> env) {
        return start(name, env, List.of(), WORK.resolve(name + ".log"));
    }

    /**
     * A fresh data directory under {@code target/packaged-app/}: inside the checkout, made with the
     * usual permissions, so the unprivileged account an embedded PostgreSQL runs as under root can
     * reach it.
     */
    public static Path newDataDirectory(String purpose) {
        try {
            return Files.createDirectories(WORK.resolve("data-" + purpose + "-" + System.nanoTime()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the same configuration again after the process ended; the log is appended to. */
    public PackagedApp restart() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        try {
            launch(false);
        } catch (RuntimeException | Error e) {
            killIfRunning();
            throw e;
        }
        return this;
    }

    private void launch(boolean freshLog) {
        Path jar = Path.of(System.getProperty("vendstream.jar", PROJECT.resolve("target/vendstream.jar").toString()));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: packaged-jar tests run after ./mvnw package (./mvnw verify)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the JVM options the product ships with, as ./mvnw -Prun passes them
        command.add("@" + PROJECT.resolve("config/jvm.options"));
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        try {
            Files.createDirectories(log.getParent());
            if (freshLog) {
                Files.deleteIfExists(log);
            }
            logOffset = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(PROJECT.toFile())
                    .redirectErrorStream(true);
            builder.environment().keySet().removeIf(k -> k.startsWith("VENDSTREAM_"));
            builder.environment().putAll(env);
            startedNanos = System.nanoTime();
            process = builder.start();
            process.getOutputStream().close();
            copyOutputToLog(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the start-up banner of this run (printed once the routes are up), then for the HTTP port to answer. */
    public PackagedApp awaitBanner(Duration timeout) {
        awaitOutput(BANNER, timeout);
        await(name + " answers on " + baseUrl()).atMost(Duration.ofSeconds(30)).ignoreExceptionsMatching(e -> e instanceof IOException)
                .until(() -> httpStatus(baseUrl() + "/observe/health") > 0);
        return this;
    }

    /** Waits until /observe/health answers 200 (routes started, Kafka and the database reachable). */
    public PackagedApp awaitHealthy(Duration timeout) {
        await(name + " health at " + baseUrl() + " (see " + log + ")").atMost(timeout)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptionsMatching(e -> e instanceof IOException)
                .until(() -> {
                    requireAlive();
                    return httpStatus(baseUrl() + "/observe/health") == 200;
                });
        return this;
    }

    /**
     * Copies the process's output to the log line by line as it comes, so that a test waiting for
     * a line (say, to stop the process while it is starting) acts on it at that very moment.
     */
    private void copyOutputToLog(Process running) {
        copier = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
                 Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.write(line);
                    out.write(System.lineSeparator());
                    out.flush();
                    synchronized (this) {
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended or the log cannot be written: nothing more to copy
            }
        }, name + "-output");
        copier.setDaemon(true);
        copier.start();
    }

    /** Waits until this run has printed {@code text}, returning as soon as the line is out. */
    public synchronized PackagedApp awaitOutput(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output(logOffset).contains(text)) {
            requireAlive();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(name + " did not print '" + text + "' within " + timeout.toSeconds()
                        + " s (see " + log + ")");
            }
            try {
                wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 1_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return this;
    }

    private void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(4000));
        }
    }

    private static int httpStatus(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    public String name() {
        return name;
    }

    /** A setting of its environment, e.g. the MQTT port it was given. */
    public String env(String name) {
        return env.get(name);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Seconds since this run was started. */
    public double uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** {@code kill -9}: no shutdown hook, no in-flight batch finished, no offsets committed. */
    public void kill9() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, as Ctrl-C or an orchestrator stopping an instance; returns the exit code. */
    public int terminate() {
        process.destroy();
        return waitForExit(Duration.ofSeconds(40));
    }

    /** Waits for the process to end by itself (killing it after {@code timeout}); returns the exit code. */
    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not exit within " + timeout.toSeconds() + " s:\n" + tail(4000));
            }
            // the last lines the process printed are in the log before anyone reads it
            copier.join(10_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void killIfRunning() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** Resident set size now, in KiB (0 once the process has ended). */
    public long rssKib() {
        return status("VmRSS");
    }

    /** The kernel's peak resident set size of the application JVM so far, in MiB. */
    public double peakRssMib() {
        return Math.max(status("VmHWM"), maxSampledRssKib.get()) / 1024.0;
    }

    /** The largest resident set size seen by sampling every 200 ms, in MiB. */
    public double sampledMaxRssMib() {
        return maxSampledRssKib.get() / 1024.0;
    }

    private long status(String field) {
        if (process == null) {
            return 0;
        }
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

    /** Everything the process printed so far (all runs). */
    public String output() {
        return output(0);
    }

    private String output(long from) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.min(from, file.length());
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String tail(int chars) {
        String all = output();
        return all.substring(Math.max(0, all.length() - chars));
    }

    public Path log() {
        return log;
    }

    /** Stops the process with SIGTERM if it still runs (killing it if it does not stop in time). */
    @Override
    public void close() {
        sampler.shutdownNow();
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}

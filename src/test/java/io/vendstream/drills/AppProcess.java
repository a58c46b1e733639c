package io.vendstream.drills;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The packaged application ({@code java -jar target/vendstream.jar}) as a separate operating-system
 * process, configured only through environment variables, as an operator would run it. Its output
 * goes to {@code target/drills/<name>.log}; it counts as ready when it prints its banner.
 */
final class AppProcess implements AutoCloseable {

    static final Path LOG_DIR = Path.of("target", "drills").toAbsolutePath();
    private static final String BANNER = "vendstream is running";
    private static final Pattern JOINED = Pattern.compile("Successfully joined group with generation Generation\\{generationId=(\\d+)");

    private final String name;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    private AppProcess(String name, Map<String, String> env) {
        this.name = name;
        this.env = new LinkedHashMap<>(env);
        this.log = LOG_DIR.resolve(name + ".log");
    }

    /** Starts the application and waits (up to 2 minutes) for its start-up banner. */
    static AppProcess start(String name, Map<String, String> env) {
        AppProcess app = new AppProcess(name, env);
        try {
            app.launch(true);
        } catch (RuntimeException | Error e) {
            app.killIfRunning();
            throw e;
        }
        return app;
    }

    /** Starts the same configuration again after the process ended (the log is appended to). */
    AppProcess restart() {
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
        String jar = System.getProperty("vendstream.jar");
        String projectDir = System.getProperty("vendstream.project.dir", ".");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("system property vendstream.jar does not name the packaged jar (" + jar
                    + "); run the drills with ./mvnw verify");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a bounded heap, so that "memory stays bounded" has a meaning
                "-Xmx" + env.getOrDefault("DRILL_HEAP", "384m"), "-XX:+UseSerialGC",
                // the product's logging plus the Kafka consumer coordinator at INFO: it logs every group (re)join
                "-Dlog4j2.configurationFile=classpath:log4j2.properties," + overrideLogConfig()));
        // camel-main 4.18 does not read CAMEL_SERVER_PORT / CAMEL_MANAGEMENT_PORT from the environment
        // (application.properties' 8080 wins, while the banner shows the variable); JVM system properties work
        for (String key : List.of("camel.server.port", "camel.management.port")) {
            String value = env.get(key.toUpperCase(Locale.ROOT).replace('.', '_'));
            if (value != null) {
                command.add("-D" + key + "=" + value);
            }
        }
        command.addAll(List.of("-jar", jar));
        try {
            Files.createDirectories(LOG_DIR);
            if (freshLog) {
                Files.deleteIfExists(log);
            }
            long offset = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(Path.of(projectDir).toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            builder.environment().remove("DRILL_HEAP");
            process = builder.start();
            process.getOutputStream().close();
            await(name + " prints its start-up banner (see " + log + ")")
                    .atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited with " + process.exitValue() + " during start-up:\n"
                                    + tail(4000));
                        }
                        return output(offset).contains(BANNER);
                    });
            String port = env.get("CAMEL_SERVER_PORT");
            if (port != null) {
                await(name + " answers /observe/health on port " + port).atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> httpStatus("http://127.0.0.1:" + port + "/observe/health") > 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String overrideLogConfig() {
        Path config = Path.of("target", "test-classes", "drills", "log4j2-drill.properties").toAbsolutePath();
        if (!Files.exists(config)) {
            throw new IllegalStateException(config + " is missing");
        }
        return config.toString();
    }

    private static int httpStatus(String url) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook, no in-flight batch finished, no offsets committed. */
    void kill9() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    private void killIfRunning() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** SIGTERM, as an orchestrator stopping an instance; returns the exit code. */
    int terminate() {
        process.destroy();
        return waitForExit(Duration.ofSeconds(40));
    }

    private int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not exit within " + timeout.toSeconds() + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Resident set size of the process in KiB, from /proc/<pid>/status (0 once it has ended). */
    long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** Everything the process printed so far (all runs of this name). */
    String output() {
        return output(0);
    }

    private String output(long from) {
        try {
            byte[] bytes = Files.readAllBytes(log);
            return new String(bytes, (int) Math.min(from, bytes.length), (int) Math.max(0, bytes.length - from),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String tail(int chars) {
        String all = output();
        return all.substring(Math.max(0, all.length() - chars));
    }

    /** How many times this instance's consumer (re)joined its group, from the coordinator's log lines. */
    int groupJoins() {
        return generations().size();
    }

    /** The group generations this instance joined, in order. */
    List<Integer> generations() {
        List<Integer> generations = new ArrayList<>();
        Matcher m = JOINED.matcher(output());
        while (m.find()) {
            generations.add(Integer.parseInt(m.group(1)));
        }
        return generations;
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            terminate();
        }
    }
}

package io.vendstream.runtime;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One data directory, one owner, with the packaged jar: a second start on a running instance's
 * directory (other ports, as a mistake in a second terminal or a service manager's restart would
 * make) exits at once with a message naming the owner, and the running instance's PostgreSQL, its
 * health and its ingest are untouched; once the owner is killed with {@code kill -9}, the next
 * start takes the directory over and stops the PostgreSQL server it left behind, as before.
 */
class DataDirectoryOwnerIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_refuse_a_second_start_on_a_running_instances_data_directory_and_hand_it_over_after_kill_9() throws Exception {
        Path data = PackagedApp.newDataDirectory("one-owner");
        try (PackagedApp owner = PackagedApp.start("one-owner", ports(data))) {
            owner.awaitHealthy(Duration.ofMinutes(4));
            long postmaster = postmasterPid(data);
            // health answers before every API route has started
            long storedBefore = await("the pipeline status of " + owner.baseUrl()).atMost(Duration.ofSeconds(60))
                    .ignoreExceptions().until(() -> stored(owner), n -> n >= 0);

            // the owner's own start is over (its Kafka consumers have joined): health stays UP for a while
            await("the owner's health to settle").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).until(() -> healthStatus(owner) == 200);

            List<String> notHealthy = new CopyOnWriteArrayList<>();
            ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
            watcher.scheduleWithFixedDelay(() -> {
                int status = healthStatus(owner);
                if (status != 200) {
                    notHealthy.add(status + " at " + java.time.Instant.now());
                }
            }, 0, 100, TimeUnit.MILLISECONDS);

            int exit;
            String refusal;
            try (PackagedApp second = PackagedApp.start("one-owner-second", ports(data))) {
                exit = second.waitForExit(Duration.ofSeconds(60));
                refusal = second.output();
                await("the owner stays healthy after the refused start").during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(10)).until(() -> healthStatus(owner) == 200);
            } finally {
                watcher.shutdown(); // the reading in progress completes: an interrupted one would look like an outage
                watcher.awaitTermination(10, TimeUnit.SECONDS);
            }

            assertThat(exit).as("exit code of the second start; output:%n%s", refusal).isNotZero();
            assertThat(refusal).contains("The data directory " + data + " is in use by another vendstream instance",
                    "pid " + owner.pid(), "dashboard " + owner.baseUrl() + "/");
            assertThat(refusal).as("the second start touched neither server")
                    .doesNotContain("PostgreSQL server", "Created topics", "Starting embedded");
            assertThat(notHealthy).as("the owner's health while the second start ran").isEmpty();
            assertThat(postmasterPid(data)).as("the owner's PostgreSQL").isEqualTo(postmaster);
            await("the owner keeps storing the simulator's events").atMost(Duration.ofSeconds(30))
                    .until(() -> stored(owner) > storedBefore);
            assertThat(owner.output()).as("the owner's log").doesNotContain("exited unexpectedly", "Ingest is paused");

            owner.kill9();
            assertThat(isAlive(postmaster)).as("kill -9 of the JVM leaves its PostgreSQL running").isTrue();
            owner.restart().awaitHealthy(Duration.ofMinutes(4));

            assertThat(owner.output()).contains("(pid " + postmaster + ") from an earlier run that did not shut down");
            assertThat(postmasterPid(data)).as("a new PostgreSQL").isNotEqualTo(postmaster);
            assertThat(Files.readString(data.resolve("vendstream.lock"))).contains("pid=" + owner.pid());
        }
    }

    private static Map<String, String> ports(Path data) {
        return Map.of(
                "VENDSTREAM_DATA_DIR", data.toString(),
                "VENDSTREAM_KAFKA_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()),
                "VENDSTREAM_KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestInfrastructure.freePort()),
                "VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(TestInfrastructure.freePort()));
    }

    private static long postmasterPid(Path data) throws Exception {
        return Long.parseLong(Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(0).trim());
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static long stored(PackagedApp app) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/pipeline")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/api/pipeline answered " + response.statusCode());
        }
        return JSON.readTree(response.body()).path("stored").asLong();
    }

    private static int healthStatus(PackagedApp app) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}

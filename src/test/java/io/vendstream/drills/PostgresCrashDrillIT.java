package io.vendstream.drills;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.vendstream.support.Kafka;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application runs its own embedded PostgreSQL; its postmaster is killed with SIGKILL in the
 * middle of a burst, twice. vendstream restarts the server on the same data directory each time
 * and ingest carries on by itself.
 */
@Tag("drill")
class PostgresCrashDrillIT {

    private static final String RESTARTED = "The embedded PostgreSQL server is running again";

    @Test
    void should_store_every_event_exactly_once_when_the_embedded_postgresql_is_killed_twice_mid_burst() throws Exception {
        int dbPort = TestInfrastructure.freePort();
        DrillRig rig = DrillRig.on("pgcrash", TestInfrastructure.get().bootstrapServers(),
                "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres");
        Map<String, String> env = rig.env("a");
        env.remove("VENDSTREAM_DB_URL"); // embedded mode: the application runs and supervises the server
        env.put("VENDSTREAM_DB_EMBEDDED_PORT", String.valueOf(dbPort));
        // the first restart waits 3 s instead of 1 s: a restart that fast is over before a health
        // request made while the database is gone has answered, and the DOWN would go unseen
        env.put("VENDSTREAM_DB_EMBEDDED_RESTART_INITIAL_DELAY_MILLIS", "3000");
        Path pidFile = Path.of(env.get("VENDSTREAM_DATA_DIR"), "postgres", "postmaster.pid");
        EventPlan plan = EventPlan.mixed(30_000, 40, 400);
        int half = plan.records() / 2;
        try (Kafka kafka = rig.producer(); PackagedApp app = rig.start("a", env)) {
            String health = app.baseUrl() + "/observe/health";
            rig.publish(kafka, plan.items().subList(0, half));
            long firstKill = killPostmasterOnceIngestPasses(rig, pidFile, 2_000);
            long firstDown = awaitDownThenUp(app, health, 1);

            rig.publish(kafka, plan.items().subList(half, plan.records()));
            long secondKill = killPostmasterOnceIngestPasses(rig, pidFile, half + 2_000);
            long secondDown = awaitDownThenUp(app, health, 2);

            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            rig.assertExact(plan);
            assertThat(rig.recordsIn(rig.dlqTopic())).as("dead letters = the invalid records published, no valid one")
                    .isEqualTo(plan.rejected());
            assertThat(app.output()).as("no batch was given up").doesNotContain("IngestHaltedException");
            assertThat(app.isAlive()).as("the application itself never stopped").isTrue();
            DrillRig.report("PostgreSQL killed twice", String.format("%d records (%d valid, %d duplicates, %d invalid); "
                            + "postmaster killed at %d and %d consumed; health DOWN for %d ms and %d ms; exact",
                    plan.records(), plan.valid(), plan.duplicates(), plan.rejected(), firstKill, secondKill,
                    firstDown, secondDown));
        }
    }

    /** Waits until ingest has consumed {@code atLeast} records, then kills the postmaster; returns the count at the kill. */
    private static long killPostmasterOnceIngestPasses(DrillRig rig, Path pidFile, long atLeast) throws Exception {
        await("ingest passes " + atLeast + " records").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> rig.ledger().consumed() >= atLeast);
        long consumed = rig.ledger().consumed();
        // as root the server runs as nobody: its pid is only known from its lock file
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        assertThat(postmaster.destroyForcibly()).as("SIGKILL sent to the postmaster " + pid).isTrue();
        postmaster.onExit().get();
        return consumed;
    }

    /** Health goes DOWN (503) while the server is gone and UP (200) after the restart; returns the DOWN time. */
    private static long awaitDownThenUp(PackagedApp app, String health, int restarts) {
        HttpClient http = HttpClient.newHttpClient();
        await("health is DOWN while PostgreSQL is gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions().until(() -> status(http, health) == 503);
        long down = System.nanoTime();
        await("the application restarts PostgreSQL").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .until(() -> app.output().split(RESTARTED, -1).length - 1 >= restarts);
        await("health is UP again").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> status(http, health) == 200);
        assertThat(List.of(app.output().split("\n"))).as("a log line per restart attempt")
                .filteredOn(l -> l.contains("Restarting the embedded PostgreSQL server, attempt")).hasSizeGreaterThanOrEqualTo(restarts);
        return (System.nanoTime() - down) / 1_000_000;
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}

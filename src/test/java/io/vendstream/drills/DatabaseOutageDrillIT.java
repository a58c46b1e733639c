package io.vendstream.drills;

import java.nio.file.Path;
import java.time.Duration;

import io.vendstream.runtime.ManagedPostgres;
import io.vendstream.support.Kafka;
import io.vendstream.support.PackagedApp;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL is stopped for 30 s while the application works through a burst and more events
 * arrive, then started again. The drill runs its own PostgreSQL server, so no other test notices.
 */
@Tag("drill")
class DatabaseOutageDrillIT {

    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static ManagedPostgres postgres;

    @BeforeAll
    static void startOwnDatabase() {
        postgres = new ManagedPostgres(Path.of("target", "drills", "db-outage").toAbsolutePath(),
                TestInfrastructure.freePort(), TestInfrastructure.USER, TestInfrastructure.PASSWORD).start();
    }

    @AfterAll
    static void stopOwnDatabase() {
        postgres.close();
    }

    @Test
    void should_store_every_event_exactly_once_and_dead_letter_none_when_postgresql_is_down_for_30_seconds() throws Exception {
        DrillRig rig = DrillRig.on("dbdown", TestInfrastructure.get().bootstrapServers(), postgres.jdbcUrl("postgres"));
        EventPlan plan = EventPlan.mixed(30_000, 40, 400);
        int half = plan.records() / 2;
        try (Kafka kafka = rig.producer(); PackagedApp app = rig.start("a")) {
            rig.publish(kafka, plan.items().subList(0, half));
            await("ingest is under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> rig.ledger().consumed() >= 2_000);

            postgres.close();
            long outageStarted = System.nanoTime();
            // the second half arrives while the database is down
            rig.publish(kafka, plan.items().subList(half, plan.records()));
            await("the application reports the outage").atMost(Duration.ofMinutes(1))
                    .until(() -> app.output().contains("Ingest is paused"));
            await("the application stays up for the whole outage").during(OUTAGE.minusNanos(System.nanoTime() - outageStarted))
                    .atMost(OUTAGE.plusSeconds(10)).until(app::isAlive);
            postgres.start();
            long outageSeconds = (System.nanoTime() - outageStarted) / 1_000_000_000L;

            long recovering = System.nanoTime();
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            double catchUp = (System.nanoTime() - recovering) / 1e9;
            await("the application reports recovery").atMost(Duration.ofSeconds(30))
                    .until(() -> app.output().contains("Ingest resumed after"));
            rig.assertExact(plan);
            assertThat(app.output()).as("no batch was given up").doesNotContain("IngestHaltedException");
            DrillRig.report("PostgreSQL down", String.format("%d records (%d valid, %d duplicates, %d invalid); database down "
                            + "%d s; caught up %.1f s after it came back; exact", plan.records(), plan.valid(), plan.duplicates(),
                    plan.rejected(), outageSeconds, catchUp));
        }
    }
}

package io.vendstream.drills;

import java.time.Duration;

import io.vendstream.support.Kafka;
import io.vendstream.support.PackagedApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The application process is killed with SIGKILL while it works through a burst, then started again. */
@Tag("drill")
class KillNineDrillIT {

    @Test
    void should_store_every_event_exactly_once_when_the_application_is_killed_mid_burst() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("kill9");
        EventPlan plan = EventPlan.mixed(30_000, 40, 400);
        try (Kafka kafka = rig.producer()) {
            rig.publish(kafka, plan.items());
        }
        long started = System.nanoTime();
        try (PackagedApp app = rig.start("a")) {
            await("ingest is under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> rig.ledger().consumed() >= 4_000);
            app.kill9();
            long consumedAtKill = rig.ledger().consumed();
            assertThat(consumedAtKill).as("the kill came in the middle of the burst").isLessThan(plan.records());

            app.restart().awaitBanner(DrillRig.START_TIMEOUT);
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            double seconds = (System.nanoTime() - started) / 1e9;
            rig.assertExact(plan);
            DrillRig.report("kill -9", String.format("%d records (%d valid, %d duplicates, %d invalid); killed at %d consumed; "
                            + "all reconciled %.1f s after the first start", plan.records(), plan.valid(), plan.duplicates(),
                    plan.rejected(), consumedAtKill, seconds));
        }
    }
}

package io.vendstream.drills;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.PackagedApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Another session holds an exclusive lock on {@code sales} for 20 s, far longer than a batch
 * should take, while events keep arriving: ingest waits, the consumer stays in its group (no
 * rebalance storm), and nothing is lost once the lock goes.
 */
@Tag("drill")
class SlowDatabaseDrillIT {

    private static final Duration LOCK_HELD = Duration.ofSeconds(20);

    @Test
    void should_wait_without_rebalancing_or_losing_events_while_a_table_is_locked() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("slowdb");
        EventPlan plan = EventPlan.mixed(20_000, 40, 400);
        int half = plan.records() / 2;
        Ledger ledger = rig.ledger();
        try (Kafka kafka = rig.producer(); PackagedApp app = rig.start("a")) {
            rig.publish(kafka, plan.items().subList(0, half));
            await("ingest is under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ledger.consumed() >= 2_000);
            int joinsBefore = DrillRig.groupJoins(app);

            try (Connection lock = ledger.connect(); Statement st = lock.createStatement()) {
                lock.setAutoCommit(false);
                st.execute("lock table sales in access exclusive mode");
                long locked = System.nanoTime();
                rig.publish(kafka, plan.items().subList(half, plan.records()));
                await("an ingest transaction waits for the lock").atMost(LOCK_HELD).pollInterval(Duration.ofMillis(200))
                        .until(() -> ledger.queryLong("select count(*) from pg_stat_activity where application_name = 'vendstream' "
                                + "and wait_event_type = 'Lock'") > 0);
                await("the application stays up while the lock is held").during(LOCK_HELD.minusNanos(System.nanoTime() - locked))
                        .atMost(LOCK_HELD.plusSeconds(10)).until(app::isAlive);
                lock.commit();
            }
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            rig.assertExact(plan);
            assertThat(DrillRig.groupJoins(app)).as("group joins during the lock (a rebalance would show as a new generation)")
                    .isEqualTo(joinsBefore);
            assertThat(rig.assignments()).as("still one member holding all three partitions").hasSize(1)
                    .allSatisfy((member, partitions) -> assertThat(partitions).hasSize(3));
            DrillRig.report("slow database", String.format("%d records (%d valid, %d duplicates, %d invalid); sales locked %d s; "
                            + "group generations %s (no rebalance); exact", plan.records(), plan.valid(), plan.duplicates(),
                    plan.rejected(), LOCK_HELD.toSeconds(), DrillRig.generations(app)));
        }
    }
}

package io.vendstream.drills;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.PackagedApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second instance joins the consumer group while the first is in the middle of a batch with a
 * backlog behind it, takes over partitions, and leaves again (SIGTERM) while more events arrive:
 * the records handed from one instance to the other are redelivered, and must not count twice.
 *
 * <p>Ingest drains a burst of tens of thousands of events in a second or two, faster than a JVM
 * starts and a group rebalances. So the backlog is made deterministic: another session locks
 * {@code sales} before the burst, the first instance's next batch waits on that lock, and the lock
 * is let go only once the second instance has asked to join (the rebalance waits for the first
 * instance to finish its batch, as it would for any slow batch).
 */
@Tag("drill")
class RebalanceDrillIT {

    /** The Kafka consumer's heartbeat interval (Camel's default; the ingest route does not set it). */
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(3);

    @Test
    void should_count_nothing_twice_when_a_second_instance_joins_and_leaves_under_load() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("rebalance");
        EventPlan plan = EventPlan.mixed(60_000, 40, 400);
        List<EventPlan.Item> items = plan.items();
        int first = items.size() / 6;
        int second = items.size() * 2 / 3;
        Ledger ledger = rig.ledger();
        try (Kafka kafka = rig.producer(); PackagedApp a = rig.start("a");
             Connection lock = ledger.connect(); Statement st = lock.createStatement()) {
            rig.publish(kafka, items.subList(0, first));
            rig.awaitConsumed(first, Duration.ofMinutes(3));
            lock.setAutoCommit(false);
            st.execute("lock table sales in access exclusive mode");
            rig.publish(kafka, items.subList(first, second));
            await("a's batch waits for the lock").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> ledger.queryLong("select count(*) from pg_stat_activity where application_name = 'vendstream' "
                            + "and wait_event_type = 'Lock'") > 0);
            try (PackagedApp b = rig.start("b")) {
                await("b asks to join the group").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .until(() -> b.output().contains("(Re-)joining group"));
                // a learns of the rebalance from its next heartbeat (every 3 s, from its own thread while
                // its batch waits); let go of the lock only after that, or a would drain the whole burst
                // in the seconds before it hears, and b would find no backlog
                Thread.sleep(HEARTBEAT_INTERVAL.multipliedBy(2).toMillis());
                lock.commit();
                await("b joins the group and gets partitions").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions()
                        .until(() -> DrillRig.groupJoins(b) >= 1 && rig.assignments().size() == 2
                                && rig.assignments().values().stream().noneMatch(Set::isEmpty));
                long consumedAtJoin = ledger.consumed();
                assertThat(consumedAtJoin).as("the burst is still a backlog when b joins").isLessThan(second);
                await("both instances work on the burst").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptions()
                        .until(() -> ledger.consumed() >= consumedAtJoin + 2_000);
                long consumedAtLeave = ledger.consumed();
                assertThat(consumedAtLeave).as("b leaves while there is still a backlog").isLessThan(second);
                CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> rig.publish(kafka, items.subList(second, items.size())));
                assertThat(b.terminate()).as("b stops cleanly on SIGTERM").isZero();
                rest.get();

                rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
                rig.assertExact(plan);
                assertThat(DrillRig.groupJoins(a)).as("a rejoined the group when b joined and again when b left").isGreaterThanOrEqualTo(3);
                DrillRig.report("rebalance", String.format("%d records (%d valid, %d duplicates, %d invalid); b joined at %d consumed, "
                                + "left at %d; generations a=%s b=%s; exact", plan.records(), plan.valid(), plan.duplicates(),
                        plan.rejected(), consumedAtJoin, consumedAtLeave, DrillRig.generations(a), DrillRig.generations(b)));
            }
        }
    }
}

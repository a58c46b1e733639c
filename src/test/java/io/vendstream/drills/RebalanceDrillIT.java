package io.vendstream.drills;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.vendstream.support.Kafka;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second instance joins the consumer group while the first works through a burst, takes over
 * partitions, and leaves again (SIGTERM) while more events arrive: the records handed from one
 * instance to the other are redelivered, and must not count twice.
 */
@Tag("drill")
class RebalanceDrillIT {

    @Test
    void should_count_nothing_twice_when_a_second_instance_joins_and_leaves_under_load() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("rebalance");
        EventPlan plan = EventPlan.mixed(45_000, 40, 400);
        List<EventPlan.Item> items = plan.items();
        int first = items.size() / 6;
        int second = items.size() * 2 / 3;
        try (Kafka kafka = rig.producer(); AppProcess a = rig.start("a")) {
            rig.publish(kafka, items.subList(0, first));
            try (AppProcess b = rig.start("b")) {
                // the burst arrives while b's consumer is joining the group
                CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> rig.publish(kafka, items.subList(first, second)));
                await("b joins the group and gets partitions").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> b.groupJoins() >= 1 && rig.assignments().size() == 2
                                && rig.assignments().values().stream().noneMatch(Set::isEmpty));
                long consumedAtJoin = rig.ledger().consumed();
                burst.get();
                await("both instances work on the burst").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> rig.ledger().consumed() >= consumedAtJoin + 2_000);
                long consumedAtLeave = rig.ledger().consumed();
                assertThat(consumedAtLeave).as("b leaves while there is still a backlog").isLessThan(second);
                CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> rig.publish(kafka, items.subList(second, items.size())));
                assertThat(b.terminate()).as("b stops cleanly on SIGTERM").isZero();
                rest.get();

                rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
                rig.assertExact(plan);
                assertThat(a.groupJoins()).as("a rejoined the group when b joined and again when b left").isGreaterThanOrEqualTo(3);
                DrillRig.report("rebalance", String.format("%d records (%d valid, %d duplicates, %d invalid); b joined at %d consumed, "
                                + "left at %d; generations a=%s b=%s; exact", plan.records(), plan.valid(), plan.duplicates(),
                        plan.rejected(), consumedAtJoin, consumedAtLeave, a.generations(), b.generations()));
            }
        }
    }
}

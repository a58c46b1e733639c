package io.vendstream.drills;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.vendstream.support.Kafka;
import io.vendstream.support.PackagedApp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two ingest-only instances (simulator and API off) share one consumer group, one broker and one
 * database; the test publishes from a third process, its own JVM. Both must get partitions and the
 * counts must be exact; the throughput is reported.
 */
@Tag("drill")
class ScaleOutDrillIT {

    @Test
    void should_share_the_partitions_between_two_instances_and_store_every_event_once() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("scaleout");
        EventPlan plan = EventPlan.mixed(50_000, 50, 500);
        try (PackagedApp a = rig.start("a"); PackagedApp b = rig.start("b"); Kafka kafka = rig.producer()) {
            await("both instances hold partitions").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> rig.assignments().size() == 2
                            && rig.assignments().values().stream().noneMatch(Set::isEmpty));
            Map<String, Set<TopicPartition>> assignment = rig.assignments();

            long start = System.nanoTime();
            rig.publish(kafka, plan.items());
            double published = (System.nanoTime() - start) / 1e9;
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            double seconds = (System.nanoTime() - start) / 1e9;

            rig.assertExact(plan);
            assertThat(rig.ledger().queryLong("select count(distinct source_partition) from processed_events"))
                    .as("partitions with stored events").isEqualTo(3);
            assertThat(rig.assignments()).as("still two members after the run").hasSize(2);
            assertThat(DrillRig.groupJoins(a)).as("a stayed in the group (joined, then rebalanced once when b joined)")
                    .isLessThanOrEqualTo(3);
            DrillRig.report("scale-out", String.format("2 instances, %d records (%d valid, %d duplicates, %d invalid) "
                            + "published in %.1f s, all stored and reconciled in %.1f s: %.0f records/s end to end; "
                            + "assignment %s; exact", plan.records(), plan.valid(), plan.duplicates(), plan.rejected(), published,
                    seconds, plan.records() / seconds, describe(assignment)));
        }
    }

    private static String describe(Map<String, Set<TopicPartition>> assignment) {
        return assignment.values().stream()
                .map(ps -> ps.stream().map(TopicPartition::partition).sorted().toList().toString())
                .sorted().toList().toString();
    }
}

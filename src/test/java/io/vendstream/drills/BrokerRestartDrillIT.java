package io.vendstream.drills;

import java.nio.file.Path;
import java.time.Duration;

import io.vendstream.runtime.EmbeddedKafka;
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
 * The Kafka broker is shut down while the application works through a burst, and started again
 * on the same log directory and address. The broker is the drill's own (in the test JVM), not
 * the application's and not the one other tests share.
 */
@Tag("drill")
class BrokerRestartDrillIT {

    private static EmbeddedKafka broker;

    @BeforeAll
    static void startOwnBroker() {
        Path dir = Path.of("target", "drills", "broker-restart").toAbsolutePath();
        TestInfrastructureDirs.delete(dir);
        // fixed for the drill's lifetime, so the restarted broker comes back on the same address
        broker = new EmbeddedKafka(dir, TestInfrastructure.freePort(), TestInfrastructure.freePort()).start();
    }

    @AfterAll
    static void stopOwnBroker() {
        broker.close();
    }

    @Test
    void should_store_every_event_exactly_once_when_the_broker_restarts_under_load() throws Exception {
        DrillRig rig = DrillRig.on("brokerrestart", broker.bootstrapServers(), TestInfrastructure.get().jdbcUrl());
        EventPlan plan = EventPlan.mixed(30_000, 40, 400);
        int firstPart = plan.records() * 2 / 3;
        try (PackagedApp app = rig.start("a")) {
            try (Kafka kafka = rig.producer()) {
                rig.publish(kafka, plan.items().subList(0, firstPart));
            }
            await("ingest is under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> rig.ledger().consumed() >= 2_000);

            long down = System.nanoTime();
            broker.close();
            long consumedWhileDown = rig.ledger().consumed();
            await("the application stays up while the broker is away").during(Duration.ofSeconds(10))
                    .atMost(Duration.ofSeconds(20)).until(app::isAlive);
            broker.start();
            long downSeconds = (System.nanoTime() - down) / 1_000_000_000L;

            // and the rest of the burst arrives after the restart
            try (Kafka kafka = rig.producerAfterBrokerRestart()) {
                rig.publish(kafka, plan.items().subList(firstPart, plan.records()));
            }
            long recovering = System.nanoTime();
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(5));
            double catchUp = (System.nanoTime() - recovering) / 1e9;
            assertThat(consumedWhileDown).as("the restart came in the middle of the burst").isLessThan(firstPart);
            rig.assertExact(plan);
            DrillRig.report("broker restart", String.format("%d records (%d valid, %d duplicates, %d invalid); broker down %d s "
                            + "at %d consumed; caught up %.1f s after the rest was published; exact", plan.records(), plan.valid(),
                    plan.duplicates(), plan.rejected(), downSeconds, consumedWhileDown, catchUp));
        }
    }
}

package io.vendstream.drills;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vendstream.support.Events;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.PackagedApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edges of the input: one 10 MB event, 100,000 invalid events in a row, and 20,000 copies of
 * one event, followed by ordinary traffic. The pipeline keeps up with a bounded heap, the dead
 * letter records every rejection (the 10 MB payload byte for byte), and the flood counts once.
 */
@Tag("drill")
class BadInputDrillIT {

    private static final int BIG = 10 * 1024 * 1024;
    private static final int INVALID = 100_000;
    private static final int COPIES = 20_000;
    /** The application runs with -Xmx384m; a JVM with that heap stays well inside this. */
    private static final long RSS_LIMIT_KIB = 900 * 1024;

    @Test
    void should_keep_up_with_bounded_memory_and_dead_letter_a_huge_event_and_a_flood_of_invalid_ones() throws Exception {
        DrillRig rig = DrillRig.onSharedInfrastructure("badinput");
        byte[] big = bigPayload();
        EventPlan plan = EventPlan.empty().rejected(new EventPlan.Item("BIG-01", big), "PAYLOAD_TOO_LARGE");
        for (int i = 0; i < INVALID; i++) {
            // alternate between bytes that are not JSON and well-formed events that break the contract
            byte[] bad = i % 2 == 0 ? Events.utf8("{\"eventId\": \"" + i)
                    : Events.utf8("{\"eventId\":\"00000000-0000-0000-0000-" + String.format("%012d", i) + "\",\"type\":\"sale\"}");
            plan.rejected(new EventPlan.Item("BAD-" + (i % 30), bad), i % 2 == 0 ? "MALFORMED_JSON" : "SCHEMA_VIOLATION");
        }
        Map<String, Object> flooded = Events.sale("FLOOD-01", "Aqua 600ml", 1, "5000", 10);
        flooded.put("occurredAt", Events.timestamp(Instant.now().minusSeconds(7200)));
        plan.copies(flooded, COPIES).then(EventPlan.mixed(5_000, 50, 0));

        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        AtomicLong peakRss = new AtomicLong();
        try (PackagedApp app = rig.start("a"); Kafka kafka = rig.producer()) {
            long idleRss = app.rssKib();
            sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(app.rssKib(), Math::max), 0, 200, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            rig.publish(kafka, plan.items());
            rig.awaitConsumed(plan.records(), Duration.ofMinutes(4));
            double seconds = (System.nanoTime() - start) / 1e9;
            sampler.shutdownNow();

            rig.assertExact(plan);
            Ledger ledger = rig.ledger();
            assertThat(storedPayload(ledger)).as("the 10 MB payload in rejected_events, byte for byte").isEqualTo(big);
            assertThat(rig.recordsIn(rig.dlqTopic())).as("dead letters published").isEqualTo(INVALID + 1);
            assertThat(peakRss.get()).as("peak resident memory of the application (KiB)").isLessThan(RSS_LIMIT_KIB);
            assertThat(app.isAlive()).isTrue();
            DrillRig.report("bad input", String.format("one %d-byte event, %d invalid in a row, %d copies of one event, then %d "
                            + "ordinary records: %d records reconciled in %.1f s (%.0f records/s); RSS idle %d MiB, peak %d MiB "
                            + "(heap -Xmx384m); 10 MB payload kept byte for byte; %d dead letters; exact", BIG, INVALID, COPIES,
                    plan.records() - 1 - INVALID - COPIES, plan.records(), seconds, plan.records() / seconds, idleRss / 1024,
                    peakRss.get() / 1024, INVALID + 1));
        } finally {
            sampler.shutdownNow();
        }
    }

    /** A well-formed event padded to 10 MB with an unknown field, so only its size is wrong. */
    private static byte[] bigPayload() {
        String head = new String(Events.json(Events.sale("BIG-01", "Aqua 600ml", 1, "5000", 10)), StandardCharsets.UTF_8);
        StringBuilder json = new StringBuilder(BIG).append(head, 0, head.length() - 1).append(",\"padding\":\"");
        char[] fill = new char[BIG - json.length() - 2];
        Arrays.fill(fill, 'x');
        return json.append(fill).append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] storedPayload(Ledger ledger) throws Exception {
        try (Connection c = ledger.connect(); PreparedStatement st = c.prepareStatement(
                "select payload from rejected_events where reason = 'PAYLOAD_TOO_LARGE'");
             ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).as("a PAYLOAD_TOO_LARGE row").isTrue();
            byte[] payload = rs.getBytes(1);
            assertThat(rs.next()).as("exactly one PAYLOAD_TOO_LARGE row").isFalse();
            return payload;
        }
    }
}

package io.vendstream.alerts;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a rule whose answer changes only with what is stored reads again. */
class IngestGateTest {

    private final AtomicLong now = new AtomicLong();
    private final IngestGate gate = new IngestGate(500, now::get);

    @Test
    void should_read_again_once_something_was_stored_since_the_last_reading_or_the_quiet_time_has_passed() {
        Map<Integer, Long> stored = Map.of(0, 10L, 1, 4L);
        assertThat(gate.readAgain("stock-mismatch", stored, 600)).as("never read").isTrue();
        gate.read("stock-mismatch", stored);
        now.addAndGet(TimeUnit.SECONDS.toNanos(599));
        assertThat(gate.readAgain("stock-mismatch", Map.of(0, 10L, 1, 4L), 600)).as("nothing stored since").isFalse();
        assertThat(gate.readAgain("stock-mismatch", Map.of(0, 10L, 1, 5L), 600)).as("one record stored since").isTrue();
        assertThat(gate.readAgain("stock-mismatch", null, 600)).as("what is stored is not known").isTrue();
        assertThat(gate.readAgain("stock-mismatch", stored, 0)).as("read every period").isTrue();
        assertThat(gate.readAgain("telemetry-gap", stored, 600)).as("another rule's reading").isTrue();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(gate.readAgain("stock-mismatch", stored, 600)).as("the quiet time has passed").isTrue();
    }

    @Test
    void should_forget_a_reading_begun_when_what_was_stored_was_not_known() {
        gate.read("stock-mismatch", Map.of(0, 10L));
        gate.read("stock-mismatch", null);
        assertThat(gate.readAgain("stock-mismatch", Map.of(0, 10L), 600)).isTrue();
    }
}

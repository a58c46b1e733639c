package io.vendstream.ingest;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest consumer polls briefly while events are coming and long once they stopped: the long
 * poll starts only after longer than a partial batch can wait, so a batch is always handed on first.
 */
class IngestKafkaClientsTest {

    private static final Duration SHORT = Duration.ofMillis(1);
    private final IngestKafkaClients clients = new IngestKafkaClients(500, 5);

    @Test
    void should_keep_the_short_poll_while_events_came_within_the_batch_wait_and_its_margin() {
        assertThat(clients.timeout(SHORT, 0)).isEqualTo(SHORT);
        // an empty poll that returned early, right after records: still short
        assertThat(clients.timeout(SHORT, Duration.ofMillis(1).toNanos() / 2)).isEqualTo(SHORT);
        assertThat(clients.timeout(SHORT, Duration.ofMillis(5 + IngestKafkaClients.MARGIN_MILLIS).toNanos())).isEqualTo(SHORT);
    }

    @Test
    void should_wait_long_once_nothing_came_for_longer() {
        assertThat(clients.timeout(SHORT, Duration.ofMillis(5 + IngestKafkaClients.MARGIN_MILLIS + 1).toNanos()))
                .isEqualTo(Duration.ofMillis(500));
        assertThat(clients.timeout(SHORT, Duration.ofSeconds(60).toNanos())).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void should_never_shorten_a_longer_timeout_asked_for() {
        assertThat(clients.timeout(Duration.ofSeconds(2), Duration.ofSeconds(60).toNanos())).isEqualTo(Duration.ofSeconds(2));
    }
}

package io.vendstream.ingest;

import io.vendstream.support.Events;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.Test;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The application stops in the middle of a stream and starts again on the same topic and database. */
class IngestRestartTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    @Test
    void should_lose_and_duplicate_nothing_when_stopped_mid_stream_and_started_again() {
        Namespace ns = INFRA.namespace("restart");
        Ledger ledger = Ledger.of(ns);
        int total = 100_000;
        try (Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            VendstreamApp first = VendstreamApp.start(ns);
            String[] machines = {"ENG-01", "ENG-02", "LIB-01", "MED-01", "SC-01", "CS-01", "LAW-01"};
            for (int i = 0; i < total; i++) {
                String machine = machines[i % machines.length];
                kafka.sendAsync(ns.topic(), machine, Events.json(Events.sale(machine, "Roti Sobek", 1, "7000", 10)));
            }
            kafka.flush();
            await().atMost(60, SECONDS).until(() -> ledger.consumed() > 0);
            first.close();
            long consumedBeforeRestart = ledger.consumed();

            try (VendstreamApp second = VendstreamApp.start(ns)) {
                await().atMost(120, SECONDS).until(() -> ledger.consumed() >= total);
            }
            assertThat(consumedBeforeRestart).as("the stop really came mid-stream").isLessThan(total);
            Ledger.Counters counters = ledger.counters();
            assertThat(counters.consumed()).isEqualTo(total);
            assertThat(counters.stored()).isEqualTo(total);
            assertThat(counters.duplicates()).isZero();
            ledger.assertReconciles();
        }
    }
}

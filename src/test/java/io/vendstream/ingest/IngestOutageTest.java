package io.vendstream.ingest;

import java.nio.file.Path;
import java.util.Properties;

import io.vendstream.runtime.ManagedPostgres;
import io.vendstream.support.Events;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL goes away while events keep arriving. This class runs its own PostgreSQL server, so
 * stopping it disturbs no other test.
 */
class IngestOutageTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();
    private static ManagedPostgres postgres;

    @BeforeAll
    static void startOwnDatabase() {
        postgres = new ManagedPostgres(Path.of("target", "outage-postgres").toAbsolutePath(), TestInfrastructure.freePort(),
                TestInfrastructure.USER, TestInfrastructure.PASSWORD).start();
    }

    @AfterAll
    static void stopOwnDatabase() {
        postgres.close();
    }

    @Test
    void should_store_every_event_exactly_once_and_dead_letter_none_when_postgresql_is_down_for_a_while() {
        Namespace ns = INFRA.namespace("outage");
        Ledger ledger = ledger(ns);
        try (VendstreamApp app = VendstreamApp.start(onOwnDatabase(ns)); Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            OutageLog outage = app.context().getRegistry().lookupByNameAndType("ingestOutageLog", OutageLog.class);
            publish(kafka, ns, 0, 300);
            await().atMost(60, SECONDS).until(() -> ledger.consumed() >= 300);

            postgres.close();
            publish(kafka, ns, 300, 300);
            await("ingest notices the outage and pauses").atMost(60, SECONDS).until(outage::isFailing);
            publish(kafka, ns, 600, 300);

            postgres.start();
            await().atMost(120, SECONDS).until(() -> ledger.consumed() >= 900);
            await().atMost(30, SECONDS).until(() -> !outage.isFailing());

            Ledger.Counters counters = ledger.counters();
            assertThat(counters.consumed()).isEqualTo(900);
            assertThat(counters.stored()).isEqualTo(900);
            assertThat(counters.duplicates()).isZero();
            assertThat(counters.rejected()).as("nothing valid is dead-lettered because of an outage").isZero();
            ledger.assertReconciles();
        }
    }

    @Test
    void should_stop_the_ingest_route_promptly_while_a_batch_waits_out_an_outage_and_store_it_once_after() throws Exception {
        Namespace ns = INFRA.namespace("outage_stop");
        Ledger ledger = ledger(ns);
        try (VendstreamApp app = VendstreamApp.start(onOwnDatabase(ns)); Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            OutageLog outage = app.context().getRegistry().lookupByNameAndType("ingestOutageLog", OutageLog.class);
            publish(kafka, ns, 0, 100);
            await().atMost(60, SECONDS).until(() -> ledger.consumed() >= 100);

            postgres.close();
            publish(kafka, ns, 100, 100);
            await("a batch waits out the outage").atMost(60, SECONDS).until(outage::isFailing);
            publish(kafka, ns, 200, 100);
            long started = System.nanoTime();
            app.context().getRouteController().stopRoute("ingest-vending-events", 20, SECONDS);
            assertThat(app.context().getRouteController().getRouteStatus("ingest-vending-events").isStopped()).isTrue();
            assertThat((System.nanoTime() - started) / 1_000_000_000.0)
                    .as("seconds to stop: the batch waiting out the outage gives up").isLessThan(10);

            postgres.start();
            app.context().getRouteController().startRoute("ingest-vending-events");
            await().atMost(120, SECONDS).until(() -> ledger.consumed() >= 300);
            Ledger.Counters counters = ledger.counters();
            assertThat(counters.consumed()).isEqualTo(300);
            assertThat(counters.stored()).isEqualTo(300);
            assertThat(counters.duplicates()).isZero();
            assertThat(counters.rejected()).isZero();
            ledger.assertReconciles();
        }
    }

    /** The application on this class's own PostgreSQL, retrying at most every 2 s. */
    private static Properties onOwnDatabase(Namespace ns) {
        Properties props = ns.appProperties();
        props.setProperty("vendstream.db.url", postgres.jdbcUrl("postgres"));
        props.setProperty("vendstream.ingest.retry.max-delay-millis", "2000");
        return props;
    }

    private static Ledger ledger(Namespace ns) {
        return new Ledger(postgres.jdbcUrl("postgres") + "?currentSchema=" + ns.schema(),
                TestInfrastructure.USER, TestInfrastructure.PASSWORD);
    }

    private static void publish(Kafka kafka, Namespace ns, int from, int count) {
        String[] machines = {"ENG-01", "ENG-02", "LIB-01", "MED-01", "SC-01"};
        for (int i = from; i < from + count; i++) {
            String machine = machines[i % machines.length];
            kafka.sendAsync(ns.topic(), machine, Events.json(Events.sale(machine, "Aqua 600ml", 1, "5000", 40)));
        }
        kafka.flush();
    }
}

package io.vendstream.ingest;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.vendstream.support.Events;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pipelined ingest (vendstream.ingest.pipelined): the consumer reads and validates the next poll
 * while one is being stored, and commits a poll's offsets only once it is stored. The store is held
 * by locking the partitions' fence rows from another connection, as a slow transaction would.
 */
class PipelinedStoreTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();
    private static final String[] MACHINES = {"ENG-01", "ENG-02", "LIB-01", "MED-01", "SC-01"};

    @Test
    void should_read_and_dead_letter_the_next_poll_while_one_is_stored_and_commit_offsets_only_after_the_store() throws Exception {
        Namespace ns = INFRA.namespace("pipelined");
        Properties props = ns.appProperties();
        Ledger ledger = Ledger.of(ns);
        try (VendstreamApp app = VendstreamApp.start(props); Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            publishSales(kafka, ns, 60, MACHINES);
            await().atMost(60, SECONDS).until(() -> ledger.consumed() >= 60);
            await("the first polls' offsets are committed").atMost(30, SECONDS).until(() -> committed(ns) == 60);

            try (Connection lock = ledger.connect()) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.executeQuery("select * from ingest_partitions for update").close();
                }
                // one machine, so one partition and one produce request: one poll
                publishSales(kafka, ns, 20, "ENG-01");
                await("a store waits on the fences").atMost(30, SECONDS)
                        .until(() -> ledger.queryLong("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                                + "and query like '%ingest_partitions%' and pid <> pg_backend_pid()") > 0);

                // the next poll: read, validated and dead-lettered while the one before is still being stored
                kafka.send(ns.topic(), "ENG-01", Events.utf8("{\"type\":\"sale\",\"eventId\":"));
                kafka.readUntil(ns.dlqTopic(), r -> true, Duration.ofSeconds(30));
                assertThat(ledger.consumed()).as("nothing of the held poll is stored yet").isEqualTo(60);
                assertThat(committed(ns)).as("no offset is committed past a poll not yet stored").isEqualTo(60);
                lock.rollback();
            }

            await().atMost(60, SECONDS).until(() -> ledger.consumed() >= 81);
            await("every offset is committed once stored").atMost(30, SECONDS).until(() -> committed(ns) == 81);
            Ledger.Counters counters = ledger.counters();
            assertThat(counters.consumed()).isEqualTo(81);
            assertThat(counters.stored()).isEqualTo(80);
            assertThat(counters.rejected()).isEqualTo(1);
            assertThat(counters.duplicates()).isZero();
            ledger.assertReconciles();
        }
    }

    private static void publishSales(Kafka kafka, Namespace ns, int count, String... machines) {
        for (int i = 0; i < count; i++) {
            String machine = machines[i % machines.length];
            kafka.sendAsync(ns.topic(), machine, Events.json(Events.sale(machine, "Aqua 600ml", 1, "5000", 40)));
        }
        kafka.flush();
    }

    /** The ingest group's committed offsets, summed over the topic's partitions. */
    private static long committed(Namespace ns) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, INFRA.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(ns.group())
                    .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(ns.topic()) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }
}

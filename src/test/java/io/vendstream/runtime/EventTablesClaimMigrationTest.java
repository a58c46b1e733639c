package io.vendstream.runtime;

import java.util.Map;

import io.vendstream.support.Events;
import io.vendstream.support.Kafka;
import io.vendstream.support.Ledger;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upgrading a schema that holds events stored while claims had a table of their own
 * (processed_events up to V5): the claims move onto the rows, and the events stored before the
 * upgrade stay claimed.
 */
class EventTablesClaimMigrationTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    private static final String SALE = "11111111-1111-4111-8111-111111111111";
    private static final String RESTOCK = "22222222-2222-4222-8222-222222222222";
    private static final String UNCLAIMED_RESTOCK = "33333333-3333-4333-8333-333333333333";

    @Test
    void should_keep_the_events_stored_before_the_upgrade_claimed_and_know_where_they_came_from() {
        Namespace ns = INFRA.namespace("claim_migration");
        Flyway.configure()
                .dataSource(INFRA.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD)
                .schemas(ns.schema())
                .createSchemas(true)
                .locations("classpath:db/migration")
                .target("5")
                .load()
                .migrate();
        Ledger ledger = Ledger.of(ns);
        ledger.execute("insert into sales (event_id, machine_id, location, product, category, unit_price, currency, quantity, "
                + "amount, payment_method, stock_after, occurred_at) values ('" + SALE + "', 'OLD-01', 'Library', 'Aqua', 'drink', "
                + "5000, 'IDR', 1, 5000, 'cash', 3, now() - interval '1 hour')");
        ledger.execute("insert into restocks (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at) "
                + "values ('" + RESTOCK + "', 'OLD-01', 'Library', 'Aqua', 'drink', 10, 10, now() - interval '2 hours'), "
                + "('" + UNCLAIMED_RESTOCK + "', 'OLD-02', 'Library', 'Aqua', 'drink', 10, 10, now() - interval '2 hours')");
        ledger.execute("insert into processed_events (event_id, event_type, source_partition, source_offset) values "
                + "('" + SALE + "', 'sale', 2, 41), ('" + RESTOCK + "', 'restock', 2, 40)");

        try (VendstreamApp app = VendstreamApp.start(ns); Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            assertThat(ledger.queryLong("select count(*) from sales where event_id = ?::uuid and source_partition = 2 "
                    + "and source_offset = 41", SALE)).as("the sale's claim moved onto its row").isEqualTo(1);
            assertThat(ledger.queryLong("select count(*) from restocks where event_id = ?::uuid and source_partition = 2 "
                    + "and source_offset = 40", RESTOCK)).as("the restock's claim moved onto its row").isEqualTo(1);
            assertThat(ledger.queryLong("select count(*) from restocks where event_id = ?::uuid and source_partition is null "
                    + "and source_offset is null", UNCLAIMED_RESTOCK)).as("a row without a claim keeps no source").isEqualTo(1);
            assertThat(ledger.queryLong("select count(*) from information_schema.views where table_schema = ? "
                    + "and table_name = 'processed_events'", ns.schema())).isEqualTo(1);
            assertThat(ledger.queryLong("select count(*) from processed_events")).isEqualTo(3);
            assertThat(ledger.queryLong("select count(*) from processed_events where event_id = ?::uuid and event_type = 'sale' "
                    + "and source_offset = 41", SALE)).isEqualTo(1);

            // the events stored before the upgrade come again, as the same type and as the other one
            Map<String, Object> sale = Events.sale("OLD-01", "Aqua", 1, "5000", 3);
            sale.put("eventId", SALE);
            Map<String, Object> restockAsSale = Events.restock("OLD-01", "Aqua", 10, 10);
            restockAsSale.put("eventId", SALE);
            Map<String, Object> restock = Events.restock("OLD-01", "Aqua", 10, 10);
            restock.put("eventId", RESTOCK);
            Map<String, Object> fresh = Events.sale("OLD-01", "Aqua", 1, "5000", 9);
            kafka.send(ns.topic(), "OLD-01", Events.json(sale));
            kafka.send(ns.topic(), "OLD-01", Events.json(restockAsSale));
            kafka.send(ns.topic(), "OLD-01", Events.json(restock));
            kafka.send(ns.topic(), "OLD-01", Events.json(fresh));
            await().atMost(30, SECONDS).until(() -> ledger.consumed() >= 4);
            Ledger.Counters counters = ledger.counters();
            assertThat(counters.consumed()).isEqualTo(4);
            assertThat(counters.duplicates()).isEqualTo(3);
            assertThat(counters.stored()).isEqualTo(1);
            assertThat(ledger.queryLong("select count(*) from sales")).isEqualTo(2);
            assertThat(ledger.queryLong("select count(*) from restocks")).isEqualTo(2);
            assertThat(ledger.queryLong("select count(*) from processed_events")).isEqualTo(4);
        }
    }
}

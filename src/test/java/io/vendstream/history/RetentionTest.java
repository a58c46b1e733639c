package io.vendstream.history;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retention against the real database while the real ingest route keeps storing live events. */
class RetentionTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("retention")
            .with("vendstream.retention.raw-days", "30")
            .with("vendstream.retention.rejected-days", "10")
            .with("vendstream.retention.purge-grace-hours", "24")
            .with("vendstream.retention.period-millis", "300")
            // small batches, so one purge is many transactions while ingest runs
            .with("vendstream.retention.batch-size", "100");

    private static void seedSales(String machine, int rows, String age) {
        APP.ledger().execute("insert into sales (event_id, machine_id, location, product, category, unit_price, currency, "
                + "quantity, amount, payment_method, occurred_at, source_partition, source_offset) select gen_random_uuid(), '"
                + machine + "', 'Engineering', 'Aqua', 'drink', 5000, 'IDR', 1, 5000, 'cash', now() - interval '" + age
                + "' - i * interval '1 second', 0, i from generate_series(1, " + rows + ") i");
    }

    @Test
    void should_remove_exactly_the_rows_past_the_horizon_while_ingest_keeps_storing() throws Exception {
        seedSales("OLD", 1_050, "40 days");
        // past the 30-day horizon, but not yet past its 24-hour grace: kept for now
        seedSales("GRACE", 300, "30 days 12 hours");
        seedSales("RECENT", 200, "1 day");
        APP.ledger().execute("insert into restocks (event_id, machine_id, location, product, quantity, occurred_at) select gen_random_uuid(), "
                + "case when i <= 250 then 'OLD' else 'RECENT' end, 'Engineering', 'Aqua', 10, "
                + "case when i <= 250 then now() - interval '35 days' else now() - interval '2 days' end from generate_series(1, 300) i");
        APP.ledger().execute("insert into payments (payment_event_id, kind, transaction_ref, machine_id, processor, amount, currency, "
                + "occurred_at, source_partition, source_offset) select gen_random_uuid(), 'settlement', 'TX-' || i, "
                + "case when i <= 40 then 'OLD' else 'RECENT' end, 'qris-switch', 8000, 'IDR', "
                + "case when i <= 40 then now() - interval '35 days' else now() - interval '2 days' end, 0, i from generate_series(1, 60) i");
        APP.ledger().execute("insert into rejected_events (source_topic, source_partition, source_offset, reason, detail, payload, payload_size, "
                + "rejected_at) select 'seed', 0, i, 'MALFORMED_JSON', 'seeded', '\\x00'::bytea, 1, "
                + "case when i <= 120 then now() - interval '20 days' else now() - interval '5 days' end from generate_series(1, 150) i");
        APP.ledger().execute("insert into sales_hourly (hour, machine_id, location, sales_count, units, revenue) "
                + "values (date_trunc('hour', now() - interval '40 days'), 'OLD', 'Engineering', 1050, 1050, 5250000)");

        // live events keep arriving while the purge works through the old rows
        List<String> live = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Map<String, Object> sale = Events.sale("LIVE-" + (i % 4), "Aqua", 1, "5000", 10);
            live.add((String) sale.get("eventId"));
            APP.kafka().sendAsync(APP.topic(), (String) sale.get("machineId"), Events.json(sale));
            if (i % 100 == 99) {
                APP.kafka().flush();
            }
        }
        APP.kafka().flush();

        await().atMost(60, SECONDS).until(() -> APP.ledger().queryLong("select count(*) from sales where machine_id = 'OLD'") == 0
                && APP.ledger().queryLong("select count(*) from restocks where machine_id = 'OLD'") == 0
                && APP.ledger().queryLong("select count(*) from payments where machine_id = 'OLD'") == 0
                && APP.ledger().queryLong("select count(*) from rejected_events where rejected_at < now() - interval '10 days'") == 0);
        await().atMost(60, SECONDS).until(() -> APP.ledger().queryLong("select count(*) from sales where machine_id like 'LIVE-%'") == 600);

        assertThat(APP.ledger().queryLong("select count(*) from sales where machine_id = 'GRACE'")).isEqualTo(300);
        assertThat(APP.ledger().queryLong("select count(*) from sales where machine_id = 'RECENT'")).isEqualTo(200);
        assertThat(APP.ledger().queryLong("select count(*) from restocks where machine_id = 'RECENT'")).isEqualTo(50);
        assertThat(APP.ledger().queryLong("select count(*) from payments where machine_id = 'RECENT'")).isEqualTo(20);
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events")).isEqualTo(30);
        assertThat(APP.ledger().queryLong("select count(*) from processed_events")).as("claims of the purged rows are gone with them")
                .isEqualTo(300 + 200 + 600 + 50);
        assertThat(APP.ledger().queryLong("select coalesce(sum(sales_count), 0) from sales_hourly where machine_id = 'OLD'"))
                .as("rollups stay").isEqualTo(1050);
        assertThat(APP.ledger().counters().stored()).isEqualTo(600);
    }

    @Test
    void should_refuse_an_event_older_than_the_horizon_so_a_purged_event_cannot_be_stored_again() {
        Map<String, Object> old = Events.sale("OLD-2", "Aqua", 1, "5000", 10);
        old.put("occurredAt", Events.timestamp(Instant.now().minus(31, ChronoUnit.DAYS)));
        long consumed = APP.ledger().consumed();
        APP.kafka().send(APP.topic(), "OLD-2", Events.json(old));
        APP.kafka().send(APP.topic(), "OLD-2", Events.json(old));
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() == consumed + 2);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", old.get("eventId"))).isZero();
        assertThat(APP.ledger().queryLong("select count(*) from rejected_events where event_id = ? and reason = 'BEYOND_RETENTION'",
                old.get("eventId"))).isEqualTo(2);
    }
}

package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.vendstream.support.Campus;
import io.vendstream.support.Events;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The projections of newly stored events, written on their own (no fences, no claim) into a real
 * PostgreSQL: machines, stock, the rollups in campus hours and days, the latency histogram.
 */
class ProjectionsTest {

    private static PGSimpleDataSource db;

    @BeforeAll
    static void migrate() {
        db = TestInfrastructure.get().namespace("projections").migratedDataSource();
    }

    @Test
    void should_put_a_latency_into_the_first_bucket_that_holds_it() {
        assertThat(Projections.bucket(0)).isEqualTo(1);
        assertThat(Projections.bucket(2)).isEqualTo(2);
        assertThat(Projections.bucket(3)).isEqualTo(5);
        assertThat(Projections.bucket(5)).isEqualTo(5);
        assertThat(Projections.bucket(6)).isEqualTo(10);
        assertThat(Projections.bucket(60_000)).isEqualTo(60_000);
        assertThat(Projections.bucket(60_001)).as("+Inf").isEqualTo(-1);
    }

    @Test
    void should_fold_a_batch_into_machines_stock_and_the_rollups_in_one_statement() throws Exception {
        List<VendingEvent> events = new ArrayList<>();
        for (byte[] payload : List.of(
                Events.json(Events.restock("proj-1", "Water", 12, 12)),
                Events.json(Events.sale("proj-1", "Water", 2, "5000", 10)),
                Events.json(Events.sale("proj-1", "Water", 1, "5000", 9)))) {
            events.add(EventValidator.configured(300, 65536, 0).validate(payload).event());
        }
        Writes writes = new Writes();
        // received a second after each occurred (the device's delay), and just now (the pipeline's)
        long[] receivedAt = events.stream().mapToLong(e -> e.occurredAt().toEpochMilli() + 1_000).toArray();
        new Projections(Campus.ZONE).write(writes, events, receivedAt, 0);
        try (Connection c = db.getConnection()) {
            writes.execute(c);
        }

        assertThat(one("select quantity from stock where machine_id = 'proj-1' and product = 'Water'")).isEqualTo("9");
        assertThat(one("select count(*) from machines where machine_id = 'proj-1'")).isEqualTo("1");
        assertThat(one("select sum(sales_count) || '/' || sum(units) || '/' || sum(revenue) from sales_hourly where machine_id = 'proj-1'"))
                .isEqualTo("2/3/15000.00");
        assertThat(one("select sum(units) from sales_daily_product where machine_id = 'proj-1' and product = 'Water'")).isEqualTo("3");
        assertThat(one("select sum(sales_count) from sales_daily_payment where machine_id = 'proj-1'")).isEqualTo("2");
        assertThat(new BigDecimal(one("select sum(count) from latency_minute where writer = 0 and stage = 'pipeline'")))
                .isGreaterThanOrEqualTo(BigDecimal.valueOf(3));
        assertThat(one("select sum(count) from latency_minute where writer = 0 and stage = 'device' and le_ms = 1000"))
                .as("a second between occurredAt and the record's timestamp is the device's delay").isEqualTo("3");
    }

    private static String one(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}

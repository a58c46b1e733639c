package io.vendstream.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the ingest bookkeeping of one schema and checks that it reconciles. */
public final class Ledger {

    /** The campus day of a sale, in the default vendstream.timezone the tests run with. */
    private static final String CAMPUS_DAY = "(occurred_at at time zone '" + Campus.TIME_ZONE + "')::date";

    private final String url;
    private final String user;
    private final String password;

    public Ledger(String jdbcUrlWithSchema, String user, String password) {
        this.url = jdbcUrlWithSchema;
        this.user = user;
        this.password = password;
    }

    public static Ledger of(Namespace ns) {
        return new Ledger(ns.jdbcUrl(), TestInfrastructure.USER, TestInfrastructure.PASSWORD);
    }

    public record Counters(long consumed, long stored, long duplicates, long rejected) {
    }

    public Counters counters() {
        return new Counters(
                sum("consumed"), sum("stored"), sum("duplicates"), sum("rejected"));
    }

    public long consumed() {
        return sum("consumed");
    }

    private long sum(String column) {
        return queryLong("select coalesce(sum(" + column + "), 0) from ingest_partitions");
    }

    public long queryLong(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row as text, or null when there is no row. */
    public String queryText(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /**
     * consumed = stored + duplicates + rejected; every stored event has exactly one row; every
     * rejection is in the dead-letter table; rollups and stock equal a recomputation from the rows.
     */
    public void assertReconciles() {
        Counters c = counters();
        assertThat(c.consumed()).as("consumed = stored + duplicates + rejected")
                .isEqualTo(c.stored() + c.duplicates() + c.rejected());
        assertThat(queryLong("select count(*) from processed_events")).as("idempotent repository rows").isEqualTo(c.stored());
        assertThat(queryLong("select (select count(*) from sales) + (select count(*) from restocks)"))
                .as("stored sales + restocks").isEqualTo(c.stored());
        assertThat(queryLong("select count(*) from rejected_events")).as("dead-letter rows").isEqualTo(c.rejected());
        assertThat(queryLong("select coalesce(sum(count), 0) from rejected_counts")).as("rejections by reason").isEqualTo(c.rejected());
        assertThat(queryLong("select count(*) from (select hour, machine_id, sum(sales_count) c, sum(revenue) r from sales_hourly "
                + "group by 1, 2 except select date_trunc('hour', occurred_at), machine_id, count(*), sum(amount) from sales "
                + "group by 1, 2) d")).as("hourly rollup rows that differ from a recomputation").isZero();
        assertThat(queryLong("select coalesce(sum(sales_count), 0) from sales_daily_product"))
                .as("daily product rollup count").isEqualTo(queryLong("select count(*) from sales"));
        assertThat(queryLong("select coalesce(sum(sales_count), 0) from sales_daily_payment"))
                .as("daily payment rollup count").isEqualTo(queryLong("select count(*) from sales"));
        assertThat(queryLong("select count(*) from ((select day, machine_id, product, sales_count, units, revenue "
                + "from sales_daily_product) except all (select " + CAMPUS_DAY + ", machine_id, product, count(*), sum(quantity), "
                + "sum(amount) from sales group by 1, 2, 3)) d")).as("daily product rollup rows that differ from a "
                + "recomputation").isZero();
        assertThat(queryLong("select count(*) from ((select day, machine_id, payment_method, sales_count, revenue "
                + "from sales_daily_payment) except all (select " + CAMPUS_DAY + ", machine_id, payment_method, count(*), "
                + "sum(amount) from sales group by 1, 2, 3)) d")).as("daily payment rollup rows that differ from a "
                + "recomputation").isZero();
        assertThat(queryLong("select count(*) from ((select machine_id, last_seen from machines) except all "
                + "(select machine_id, max(occurred_at) from (select machine_id, occurred_at from sales union all "
                + "select machine_id, occurred_at from restocks) e group by machine_id)) d"))
                .as("machines whose last_seen differs from their latest stored event").isZero();
    }

    /**
     * Current stock equals the stockAfter of each slot's latest stored event (sales and restocks).
     * Holds when every event carries stockAfter and each machine's events are published in
     * occurredAt order, as the drills publish them.
     */
    public void assertStockFollowsLatestEvents() {
        String latest = "select distinct on (machine_id, product) machine_id, product, stock_after, occurred_at "
                + "from (select machine_id, product, stock_after, occurred_at from sales union all "
                + "select machine_id, product, stock_after, occurred_at from restocks) e "
                + "order by machine_id, product, occurred_at desc";
        assertThat(queryLong("select count(*) from stock")).as("stock slots")
                .isEqualTo(queryLong("select count(*) from (" + latest + ") l"));
        assertThat(queryLong("select count(*) from ((select machine_id, product, quantity, as_of from stock) except all ("
                + latest + ")) d")).as("stock slots whose quantity or as_of differs from their latest stored event").isZero();
    }

    public void execute(String sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

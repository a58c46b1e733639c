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
    }

    public void execute(String sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

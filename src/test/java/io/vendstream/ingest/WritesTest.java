package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statement builder the store writes through: column-wise arrays through {@code unnest}, exact
 * decimals and nulls kept, and several writes as the CTEs of one statement.
 */
class WritesTest {

    private static PGSimpleDataSource db;

    @BeforeAll
    static void table() throws Exception {
        db = TestInfrastructure.get().namespace("writes").migratedDataSource();
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table if not exists written (name text, n int4, big int8, amount numeric(16,2))");
            st.execute("truncate written");
        }
    }

    @Test
    void should_send_columns_as_arrays_and_run_every_write_in_one_statement() throws Exception {
        Columns first = new Columns(2);
        first.add("a", 1, 10L, new BigDecimal("0.10"));
        first.add("b", null, null, null);
        Columns second = new Columns(1);
        second.add("c", 3, 30L, new BigDecimal("12345678901234.99"));
        Writes writes = new Writes();
        writes.add("w1", "insert into written select * from unnest(?::text[], ?::int4[], ?::int8[], ?::numeric[])", first,
                "text", "int4", "int8", "text");
        writes.add("w2", "insert into written select * from unnest(?::text[], ?::int4[], ?::int8[], ?::numeric[])", second,
                "text", "int4", "int8", "text");
        try (Connection c = db.getConnection()) {
            writes.execute(c);
        }

        assertThat(rows()).isEqualTo("a/1/10/0.10 b/null/null/null c/3/30/12345678901234.99");
    }

    @Test
    void should_do_nothing_without_a_write() throws Exception {
        try (Connection c = db.getConnection()) {
            new Writes().execute(c);
        }
    }

    private static String rows() throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select name, n, big, amount from written order by name")) {
            while (rs.next()) {
                out.append(out.length() == 0 ? "" : " ").append(rs.getString(1)).append('/').append(rs.getString(2)).append('/')
                        .append(rs.getString(3)).append('/').append(rs.getString(4));
            }
        }
        return out.toString();
    }
}

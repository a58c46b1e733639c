package io.vendstream.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Column-wise arrays for one {@code select * from unnest(?::uuid[], ?::text[], ...)} statement, as
 * the benchmark's hand-written ingest paths send a poll's rows: one array parameter per column.
 * {@code int4}, {@code int8} and {@code bytea} columns travel as such; every other value as text
 * ({@link BigDecimal#toPlainString()}, {@code toString()} of UUIDs, instants and dates), cast in
 * SQL, which keeps exact decimals and timestamps.
 */
final class UnnestColumns {

    private final String[] types;
    private final List<List<Object>> columns = new ArrayList<>();
    private int rows;

    /** One JDBC array element type per column: {@code int4}, {@code int8}, {@code bytea} or {@code text}. */
    UnnestColumns(String... types) {
        this.types = types;
        for (int i = 0; i < types.length; i++) {
            columns.add(new ArrayList<>());
        }
    }

    void add(Object... values) {
        if (values.length != types.length) {
            throw new IllegalArgumentException(values.length + " values for " + types.length + " columns");
        }
        for (int i = 0; i < values.length; i++) {
            columns.get(i).add(values[i]);
        }
        rows++;
    }

    int rows() {
        return rows;
    }

    boolean isEmpty() {
        return rows == 0;
    }

    /** Binds the columns as parameters {@code first}, {@code first + 1}, ...; returns the next free index. */
    int bind(Connection c, PreparedStatement st, int first) throws SQLException {
        for (int i = 0; i < types.length; i++) {
            List<Object> column = columns.get(i);
            Object array = switch (types[i]) {
                case "int4" -> column.stream().map(v -> v == null ? null : ((Number) v).intValue()).toArray(Integer[]::new);
                case "int8" -> column.stream().map(v -> v == null ? null : ((Number) v).longValue()).toArray(Long[]::new);
                case "bytea" -> column.toArray(new byte[0][]);
                default -> column.stream().map(v -> v == null ? null : v instanceof BigDecimal d ? d.toPlainString()
                        : v.toString()).toArray(String[]::new);
            };
            st.setArray(first + i, c.createArrayOf(types[i], (Object[]) array));
        }
        return first + types.length;
    }
}

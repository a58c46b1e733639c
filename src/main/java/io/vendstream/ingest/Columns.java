package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Column-wise arrays for one {@code unnest} statement. Values travel as text (or int arrays)
 * and are cast in SQL, which keeps exact decimals and timestamps without driver-specific types.
 */
final class Columns {
    private final List<List<Object>> columns = new ArrayList<>();
    private final int rows;

    Columns(int rows) {
        this.rows = rows;
    }

    void add(Object... values) {
        if (columns.isEmpty()) {
            for (int i = 0; i < values.length; i++) {
                columns.add(new ArrayList<>(rows));
            }
        }
        for (int i = 0; i < values.length; i++) {
            columns.get(i).add(values[i]);
        }
    }

    /** Binds the columns as parameters {@code first}, {@code first + 1}, ...; returns the next free index. */
    int bind(Connection c, PreparedStatement st, int first, String... types) throws SQLException {
        for (int i = 0; i < types.length; i++) {
            List<Object> column = columns.get(i);
            Object[] array = switch (types[i]) {
                case "int4" -> column.stream().map(v -> v == null ? null : ((Number) v).intValue()).toArray(Integer[]::new);
                case "int8" -> column.stream().map(v -> v == null ? null : ((Number) v).longValue()).toArray(Long[]::new);
                default -> column.stream().map(v -> v == null ? null : v instanceof BigDecimal d ? d.toPlainString()
                        : v.toString()).toArray(String[]::new);
            };
            st.setArray(first + i, c.createArrayOf(types[i], array));
        }
        return first + types.length;
    }
}

package io.vendstream.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The batch's writes as one statement: each is a named CTE (a data-modifying one, or the input
 * of the next), sent and run in a single round trip.
 */
final class Writes {
    private final List<String> ctes = new ArrayList<>();
    private final List<Columns> columns = new ArrayList<>();
    private final List<String[]> types = new ArrayList<>();

    void add(String name, String sql, Columns cols, String... columnTypes) {
        ctes.add(name + " as (" + sql + ")");
        columns.add(cols);
        types.add(columnTypes);
    }

    void execute(Connection c) throws SQLException {
        if (ctes.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("with " + String.join(", ", ctes) + " select 1")) {
            int next = 1;
            for (int i = 0; i < ctes.size(); i++) {
                if (columns.get(i) != null) {
                    next = columns.get(i).bind(c, st, next, types.get(i));
                }
            }
            st.execute();
        }
    }
}

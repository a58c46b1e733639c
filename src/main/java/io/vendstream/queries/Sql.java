package io.vendstream.queries;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * Runs read-only queries with bound parameters. Filter clauses are chosen from fixed text by
 * which parameters are present ({@link Where}); request values only ever travel as parameters.
 */
public final class Sql {

    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final DataSource dataSource;

    public Sql(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> List<T> list(String sql, List<Object> args, Row<T> row) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            // a stuck query must not pin a pool connection while the dashboard keeps polling
            ps.setQueryTimeout(10);
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, jdbc(args.get(i)));
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(row.map(rs));
                }
                return result;
            }
        } catch (SQLException e) {
            throw new QueryFailedException(e);
        }
    }

    public <T> T one(String sql, List<Object> args, Row<T> row) {
        List<T> rows = list(sql, args, row);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static Object jdbc(Object value) {
        // the driver binds OffsetDateTime as timestamptz; LocalDate as date
        return value instanceof Instant instant ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : value;
    }

    /** A conjunction of optional conditions and their bound values. */
    public static final class Where {
        private final StringBuilder text = new StringBuilder();
        public final List<Object> args = new ArrayList<>();

        public Where and(String condition, Object... values) {
            text.append(text.length() == 0 ? " where " : " and ").append(condition);
            args.addAll(List.of(values));
            return this;
        }

        /** Adds the condition only when the value is present. */
        public Where andIf(Object value, String condition) {
            return value == null ? this : and(condition, value);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** The database could not answer; the API reports 503 rather than a stack trace. */
    public static final class QueryFailedException extends RuntimeException {
        public QueryFailedException(SQLException cause) {
            super("the database could not answer: " + cause.getMessage(), cause);
        }
    }
}

package io.vendstream.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.support.ResourceHelper;

/**
 * Evaluates an alert rule written as several SQL statements (separated by a semicolon at the end of
 * a line) in one transaction, each statement with its own snapshot, and returns the rows of the last
 * one, as the sql component returns a single statement's. A rule that keeps state between
 * evaluations (stock-mismatch: lock its progress row, judge what was stored since, read the open
 * mismatches) needs the statements after a lock to see what the evaluation that held it wrote.
 *
 * <p>Settings are named parameters as in the sql component, {@code :#${properties:name}} (or any
 * other simple expression, {@code :#${header.name}}), bound, never spliced. Comments ({@code --} to
 * the end of a line) are dropped first. The file is read on every evaluation, so an edit takes
 * effect at the next one. The time of the reading (header {@link AlertStore#READ_AT}) is taken in
 * the transaction just before the last statement, after the earlier ones took their locks: of two
 * instances, the one that reads later also carries the later time.
 */
public final class RuleStatements {

    private static final Pattern PARAMETER = Pattern.compile(":#\\$\\{([^}]*)\\}");
    private static final Pattern END_OF_STATEMENT = Pattern.compile(";[ \\t]*(?:\\r?\\n|$)");

    private final DataSource dataSource;

    public RuleStatements(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs the statements of {@code file} (a path, as the sql component's {@code sql:file:}) for the exchange's rule. */
    public List<Map<String, Object>> evaluate(Exchange exchange, String file) throws IOException, SQLException {
        List<String> statements = statements(read(exchange, file));
        if (statements.isEmpty()) {
            throw new IllegalArgumentException("alert rule file " + file + " holds no statement");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Map<String, Object>> rows = List.of();
                for (int i = 0; i < statements.size(); i++) {
                    if (i == statements.size() - 1) {
                        exchange.getMessage().setHeader(AlertStore.READ_AT, now(c));
                    }
                    rows = execute(c, exchange, statements.get(i));
                }
                c.commit();
                return rows;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static String read(Exchange exchange, String file) throws IOException {
        String uri = file.contains(":") ? file : "file:" + file;
        try (InputStream in = ResourceHelper.resolveMandatoryResourceAsInputStream(exchange.getContext(), uri)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The file's statements, comments dropped. */
    public static List<String> statements(String text) {
        String bare = text.replaceAll("(?m)--.*$", "");
        List<String> statements = new ArrayList<>();
        for (String s : END_OF_STATEMENT.split(bare)) {
            if (!s.isBlank()) {
                statements.add(s.strip());
            }
        }
        return statements;
    }

    private static List<Map<String, Object>> execute(Connection c, Exchange exchange, String statement) throws SQLException {
        List<Object> values = new ArrayList<>();
        Matcher m = PARAMETER.matcher(statement);
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
            Object value = exchange.getContext().resolveLanguage("simple").createExpression("${" + m.group(1) + "}")
                    .evaluate(exchange, Object.class);
            values.add(value instanceof String text ? text.trim() : value);
            m.appendReplacement(sql, "?");
        }
        m.appendTail(sql);
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < values.size(); i++) {
                ps.setObject(i + 1, values.get(i));
            }
            if (!ps.execute()) {
                return List.of();
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.getResultSet()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    private static java.sql.Timestamp now(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select clock_timestamp()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }
}

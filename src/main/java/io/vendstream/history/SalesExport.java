package io.vendstream.history;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Params;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * CSV exports streamed from PostgreSQL: {@code GET /api/export/sales.csv} (one row per sale) and
 * {@code GET /api/export/daily-products.csv} (the daily per-product rollup). The query runs on a
 * server-side cursor (a transaction with a fetch size), and the answer is an {@link InputStream}
 * that turns the next rows into CSV only when the HTTP server asks for more bytes, so an export of
 * ten million rows holds one fetch of rows and one chunk of text in memory, never the whole answer.
 *
 * <p>Both open in a spreadsheet as they are: a header row, UTF-8, comma separated, RFC 4180 quoting,
 * ISO-8601 UTC timestamps, dates as yyyy-mm-dd, dot decimals with two places.
 */
public final class SalesExport {

    private final DataSource dataSource;
    private final ZoneId zone;
    private final int fetchSize;

    public SalesExport(DataSource dataSource, String timezone, int fetchSize) {
        this.dataSource = dataSource;
        this.zone = ZoneId.of(timezone);
        this.fetchSize = fetchSize;
    }

    private interface RowWriter {
        void write(ResultSet rs, StringBuilder out) throws SQLException;
    }

    /** {@code /api/export/sales.csv?from=&to=&location=&machineId=}: sales of the window, oldest first. */
    public InputStream sales(Exchange exchange) throws SQLException {
        Filter f = filter(exchange);
        List<Object> args = new ArrayList<>();
        String where = where(args, "occurred_at", f.from() == null ? null : Timestamp.from(f.from()),
                f.to() == null ? null : Timestamp.from(f.to()), f.location(), f.machineId());
        String sql = "select event_id, occurred_at, ingested_at, machine_id, location, product, category, quantity, unit_price, "
                + "amount, currency, payment_method, stock_after from sales" + where + " order by occurred_at, event_id";
        return stream(exchange, sql, args,
                "eventId,occurredAt,ingestedAt,machineId,location,product,category,quantity,unitPrice,amount,currency,paymentMethod,stockAfter\r\n",
                (rs, out) -> {
                    cell(out, rs.getString(1)).append(',');
                    cell(out, time(rs, 2)).append(',');
                    cell(out, time(rs, 3)).append(',');
                    cell(out, rs.getString(4)).append(',');
                    cell(out, rs.getString(5)).append(',');
                    cell(out, rs.getString(6)).append(',');
                    cell(out, rs.getString(7)).append(',');
                    out.append(rs.getInt(8)).append(',');
                    cell(out, money(rs.getBigDecimal(9))).append(',');
                    cell(out, money(rs.getBigDecimal(10))).append(',');
                    cell(out, rs.getString(11) == null ? null : rs.getString(11).trim()).append(',');
                    cell(out, rs.getString(12)).append(',');
                    int stockAfter = rs.getInt(13);
                    if (!rs.wasNull()) {
                        out.append(stockAfter);
                    }
                    out.append("\r\n");
                });
    }

    /** {@code /api/export/daily-products.csv?from=&to=&location=&machineId=}: units and revenue per campus day, machine and product. */
    public InputStream dailyProducts(Exchange exchange) throws SQLException {
        Filter f = filter(exchange);
        List<Object> args = new ArrayList<>();
        // a day is in the window when it starts in it (campus days, as the rollup is kept)
        String where = where(args, "day", f.from() == null ? null : Date.valueOf(LocalDate.ofInstant(f.from(), zone)),
                f.to() == null ? null : Date.valueOf(LocalDate.ofInstant(f.to().minusNanos(1), zone).plusDays(1)),
                f.location(), f.machineId());
        String sql = "select day, machine_id, location, product, category, sales_count, units, revenue from sales_daily_product"
                + where + " order by day, machine_id, product";
        return stream(exchange, sql, args,
                "day,machineId,location,product,category,salesCount,units,revenue\r\n",
                (rs, out) -> {
                    out.append(rs.getDate(1).toLocalDate()).append(',');
                    cell(out, rs.getString(2)).append(',');
                    cell(out, rs.getString(3)).append(',');
                    cell(out, rs.getString(4)).append(',');
                    cell(out, rs.getString(5)).append(',');
                    out.append(rs.getLong(6)).append(',');
                    out.append(rs.getLong(7)).append(',');
                    cell(out, money(rs.getBigDecimal(8))).append("\r\n");
                });
    }

    /** The filters both exports take, each checked (400 naming the parameter) before any SQL runs. */
    private record Filter(Instant from, Instant to, String location, String machineId) {
    }

    private Filter filter(Exchange exchange) {
        Params params = new Params(exchange.getMessage().getHeaders(), zone);
        Instant from = params.instant("from");
        Instant to = params.instant("to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw new BadParameterException("to", "'to' must be after 'from'");
        }
        return new Filter(from, to, params.location(), params.machineId());
    }

    private static String where(List<Object> args, String timeColumn, Object from, Object to, String location, String machineId) {
        List<String> conditions = new ArrayList<>();
        if (from != null) {
            conditions.add(timeColumn + " >= ?");
            args.add(from);
        }
        if (to != null) {
            conditions.add(timeColumn + " < ?");
            args.add(to);
        }
        if (location != null) {
            conditions.add("location = ?");
            args.add(location);
        }
        if (machineId != null) {
            conditions.add("machine_id = ?");
            args.add(machineId);
        }
        return conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions);
    }

    private InputStream stream(Exchange exchange, String sql, List<Object> args, String header, RowWriter writer)
            throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            // a cursor: PostgreSQL sends fetchSize rows at a time only inside a transaction
            c.setAutoCommit(false);
            c.setReadOnly(true);
            PreparedStatement st = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            st.setFetchSize(fetchSize);
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            ResultSet rs = st.executeQuery();
            CsvStream body = new CsvStream(c, rs, header, writer);
            // released when the answer has been sent, or the client went away
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    body.close();
                }
            });
            return body;
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The rows of a result set as CSV bytes, produced a chunk at a time as they are read. */
    private static final class CsvStream extends InputStream {

        private static final int CHUNK_CHARS = 64 * 1024;

        private final Connection connection;
        private final ResultSet rs;
        private final RowWriter writer;
        private final StringBuilder text = new StringBuilder(CHUNK_CHARS + 1024);
        private byte[] chunk;
        private int pos;
        private boolean exhausted;
        private boolean closed;

        CsvStream(Connection connection, ResultSet rs, String header, RowWriter writer) {
            this.connection = connection;
            this.rs = rs;
            this.writer = writer;
            this.chunk = header.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos >= chunk.length) {
                if (exhausted || closed) {
                    return -1;
                }
                refill();
            }
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }

        private void refill() throws IOException {
            text.setLength(0);
            try {
                while (text.length() < CHUNK_CHARS) {
                    if (!rs.next()) {
                        exhausted = true;
                        close();
                        break;
                    }
                    writer.write(rs, text);
                }
            } catch (SQLException e) {
                close();
                throw new IOException("the export stopped: " + e.getMessage(), e);
            }
            chunk = text.toString().getBytes(StandardCharsets.UTF_8);
            pos = 0;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                rs.close();
                connection.rollback();
            } catch (SQLException e) {
                // the connection goes back to the pool, which discards a broken one
            } finally {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // as above
                }
            }
        }
    }

    private static StringBuilder cell(StringBuilder out, String value) {
        if (value == null) {
            return out;
        }
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char ch = value.charAt(i);
            quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
        }
        if (!quote) {
            return out.append(value);
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '"') {
                out.append('"');
            }
            out.append(ch);
        }
        return out.append('"');
    }

    private static String time(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant().toString();
    }

    private static String money(BigDecimal value) {
        return value == null ? null : value.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}

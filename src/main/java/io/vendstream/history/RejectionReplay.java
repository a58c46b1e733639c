package io.vendstream.history;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Caller;
import io.vendstream.http.NotFoundException;
import io.vendstream.http.Params;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Republishes rejected events to the events topic, so that they go through validation, the dead
 * letter and the idempotent store exactly like live events: a corrected payload that is now valid
 * is stored (once, whatever happens, since its eventId is claimed like any other), one that is still
 * bad becomes a new rejection.
 *
 * <p>A rejection is replayed at most once. The rejection rows are locked, the records published and
 * acknowledged by the broker, and only then marked replayed (who, when, where to), all in one
 * database transaction: a failed publish leaves the rows as they were (the caller may retry), and a
 * replay that finds a row already marked publishes nothing and says so. If the commit itself fails
 * after the broker acknowledged, a retry publishes again; the idempotent store keeps a valid event
 * once, an invalid one is rejected again.
 */
public final class RejectionReplay implements AutoCloseable {

    /** Headers on a replayed record: which rejection it replays and who asked. */
    public static final String REPLAY_OF = "vendstream-replay-of";
    public static final String REPLAYED_BY = "vendstream-replayed-by";

    private final DataSource dataSource;
    private final String publishUri;
    private final int maxPayloadBytes;
    private final int maxBulk;
    private final ZoneId zone;
    // one template, so one Kafka producer for all replays (a producer per request would cost a connection each)
    private volatile ProducerTemplate template;

    /**
     * @param publishUri      the Kafka endpoint of the events topic (synchronous, acks=all)
     * @param maxPayloadBytes the largest corrected payload accepted (the ingest limit)
     * @param maxBulk         the most rejections one bulk replay may republish
     */
    public RejectionReplay(DataSource dataSource, String publishUri, int maxPayloadBytes, int maxBulk, String timezone) {
        this.dataSource = dataSource;
        this.publishUri = publishUri;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxBulk = maxBulk;
        this.zone = ZoneId.of(timezone);
    }

    private record Row(long id, String reason, byte[] key, byte[] payload, Instant replayedAt, String replayedBy, Boolean corrected) {
    }

    /** {@code POST /api/rejections/{id}/replay}: the body, when not empty, is the corrected payload. */
    public Map<String, Object> replay(Exchange exchange) throws SQLException {
        long id = id(exchange.getMessage().getHeader("id"));
        byte[] corrected = exchange.getMessage().getBody(byte[].class);
        if (corrected != null && corrected.length > maxPayloadBytes) {
            throw new BadParameterException("body", "the corrected payload is " + corrected.length
                    + " bytes; the limit is " + maxPayloadBytes + " bytes");
        }
        boolean isCorrected = corrected != null && corrected.length > 0 && !isBlank(corrected);
        String who = Caller.name(exchange);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Row> rows = lock(c, "select id, reason, message_key, payload, replayed_at, replayed_by, replay_corrected "
                        + "from rejected_events where id = ? for update", st -> st.setLong(1, id));
                if (rows.isEmpty()) {
                    c.rollback();
                    throw new NotFoundException("id", "no rejection with id " + id);
                }
                Row row = rows.get(0);
                if (row.replayedAt() != null) {
                    c.rollback();
                    return answer(row.id(), false, "already replayed at " + row.replayedAt() + " by " + row.replayedBy()
                            + "; nothing was published", row.corrected(), row.replayedAt(), row.replayedBy());
                }
                byte[] payload = isCorrected ? corrected : row.payload();
                List<RecordMetadata> published = publish(exchange, List.of(new Row(row.id(), row.reason(), row.key(), payload, null, null, null)), who);
                Instant now = Instant.now();
                markReplayed(c, List.of(row.id()), who, now, isCorrected, published);
                c.commit();
                return answer(row.id(), true, isCorrected ? "the corrected payload was republished"
                        : "the original payload was republished", isCorrected, now, who);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    /**
     * {@code POST /api/rejections/replay?reason=&from=&to=&limit=}: republishes the original payloads
     * of the rejections of one reason (rejected in [from, to)) not yet replayed, oldest first, e.g.
     * after a rule change such as a wider future skew. Rows another replay holds are skipped.
     */
    public Map<String, Object> replayMany(Exchange exchange) throws SQLException {
        Params params = new Params(exchange.getMessage().getHeaders(), zone);
        String reason = params.reason();
        if (reason == null) {
            throw new BadParameterException("reason", "'reason' is required: the reason code whose rejections to replay, e.g. FUTURE_TIMESTAMP");
        }
        Instant from = params.instant("from");
        Instant to = params.instant("to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw new BadParameterException("to", "'to' must be after 'from'");
        }
        int limit = params.integer("limit", maxBulk, 1, maxBulk);
        String who = Caller.name(exchange);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Row> rows = lock(c, "select id, reason, message_key, payload, replayed_at, replayed_by, replay_corrected from rejected_events "
                        + "where reason = ? and replayed_at is null and rejected_at >= coalesce(?, '-infinity'::timestamptz) "
                        + "and rejected_at < coalesce(?, 'infinity'::timestamptz) order by rejected_at, id limit ? "
                        + "for update skip locked", st -> {
                    st.setString(1, reason);
                    st.setTimestamp(2, from == null ? null : Timestamp.from(from));
                    st.setTimestamp(3, to == null ? null : Timestamp.from(to));
                    st.setInt(4, limit);
                });
                Instant now = Instant.now();
                if (!rows.isEmpty()) {
                    List<RecordMetadata> published = publish(exchange, rows, who);
                    markReplayed(c, rows.stream().map(Row::id).toList(), who, now, false, published);
                }
                c.commit();
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("reason", reason);
                answer.put("from", from == null ? null : from.toString());
                answer.put("to", to == null ? null : to.toString());
                answer.put("replayed", rows.size());
                answer.put("ids", rows.stream().map(Row::id).toList());
                answer.put("replayedAt", now.toString());
                answer.put("replayedBy", who);
                answer.put("more", rows.size() == limit);
                return answer;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    /** Publishes one record per row and waits for the broker's acknowledgement of all of them. */
    private List<RecordMetadata> publish(Exchange exchange, List<Row> rows, String who) {
        List<Message> messages = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Message message = new DefaultMessage(exchange.getContext());
            message.setBody(row.payload());
            if (row.key() != null) {
                message.setHeader(KafkaConstants.KEY, row.key());
            }
            message.setHeader(REPLAY_OF, String.valueOf(row.id()));
            message.setHeader(REPLAYED_BY, who);
            messages.add(message);
        }
        Exchange sent = template(exchange).send(publishUri, e -> e.getMessage().setBody(messages));
        if (sent.getException() != null) {
            throw new IllegalStateException("the broker did not acknowledge the replay: " + sent.getException().getMessage(),
                    sent.getException());
        }
        // the producer puts each record's metadata on the message it was made from
        List<RecordMetadata> published = new ArrayList<>();
        for (Message message : messages) {
            if (message.getHeader(KafkaConstants.KAFKA_RECORD_META) instanceof List<?> list
                    && !list.isEmpty() && list.get(0) instanceof RecordMetadata r) {
                published.add(r);
            }
        }
        return published;
    }

    private ProducerTemplate template(Exchange exchange) {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                t = template;
                if (t == null) {
                    t = exchange.getContext().createProducerTemplate();
                    template = t;
                }
            }
        }
        return t;
    }

    @Override
    public void close() throws Exception {
        ProducerTemplate t = template;
        if (t != null) {
            t.close();
        }
    }

    private static void markReplayed(Connection c, List<Long> ids, String who, Instant at, boolean corrected,
                                     List<RecordMetadata> published) throws SQLException {
        boolean positions = published.size() == ids.size();
        try (PreparedStatement st = c.prepareStatement("update rejected_events set replayed_at = ?, replayed_by = ?, "
                + "replay_corrected = ?, replay_partition = ?, replay_offset = ? where id = ?")) {
            for (int i = 0; i < ids.size(); i++) {
                st.setTimestamp(1, Timestamp.from(at));
                st.setString(2, who);
                st.setBoolean(3, corrected);
                st.setObject(4, positions ? published.get(i).partition() : null);
                st.setObject(5, positions ? published.get(i).offset() : null);
                st.setLong(6, ids.get(i));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private interface Binder {
        void bind(PreparedStatement st) throws SQLException;
    }

    private static List<Row> lock(Connection c, String sql, Binder binder) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            binder.bind(st);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    OffsetDateTime replayedAt = rs.getObject("replayed_at", OffsetDateTime.class);
                    rows.add(new Row(rs.getLong("id"), rs.getString("reason"), rs.getBytes("message_key"), rs.getBytes("payload"),
                            replayedAt == null ? null : replayedAt.toInstant(), rs.getString("replayed_by"),
                            (Boolean) rs.getObject("replay_corrected")));
                }
            }
        }
        return rows;
    }

    private static long id(Object value) {
        String text = value == null ? "" : value.toString().trim();
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadParameterException("id", "'id' must be the positive whole number of a rejection");
    }

    private static Map<String, Object> answer(long id, boolean replayed, String detail, Boolean corrected, Instant at, String who) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("replayed", replayed);
        answer.put("detail", detail);
        answer.put("corrected", corrected);
        answer.put("replayedAt", at.toString());
        answer.put("replayedBy", who);
        return answer;
    }

    private static boolean isBlank(byte[] body) {
        return new String(body, StandardCharsets.UTF_8).isBlank();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is broken anyway; the pool discards it
        }
    }
}

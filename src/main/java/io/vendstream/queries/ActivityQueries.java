package io.vendstream.queries;

import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.vendstream.http.Json;
import io.vendstream.http.Params;
import org.apache.camel.Headers;

/**
 * The latest things that happened: sales (the live feed) and rejected events (the dead-letter
 * trail). Both read the newest rows through an index on time, never the whole table.
 */
public final class ActivityQueries {

    // enough of a payload to recognise it; PAYLOAD_TOO_LARGE records can be megabytes
    private static final int PAYLOAD_BYTES_SHOWN = 2048;
    private static final int PREVIEW_CHARS = 500;

    private final Sql sql;
    private final ZoneId zone;
    private final Clock clock;
    private final AnswerCache answers;

    public ActivityQueries(QueryContext context) {
        this.sql = new Sql(context.dataSource());
        this.answers = context.answers();
        this.zone = context.zone();
        this.clock = context.clock();
    }

    /** {@code /api/transactions/recent}: the latest sales, newest first. */
    public Map<String, Object> recentTransactions(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        int limit = params.integer("limit", 20, 1, 200);
        String location = params.location();
        String machineId = params.machineId();
        Instant from = params.instant("from");
        Instant to = params.instant("to");
        return answers.get(Arrays.asList("transactions", limit, location, machineId, from, to),
                () -> recentTransactions(limit, location, machineId, from, to));
    }

    private Map<String, Object> recentTransactions(int limit, String location, String machineId, Instant from, Instant to) {
        Sql.Where where = new Sql.Where().andIf(location, "location = ?").andIf(machineId, "machine_id = ?")
                .andIf(from, "occurred_at >= ?").andIf(to, "occurred_at < ?");
        List<Object> args = new ArrayList<>(where.args);
        args.add(limit);
        List<Map<String, Object>> sales = sql.list("select event_id, occurred_at, ingested_at, machine_id, location, product, "
                + "category, quantity, unit_price, amount, currency, payment_method, stock_after from sales" + where
                + " order by occurred_at desc limit ?", args, rs -> Json.object(
                "eventId", rs.getString("event_id"),
                "occurredAt", Json.time(rs, "occurred_at"),
                "ingestedAt", Json.time(rs, "ingested_at"),
                "machineId", rs.getString("machine_id"),
                "location", rs.getString("location"),
                "product", rs.getString("product"),
                "category", rs.getString("category"),
                "quantity", rs.getInt("quantity"),
                "unitPrice", Json.money(rs, "unit_price"),
                "amount", Json.money(rs, "amount"),
                "currency", rs.getString("currency").trim(),
                "paymentMethod", rs.getString("payment_method"),
                "stockAfter", rs.getObject("stock_after")));
        return Json.object("limit", limit, "transactions", sales);
    }

    /** {@code /api/rejections}: rejected events counted by reason, and the latest ones in detail. */
    public Map<String, Object> rejections(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        int limit = params.integer("limit", 20, 1, 200);
        String reason = params.reason();
        return answers.get(Arrays.asList("rejections", limit, reason), () -> rejections(limit, reason));
    }

    private Map<String, Object> rejections(int limit, String reason) {

        List<Map<String, Object>> reasons = sql.list("select reason, sum(count) as n from rejected_counts group by reason "
                + "order by n desc, reason", List.of(), rs -> Json.object("reason", rs.getString("reason"), "count", rs.getLong("n")));
        long total = reasons.stream().mapToLong(r -> (Long) r.get("count")).sum();

        Sql.Where where = new Sql.Where().andIf(reason, "reason = ?");
        // bound in statement order: the substring length, the filter, the limit
        List<Object> reordered = new ArrayList<>();
        reordered.add(PAYLOAD_BYTES_SHOWN);
        reordered.addAll(where.args);
        reordered.add(limit);
        List<Map<String, Object>> latest = sql.list("select id, rejected_at, reason, detail, source_topic, source_partition, "
                + "source_offset, message_key, substring(payload from 1 for ?) as payload_head, payload_size, event_id "
                + "from rejected_events" + where + " order by rejected_at desc, id desc limit ?", reordered, rs -> {
                    byte[] head = rs.getBytes("payload_head");
                    int size = rs.getInt("payload_size");
                    byte[] key = rs.getBytes("message_key");
                    return Json.object(
                            "id", rs.getLong("id"),
                            "rejectedAt", Json.time(rs, "rejected_at"),
                            "reason", rs.getString("reason"),
                            "detail", rs.getString("detail"),
                            "topic", rs.getString("source_topic"),
                            "partition", rs.getInt("source_partition"),
                            "offset", rs.getLong("source_offset"),
                            "key", key == null ? null : preview(key, 200),
                            "eventId", rs.getString("event_id"),
                            "payloadSize", size,
                            "payloadTruncated", size > head.length,
                            "payloadPreview", preview(head, PREVIEW_CHARS),
                            "payloadBase64", Base64.getEncoder().encodeToString(head));
                });
        return Json.object("total", total, "reasons", reasons, "limit", limit, "reason", reason, "latest", latest,
                "checkedAt", Json.time(clock.instant()));
    }

    /**
     * A readable, harmless rendering of raw bytes: decoded as UTF-8 with U+FFFD for invalid
     * sequences, control characters other than line breaks and tabs shown as U+FFFD too, cut to
     * {@code maxChars}. The exact bytes are in the base64 field.
     */
    static String preview(byte[] bytes, int maxChars) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        String text;
        try {
            text = decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            text = "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
        text.codePoints().limit(maxChars).forEach(cp -> {
            boolean control = Character.isISOControl(cp) && cp != '\n' && cp != '\r' && cp != '\t';
            out.appendCodePoint(control ? 0xFFFD : cp);
        });
        return out.toString();
    }
}

package io.vendstream.alerts;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.BadParameterException;
import io.vendstream.http.Caller;
import io.vendstream.http.Json;
import io.vendstream.http.NotFoundException;
import io.vendstream.http.Params;
import io.vendstream.http.Window;
import io.vendstream.queries.AnswerCache;
import io.vendstream.queries.QueryContext;
import io.vendstream.queries.Sql;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Headers;

/**
 * The alerts the rules raised (table alerts): open and recent ones of every rule, with filters, and
 * acknowledging one. Acknowledging records who did it and when; it is not a transition, so it
 * notifies nobody and the alert stays open until its condition clears.
 */
public final class AlertQueries {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RULE = Pattern.compile("[a-z0-9-]{1,64}");
    private static final int MAX_NAME_LENGTH = 100;

    private static final String COLUMNS = "id, rule, machine_id, product, location, severity, summary, details::text as details, "
            + "opened_at, last_seen_at, resolved_at, acknowledged_at, acknowledged_by";
    // open first, the most severe first, the newest first
    private static final String ORDER = " order by (resolved_at is null) desc, "
            + "case severity when 'critical' then 0 when 'warning' then 1 else 2 end, opened_at desc, id desc";

    private final Sql sql;
    private final ZoneId zone;
    private final Clock clock;
    private final AnswerCache answers;

    public AlertQueries(QueryContext context) {
        this(context.dataSource(), context.zone(), context.clock(), context.answers());
    }

    AlertQueries(DataSource dataSource, ZoneId zone, Clock clock, AnswerCache answers) {
        this.sql = new Sql(dataSource);
        this.zone = zone;
        this.clock = clock;
        this.answers = answers;
    }

    /**
     * {@code GET /api/alerts}: alerts active at some time in the window (default today), open first.
     * Filters: rule, state (open, resolved, all), location, machineId, from, to, limit.
     */
    public Map<String, Object> alerts(@Headers Map<String, Object> headers) {
        Params params = new Params(headers, zone);
        String rule = rule(params);
        String state = state(params);
        String location = params.location();
        String machineId = params.machineId();
        Window window = Window.of(params, zone, clock);
        int limit = params.integer("limit", 100, 1, 500);
        return answers.get(Arrays.asList("alerts", rule, state, location, machineId, window.from(), window.to(), limit),
                () -> alerts(rule, state, location, machineId, window, limit));
    }

    private Map<String, Object> alerts(String rule, String state, String location, String machineId, Window window, int limit) {
        Instant now = clock.instant();
        Sql.Where where = new Sql.Where()
                .and("(resolved_at is null or resolved_at >= ?)", window.from())
                .andIf(window.to(), "opened_at < ?")
                .andIf(rule, "rule = ?")
                .andIf(location, "location = ?")
                .andIf(machineId, "machine_id = ?");
        if ("open".equals(state)) {
            where.and("resolved_at is null");
        } else if ("resolved".equals(state)) {
            where.and("resolved_at is not null");
        }
        List<Object> args = new ArrayList<>(where.args);
        args.add(limit);
        List<Map<String, Object>> alerts = sql.list("select " + COLUMNS + " from alerts" + where + ORDER + " limit ?", args,
                rs -> alert(rs, now));
        long open = sql.one("select count(*) from alerts" + where + " and resolved_at is null", where.args, rs -> rs.getLong(1));
        return Json.object("from", window.fromText(), "to", window.toText(), "state", state, "limit", limit,
                "open", open, "alerts", alerts);
    }

    /**
     * {@code POST /api/alerts/{id}/ack}: records who acknowledged the alert: the authenticated user,
     * or without authentication the optional {@code by} of the JSON body. Acknowledging again keeps
     * the first acknowledgement.
     */
    public Map<String, Object> acknowledge(@Header("id") Object id, @Header(Caller.HEADER) String user,
            @Header(Caller.AUTHENTICATED_USER) Object vertxUser, @Body String body) {
        long alertId = alertId(id);
        // the body is checked whoever sends it; its name counts only when nobody signed in
        String requested = requestedBy(body);
        String by = Caller.name(user, vertxUser);
        if (Caller.isAnonymous(by) && requested != null) {
            by = requested;
        }
        Instant now = clock.instant();
        Map<String, Object> alert = sql.one("update alerts set acknowledged_at = coalesce(acknowledged_at, now()), "
                + "acknowledged_by = case when acknowledged_at is null then ? else acknowledged_by end where id = ? returning " + COLUMNS,
                Arrays.asList(by, alertId), rs -> alert(rs, now));
        if (alert == null) {
            throw new NotFoundException("id", "there is no alert " + alertId);
        }
        // the next poll of any open dashboard shows the acknowledgement, not the answer from before it
        answers.forget(key -> key instanceof java.util.List<?> list && !list.isEmpty() && "alerts".equals(list.get(0)));
        return alert;
    }

    private static long alertId(Object id) {
        String text = id == null ? "" : id.toString().trim();
        try {
            long value = Long.parseLong(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadParameterException("id", "'id' must be an alert id, a positive whole number");
    }


    /** The body is optional; when given it must be a JSON object whose optional "by" names a person. */
    private static String requestedBy(String body) {
        if (body == null || body.isBlank()) {
            return "anonymous";
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadParameterException("body", "the body must be a JSON object such as {\"by\": \"Dewi\"}, or empty");
        }
        if (request == null || !request.isObject()) {
            throw new BadParameterException("body", "the body must be a JSON object such as {\"by\": \"Dewi\"}, or empty");
        }
        JsonNode by = request.get("by");
        if (by == null || by.isNull()) {
            return "anonymous";
        }
        String name = by.isTextual() ? by.asText().trim() : "";
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
            throw new BadParameterException("by", "'by' must be a name of 1-100 printable characters");
        }
        return name;
    }

    private static String rule(Params params) {
        String value = params.raw("rule");
        if (value != null && !RULE.matcher(value).matches()) {
            throw new BadParameterException("rule", "'rule' must be a rule name such as stock-out or machine-silent");
        }
        return value;
    }

    private static String state(Params params) {
        String value = params.raw("state");
        if (value == null) {
            return "all";
        }
        if (!List.of("open", "resolved", "all").contains(value)) {
            throw new BadParameterException("state", "'state' must be open, resolved or all");
        }
        return value;
    }

    private static Map<String, Object> alert(ResultSet rs, Instant now) throws SQLException {
        Instant opened = Json.instant(rs, "opened_at");
        Instant resolved = Json.instant(rs, "resolved_at");
        return Json.object(
                "id", rs.getLong("id"),
                "rule", rs.getString("rule"),
                "state", resolved == null ? "open" : "resolved",
                "severity", rs.getString("severity"),
                "machineId", emptyAsNull(rs.getString("machine_id")),
                "location", rs.getString("location"),
                "product", emptyAsNull(rs.getString("product")),
                "summary", rs.getString("summary"),
                "openedAt", Json.time(opened),
                "lastSeenAt", Json.time(rs, "last_seen_at"),
                "resolvedAt", Json.time(resolved),
                // how long it has been open (until now, or until it resolved)
                "ageSeconds", Math.max(0, Duration.between(opened, resolved == null ? now : resolved).toSeconds()),
                "acknowledgedAt", Json.time(rs, "acknowledged_at"),
                "acknowledgedBy", rs.getString("acknowledged_by"),
                "details", details(rs.getString("details")));
    }

    private static JsonNode details(String text) throws SQLException {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new SQLException("alert details are not JSON", e);
        }
    }

    private static String emptyAsNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}

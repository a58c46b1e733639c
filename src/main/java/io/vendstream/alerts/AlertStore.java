package io.vendstream.alerts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what a rule's query found into alert state. The rows a rule route hands over are the
 * subjects (machine, product) for which the rule's condition holds right now; one statement then
 * opens an alert for each new subject ({@code insert ... on conflict do nothing} against the
 * one-open-alert index), refreshes the ones already open, resolves the open ones that are no longer
 * found, and writes one transition row and its outbox rows for each opening and resolution.
 *
 * <p>Why this raises and notifies once with any number of instances: the unique index lets only
 * one insert of an open alert succeed, an update of an open alert to resolved re-checks
 * {@code resolved_at is null} on the row it waited for, and the transition rows come from the
 * rows that statement itself changed. A per-rule transaction lock makes instances take turns, and
 * the rule's query runs before that lock: so each evaluation carries the database time its reading
 * started ({@link #readingStarts()}), and one whose reading is not newer than the one applied last
 * changes nothing. An instance never applies an older reading after a newer one.
 */
public final class AlertStore {

    private static final Logger LOG = LoggerFactory.getLogger(AlertStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where every transition goes: the Kafka topic and the notification route. */
    static final List<String> SINKS = List.of("kafka", "notify");

    private static final String UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

    private static final String RECONCILE = """
            with found as (
                select distinct on (machine_id, product) *
                from jsonb_to_recordset(?::jsonb) as f(machine_id text, product text, location text,
                                                      severity text, summary text, details jsonb)
            ),
            refreshed as (
                update alerts a
                   set last_seen_at = now(), details = f.details, severity = f.severity, summary = f.summary
                  from found f
                 where a.rule = ? and a.resolved_at is null and a.machine_id = f.machine_id and a.product = f.product
                returning a.id
            ),
            opened as (
                insert into alerts (rule, machine_id, product, location, severity, summary, details)
                select ?, machine_id, product, location, severity, summary, details from found
                on conflict (rule, machine_id, product) where resolved_at is null do nothing
                returning *
            ),
            resolved as (
                update alerts a
                   set resolved_at = now()
                 where a.rule = ? and a.resolved_at is null
                   and not exists (select 1 from found f where f.machine_id = a.machine_id and f.product = a.product)
                returning *
            ),
            changes as (
                select gen_random_uuid() as transition_id, 'opened' as transition, now() as occurred_at, o.* from opened o
                union all
                select gen_random_uuid(), 'resolved', now(), r.* from resolved r
            ),
            transitions as (
                insert into alert_transitions (id, alert_id, transition, occurred_at, payload)
                select transition_id, id, transition, occurred_at, json_build_object(
                        'schema', 'vendstream.alert.v1',
                        'transitionId', transition_id,
                        'transition', transition,
                        'occurredAt', to_char(occurred_at at time zone 'UTC', %1$s),
                        'alertId', id,
                        'rule', rule,
                        'severity', severity,
                        'machineId', nullif(machine_id, ''),
                        'location', location,
                        'product', nullif(product, ''),
                        'summary', summary,
                        'openedAt', to_char(opened_at at time zone 'UTC', %1$s),
                        'resolvedAt', to_char(resolved_at at time zone 'UTC', %1$s),
                        'details', details)
                from changes
                returning id
            ),
            deliveries as (
                insert into alert_deliveries (transition_id, sink)
                select t.id, s.sink from transitions t cross join unnest(?::text[]) as s(sink)
            )
            select (select count(*) from changes where transition = 'opened') as opened,
                   (select count(*) from changes where transition = 'resolved') as resolved,
                   (select count(*) from refreshed) as still_open
            """.formatted(UTC);

    /** Header with the database time at which a rule's reading started (set by the rule route). */
    public static final String READ_AT = "alertReadAt";

    private final DataSource dataSource;

    public AlertStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Applies one evaluation of {@code rule}: {@code found} are the rows of the rule's query, each
     * with machine_id, product ('' when the rule has none), location, severity, summary and details.
     *
     * @return how many alerts were opened, resolved and are still open from before
     */
    public Map<String, Object> reconcile(@Header("alertRule") String rule, @Header(READ_AT) java.sql.Timestamp readAt,
            @Body List<Map<String, Object>> found) throws SQLException {
        String subjects = subjects(found);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "vendstream-alert-rule:" + rule);
                    lock.execute();
                }
                Map<String, Object> outcome = new LinkedHashMap<>();
                if (!newestReading(c, rule, readAt)) {
                    c.rollback();
                    LOG.debug("Alert rule {}: a newer evaluation has been applied already; this older reading changes nothing", rule);
                    outcome.put("rule", rule);
                    outcome.put("opened", 0L);
                    outcome.put("resolved", 0L);
                    outcome.put("stillOpen", 0L);
                    return outcome;
                }
                try (PreparedStatement ps = c.prepareStatement(RECONCILE)) {
                    ps.setQueryTimeout(30);
                    ps.setString(1, subjects);
                    ps.setString(2, rule);
                    ps.setString(3, rule);
                    ps.setString(4, rule);
                    ps.setArray(5, c.createArrayOf("text", SINKS.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        outcome.put("rule", rule);
                        outcome.put("opened", rs.getLong("opened"));
                        outcome.put("resolved", rs.getLong("resolved"));
                        outcome.put("stillOpen", rs.getLong("still_open"));
                    }
                }
                c.commit();
                if ((long) outcome.get("opened") + (long) outcome.get("resolved") > 0) {
                    LOG.info("Alert rule {}: {} opened, {} resolved, {} still open", rule, outcome.get("opened"),
                            outcome.get("resolved"), outcome.get("stillOpen"));
                }
                return outcome;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The database's time now: taken just before a rule's query reads, as the time of that reading. */
    public java.sql.Timestamp readingStarts() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("select clock_timestamp()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    /** Records this reading as the rule's latest, unless one at least as new was applied already. */
    private static boolean newestReading(Connection c, String rule, java.sql.Timestamp readAt) throws SQLException {
        if (readAt == null) {
            throw new IllegalArgumentException("alert rule " + rule + " was evaluated without the time of its reading (header " + READ_AT + ")");
        }
        try (PreparedStatement ps = c.prepareStatement("insert into alert_rule_readings (rule, read_at) values (?, ?) "
                + "on conflict (rule) do update set read_at = excluded.read_at where alert_rule_readings.read_at < excluded.read_at")) {
            ps.setString(1, rule);
            ps.setTimestamp(2, readAt);
            return ps.executeUpdate() == 1;
        }
    }

    /** The rule's rows as one JSON array, bound as a single parameter (no SQL is built from data). */
    static String subjects(List<Map<String, Object>> found) {
        ArrayNode array = JSON.createArrayNode();
        for (Map<String, Object> row : found) {
            ObjectNode subject = array.addObject();
            subject.put("machine_id", text(row, "machine_id"));
            subject.put("product", text(row, "product"));
            subject.put("location", text(row, "location"));
            subject.put("severity", text(row, "severity"));
            subject.put("summary", text(row, "summary"));
            Object details = row.get("details");
            try {
                // JSON text from a query, or a map from a bean
                subject.set("details", details == null ? JSON.createObjectNode()
                        : details instanceof Map<?, ?> map ? JSON.valueToTree(map) : JSON.readTree(details.toString()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("an alert rule returned details that are not JSON: " + details, e);
            }
        }
        return array.toString();
    }

    private static String text(Map<String, Object> row, String column) {
        if (!row.containsKey(column)) {
            throw new IllegalArgumentException("an alert rule's query must return the column " + column
                    + " (it returned " + row.keySet() + ")");
        }
        Object value = row.get(column);
        return value == null ? "" : value.toString();
    }
}

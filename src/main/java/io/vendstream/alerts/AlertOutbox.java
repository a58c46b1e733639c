package io.vendstream.alerts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side of the alert outbox (table alert_deliveries): hands out the transitions due for
 * a sink, and records whether their delivery worked. A claim moves the row's next attempt a lease
 * into the future, so another instance does not take it meanwhile, and a row whose instance died
 * comes back when the lease ends; a failure moves it by an exponential backoff instead. A transition
 * is only handed out once the earlier transitions of the same alert reached that sink, so a
 * receiver never sees an alert resolved before it saw it opened.
 */
public final class AlertOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(AlertOutbox.class);

    private static final String CLAIM = """
            update alert_deliveries d
               set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
              from (select d2.transition_id, d2.sink
                      from alert_deliveries d2
                      join alert_transitions t2 on t2.id = d2.transition_id
                     where d2.sink = ? and d2.delivered_at is null and d2.next_attempt_at <= now()
                       and not exists (select 1 from alert_deliveries e
                                         join alert_transitions u on u.id = e.transition_id
                                        where e.sink = d2.sink and e.delivered_at is null
                                          and u.alert_id = t2.alert_id and u.seq < t2.seq)
                     order by t2.seq
                     limit ?
                       for update of d2 skip locked) due,
                   alert_transitions t
             where d.transition_id = due.transition_id and d.sink = due.sink and t.id = d.transition_id
            returning t.id, t.seq, t.transition, d.attempts, t.payload::text as payload,
                      t.payload ->> 'rule' as rule, t.payload ->> 'severity' as severity,
                      t.payload ->> 'machineId' as machine_id, t.payload ->> 'location' as location,
                      t.payload ->> 'product' as product, t.payload ->> 'summary' as summary
            """;

    private static final String DELIVERED = """
            update alert_deliveries set delivered_at = now(), last_error = null
             where transition_id = ?::uuid and sink = ? and delivered_at is null
            """;

    private static final String FAILED = """
            update alert_deliveries
               set next_attempt_at = now() + make_interval(secs => least(?, ? * power(2, greatest(attempts - 1, 0))) / 1000.0),
                   last_error = left(?, 1000)
             where transition_id = ?::uuid and sink = ? and delivered_at is null
            """;

    // the fields of a claimed transition a delivery shows as exchange properties, alert<Field>
    private static final List<String> PROPERTIES = List.of("transitionId", "sink", "attempts", "transition", "rule",
            "severity", "machineId", "location", "product", "summary");

    private final DataSource dataSource;
    private final int batchSize;
    private final int leaseSeconds;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;

    public AlertOutbox(DataSource dataSource, int batchSize, int leaseSeconds, long initialBackoffMillis, long maxBackoffMillis) {
        this.dataSource = dataSource;
        this.batchSize = batchSize;
        this.leaseSeconds = leaseSeconds;
        this.initialBackoffMillis = initialBackoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
    }

    /**
     * The transitions due for {@code sink}, oldest first, each leased to this caller: transitionId,
     * transition, attempts, payload (the alert JSON), and rule, severity, machineId, location,
     * product and summary from it.
     */
    public List<Map<String, Object>> claim(String sink) throws SQLException {
        List<Map<String, Object>> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setQueryTimeout(30);
            ps.setInt(1, leaseSeconds);
            ps.setString(2, sink);
            ps.setInt(3, batchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("seq", rs.getLong("seq"));
                    row.put("transitionId", rs.getString("id"));
                    row.put("sink", sink);
                    row.put("transition", rs.getString("transition"));
                    row.put("attempts", rs.getInt("attempts"));
                    row.put("rule", rs.getString("rule"));
                    row.put("severity", rs.getString("severity"));
                    row.put("machineId", rs.getString("machine_id"));
                    row.put("location", rs.getString("location"));
                    row.put("product", rs.getString("product"));
                    row.put("summary", rs.getString("summary"));
                    // the Kafka key: the machine, or the location for an alert about a whole location
                    row.put("key", rs.getString("machine_id") != null ? rs.getString("machine_id") : rs.getString("location"));
                    row.put("payload", rs.getString("payload"));
                    due.add(row);
                }
            }
        }
        due.sort(Comparator.comparingLong(row -> (Long) row.get("seq")));
        return due;
    }

    /**
     * Shows a claimed transition to the route that delivers it: each field becomes the exchange property
     * alert&lt;Field&gt; (alertTransitionId, alertSink, alertAttempts, which {@link #delivered} and {@link #failed}
     * read, and alertTransition, alertRule, alertSeverity, alertMachineId, alertLocation, alertProduct,
     * alertSummary, which notification channels use: routes/notify-alerts.camel.yaml).
     */
    public void expose(@Body Map<String, Object> due, Exchange exchange) {
        for (String field : PROPERTIES) {
            exchange.setProperty("alert" + Character.toUpperCase(field.charAt(0)) + field.substring(1), due.get(field));
        }
    }

    /**
     * Records a delivery, without waiting for its write-ahead log record to reach disk: a mark lost
     * in a crash means the transition is delivered again, which at-least-once delivery allows (the
     * log keeps commits in order, so marks are only ever lost from the latest backwards, and the
     * order in which an alert's transitions reach a sink holds). A burst of transitions (a rule
     * opening and resolving many alerts at once) then costs no disk flush per transition, which
     * delayed the events ingest was committing meanwhile.
     */
    public void delivered(@ExchangeProperty("alertTransitionId") String transitionId, @ExchangeProperty("alertSink") String sink)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); PreparedStatement ps = c.prepareStatement(DELIVERED)) {
                st.execute("set local synchronous_commit = off");
                ps.setQueryTimeout(30);
                ps.setString(1, transitionId);
                ps.setString(2, sink);
                ps.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    /** Records a failed attempt; the transition is offered again after the backoff. */
    public void failed(@ExchangeProperty("alertTransitionId") String transitionId, @ExchangeProperty("alertSink") String sink,
            @ExchangeProperty("alertAttempts") int attempts, @ExchangeProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT) Throwable cause)
            throws SQLException {
        String reason = cause == null ? "unknown error" : io.vendstream.config.Failures.rootMessage(cause);
        LOG.warn("Alert transition {} not delivered to {} (attempt {}): {}; retrying with backoff", transitionId, sink, attempts, reason);
        update(FAILED, transitionId, sink, reason);
    }

    private void update(String sql, String transitionId, String sink, String error) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(30);
            int i = 1;
            if (error != null) {
                ps.setDouble(i++, maxBackoffMillis);
                ps.setDouble(i++, initialBackoffMillis);
                ps.setString(i++, error);
            }
            ps.setString(i++, transitionId);
            ps.setString(i, sink);
            ps.executeUpdate();
        }
    }
}

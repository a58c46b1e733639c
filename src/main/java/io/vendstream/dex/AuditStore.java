package io.vendstream.dex;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Keeps audit reads in PostgreSQL (V9__dex_audits.sql): each read once (its bytes' SHA-256 is the
 * key), parsed into its totals, selections and events, and the interval it closes with the
 * machine's previous read. All of one read is one transaction, so a read is either whole or absent.
 *
 * <p>Intervals follow read time, not arrival: a read that arrives after a later one of the same
 * machine (a driver's handheld uploaded late) is put between its neighbours, and the later
 * read's interval is made again from it. The work is the read's own rows and at most two
 * intervals, whatever the history.
 */
final class AuditStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What became of a read. */
    record Stored(long readId, String status, boolean duplicate, Optional<String> machineId, Optional<String> reason,
                  Optional<String> detail) {
        Stored(long readId, String status, Optional<String> machineId) {
            this(readId, status, false, machineId, Optional.empty(), Optional.empty());
        }
    }

    /** A read as it arrived: bytes, where from, who sent it. */
    record Received(byte[] raw, byte[] sha256, String source, String fileName, String by) {
    }

    private final DataSource dataSource;
    private final ZoneId zone;

    AuditStore(DataSource dataSource, ZoneId zone) {
        this.dataSource = dataSource;
        this.zone = zone;
    }

    /** The read already stored with these bytes, if any. */
    Optional<Stored> find(byte[] sha256) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return find(c, sha256);
        }
    }

    private static Optional<Stored> find(Connection c, byte[] sha256) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select read_id, status, machine_id, reason, detail from dex_reads "
                + "where content_sha256 = ?")) {
            ps.setBytes(1, sha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Stored(rs.getLong(1), rs.getString(2), true, Optional.ofNullable(rs.getString(3)),
                        Optional.ofNullable(rs.getString(4)), Optional.ofNullable(rs.getString(5)))) : Optional.empty();
            }
        }
    }

    /** The machine a serial number is bound to. */
    private static Optional<String> boundMachine(Connection c, String serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select machine_id from dex_machine_bindings where serial = ?")) {
            ps.setString(1, serial);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Reads and bindings of one serial, one transaction at a time (released at commit). */
    private static void lockSerial(Connection c, String serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_advisory_xact_lock(hashtext('dex-serial:' || ?))")) {
            ps.setString(1, serial);
            ps.executeQuery().close();
        }
    }

    /** A read that cannot be read: kept with its reason, line and segment. */
    Stored storeRejected(Received in, DexFormatException e) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into dex_reads (content_sha256, source, file_name, received_by, raw, "
                    + "status, reason, detail, line_no, segment) values (?, ?, ?, ?, ?, 'rejected', ?, ?, ?, ?) "
                    + "on conflict (content_sha256) do nothing returning read_id")) {
                bindReceived(ps, in);
                ps.setString(6, e.reason().name());
                ps.setString(7, e.getMessage());
                ps.setInt(8, e.line());
                ps.setString(9, e.segment());
                return inserted(c, ps, in, "rejected", null);
            }
        }
    }

    /**
     * A parsed read of the machine the sender named (which binds the read's serial to it), else of
     * the machine its serial is bound to, else held as {@code unknown_machine}. The serial's lock
     * orders this against a binding of the same serial, so a read never misses a binding that
     * committed before it.
     */
    Stored storeParsed(Received in, DexRead read, Optional<String> namedMachine, Optional<String> location) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Optional<String> machineId = namedMachine;
                if (read.machineSerial().isPresent()) {
                    lockSerial(c, read.machineSerial().get());
                    if (machineId.isEmpty()) {
                        machineId = boundMachine(c, read.machineSerial().get());
                    }
                }
                Stored stored;
                try (PreparedStatement ps = c.prepareStatement("insert into dex_reads (content_sha256, source, file_name, received_by, raw, "
                        + "status, reason, serial, machine_id, read_at, currency, paid_vends, paid_value, cash_vends, cash_value, "
                        + "cashless_vends, cashless_value, cash_to_box, findings) "
                        + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, now()), ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) "
                        + "on conflict (content_sha256) do nothing returning read_id")) {
                    bindReceived(ps, in);
                    ps.setString(6, machineId.isPresent() ? "parsed" : "unknown_machine");
                    ps.setString(7, machineId.isPresent() ? null : "UNKNOWN_MACHINE");
                    ps.setString(8, read.machineSerial().orElse(null));
                    ps.setString(9, machineId.orElse(null));
                    ps.setTimestamp(10, read.readTime().map(t -> Timestamp.from(t.atZone(zone).toInstant())).orElse(null));
                    ps.setString(11, read.currency().orElse(null));
                    setLong(ps, 12, read.paidVends());
                    ps.setBigDecimal(13, read.paidValue().orElse(null));
                    setLong(ps, 14, read.cashVends());
                    ps.setBigDecimal(15, read.cashValue().orElse(null));
                    setLong(ps, 16, read.cashlessVends());
                    ps.setBigDecimal(17, read.cashlessValue().orElse(null));
                    ps.setBigDecimal(18, read.cashToBox().orElse(null));
                    ps.setString(19, json(findings(read)));
                    stored = inserted(c, ps, in, machineId.isPresent() ? "parsed" : "unknown_machine", machineId.orElse(null));
                }
                if (stored.duplicate()) {
                    c.rollback();
                    return stored;
                }
                insertDetails(c, stored.readId(), read);
                if (namedMachine.isPresent() && read.machineSerial().isPresent()) {
                    bind(c, read.machineSerial().get(), machineId.get(), in.by());
                }
                if (machineId.isPresent()) {
                    noteMachine(c, machineId.get(), location, stored.readId());
                    placeInterval(c, stored.readId(), machineId.get());
                }
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Binds a held read's serial to {@code machineId} and processes every read held for that serial,
     * oldest first (a read without a serial is processed alone); answers how many were processed.
     */
    int bindHeld(long readId, String machineId, Optional<String> location, String by) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                String serial;
                try (PreparedStatement ps = c.prepareStatement("select serial, status from dex_reads where read_id = ? for update")) {
                    ps.setLong(1, readId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalArgumentException("no read " + readId);
                        }
                        if (!"unknown_machine".equals(rs.getString(2))) {
                            throw new IllegalStateException("read " + readId + " is " + rs.getString(2) + ", not held for an unknown machine");
                        }
                        serial = rs.getString(1);
                    }
                }
                if (serial != null) {
                    lockSerial(c, serial);
                    bind(c, serial, machineId, by);
                }
                List<Long> held = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("update dex_reads set status = 'parsed', reason = null, machine_id = ? "
                        + "where status = 'unknown_machine' and (serial = ? or read_id = ?) returning read_id, read_at")) {
                    ps.setString(1, machineId);
                    ps.setString(2, serial);
                    ps.setLong(3, readId);
                    try (ResultSet rs = ps.executeQuery()) {
                        List<Object[]> rows = new ArrayList<>();
                        while (rs.next()) {
                            rows.add(new Object[] {rs.getLong(1), rs.getTimestamp(2)});
                        }
                        rows.sort((a, b) -> ((Timestamp) a[1]).compareTo((Timestamp) b[1]));
                        rows.forEach(r -> held.add((Long) r[0]));
                    }
                }
                for (long id : held) {
                    noteMachine(c, machineId, location, id);
                    placeInterval(c, id, machineId);
                }
                c.commit();
                return held.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static void bind(Connection c, String serial, String machineId, String by) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into dex_machine_bindings (serial, machine_id, bound_by) values (?, ?, ?) "
                + "on conflict (serial) do update set machine_id = excluded.machine_id, bound_at = now(), bound_by = excluded.bound_by")) {
            ps.setString(1, serial);
            ps.setString(2, machineId);
            ps.setString(3, by);
            ps.executeUpdate();
        }
    }

    private void insertDetails(Connection c, long readId, DexRead read) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into dex_read_selections (read_id, selection, product, price, vends, value, "
                + "vends_reset, value_reset) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing")) {
            for (DexSelection s : read.selections()) {
                ps.setLong(1, readId);
                ps.setString(2, s.selection());
                ps.setString(3, productOf(s));
                ps.setBigDecimal(4, s.price().orElse(null));
                setLong(ps, 5, s.vendsSinceInit());
                ps.setBigDecimal(6, s.valueSinceInit().orElse(null));
                setLong(ps, 7, s.vendsSinceReset());
                ps.setBigDecimal(8, s.valueSinceReset().orElse(null));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into dex_read_events (read_id, line_no, event_code, occurred_at) "
                + "values (?, ?, ?, ?)")) {
            for (DexSegment.Event e : read.events()) {
                ps.setLong(1, readId);
                ps.setInt(2, e.line());
                ps.setString(3, e.eventId());
                ps.setTimestamp(4, e.at().map(t -> Timestamp.from(t.atZone(zone).toInstant())).orElse(null));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("update dex_reads set reset_totals = ?::jsonb, payment_devices = ?::jsonb "
                + "where read_id = ?")) {
            ps.setString(1, json(totals(read.sinceReset())));
            ps.setString(2, json(paymentDevices(read)));
            ps.setLong(3, readId);
            ps.executeUpdate();
        }
    }

    /**
     * Records that the audits know {@code machineId}: where it is (the location named now, else the one
     * named before, else {@value #UNASSIGNED}) and when it was read.
     */
    private static void noteMachine(Connection c, String machineId, Optional<String> location, long readId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into audit_machines as a (machine_id, location, first_read_at, last_read_at) "
                + "select ?, coalesce(?, '" + UNASSIGNED + "'), read_at, read_at from dex_reads where read_id = ? "
                + "on conflict (machine_id) do update set location = coalesce(?, a.location), "
                + "first_read_at = least(a.first_read_at, excluded.first_read_at), "
                + "last_read_at = greatest(a.last_read_at, excluded.last_read_at)")) {
            ps.setString(1, machineId);
            ps.setString(2, location.orElse(null));
            ps.setLong(3, readId);
            ps.setString(4, location.orElse(null));
            ps.executeUpdate();
        }
    }

    /** The location of an audit-only machine nobody named. */
    static final String UNASSIGNED = "Unassigned";

    /** PA1's product identifier, or the selection when the machine gives none. */
    static String productOf(DexSelection s) {
        return s.productId() == null || s.productId().isBlank() ? "selection " + s.selection() : s.productId();
    }

    // ---------------------------------------------------------------------------------------------
    // intervals

    /** A read's counters, as stored. */
    private record Counters(long readId, Instant readAt, Map<String, Long> totals, Map<String, BigDecimal> values,
                            Map<String, Long> resetTotals, Map<String, BigDecimal> resetValues,
                            Map<String, long[]> selections, Map<String, BigDecimal[]> selectionValues) {
    }

    /**
     * Makes the interval that {@code readId} closes (from the machine's previous read) and remakes
     * the one of the machine's next read, which now starts at this one.
     */
    private void placeInterval(Connection c, long readId, String machineId) throws SQLException {
        Instant readAt;
        try (PreparedStatement ps = c.prepareStatement("select read_at from dex_reads where read_id = ?")) {
            ps.setLong(1, readId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                readAt = rs.getTimestamp(1).toInstant();
            }
        }
        Optional<Long> previous = neighbour(c, machineId, readAt, readId, "<", "desc");
        Optional<Long> next = neighbour(c, machineId, readAt, readId, ">", "asc");
        Counters current = counters(c, readId);
        if (previous.isPresent()) {
            writeInterval(c, counters(c, previous.get()), current, machineId);
        }
        if (next.isPresent()) {
            writeInterval(c, current, counters(c, next.get()), machineId);
        }
    }

    private static Optional<Long> neighbour(Connection c, String machineId, Instant readAt, long readId, String op, String order)
            throws SQLException {
        // ties in read time are ordered by arrival (read_id)
        String sql = "select read_id from dex_reads where status = 'parsed' and machine_id = ? and read_id <> ? "
                + "and (read_at " + op + " ? or (read_at = ? and read_id " + op + " ?)) order by read_at " + order + ", read_id " + order
                + " limit 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, machineId);
            ps.setLong(2, readId);
            ps.setTimestamp(3, Timestamp.from(readAt));
            ps.setTimestamp(4, Timestamp.from(readAt));
            ps.setLong(5, readId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private Counters counters(Connection c, long readId) throws SQLException {
        Map<String, Long> totals = new LinkedHashMap<>();
        Map<String, BigDecimal> values = new LinkedHashMap<>();
        Map<String, Long> resetTotals = new LinkedHashMap<>();
        Map<String, BigDecimal> resetValues = new LinkedHashMap<>();
        Instant readAt;
        try (PreparedStatement ps = c.prepareStatement("select read_at, paid_vends, paid_value, cash_vends, cash_value, cashless_vends, "
                + "cashless_value, cash_to_box, reset_totals::text from dex_reads where read_id = ?")) {
            ps.setLong(1, readId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                readAt = rs.getTimestamp(1).toInstant();
                for (String kind : KINDS) {
                    totals.put(kind, (Long) rs.getObject(kind + "_vends", Long.class));
                    values.put(kind, rs.getBigDecimal(kind + "_value"));
                }
                values.put("cash_to_box", rs.getBigDecimal("cash_to_box"));
                readResetTotals(rs.getString("reset_totals"), resetTotals, resetValues);
            }
        }
        Map<String, long[]> selections = new LinkedHashMap<>();
        Map<String, BigDecimal[]> selectionValues = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select product, vends, value, vends_reset, value_reset "
                + "from dex_read_selections where read_id = ?")) {
            ps.setLong(1, readId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] vends = selections.computeIfAbsent(rs.getString(1), k -> new long[] {0, 0, 0});
                    BigDecimal[] value = selectionValues.computeIfAbsent(rs.getString(1), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                    // [0] since init, [1] since reset, [2] 1 when some counter is missing
                    Long init = rs.getObject(2, Long.class);
                    Long reset = rs.getObject(4, Long.class);
                    vends[0] += init == null ? 0 : init;
                    vends[1] += reset == null ? 0 : reset;
                    vends[2] |= init == null ? 1 : 0;
                    value[0] = value[0].add(orZero(rs.getBigDecimal(3)));
                    value[1] = value[1].add(orZero(rs.getBigDecimal(5)));
                }
            }
        }
        return new Counters(readId, readAt, totals, values, resetTotals, resetValues, selections, selectionValues);
    }

    private static final List<String> KINDS = List.of("paid", "cash", "cashless");

    /**
     * What the machine counted between two reads: the difference of the since-initialisation
     * counters; where one went down (the controller was reset or replaced), the later read's
     * since-reset counters are the best the files can say, and the interval is marked reset.
     */
    private void writeInterval(Connection c, Counters from, Counters to, String machineId) throws SQLException {
        boolean reset = false;
        Long[] vends = new Long[KINDS.size()];
        BigDecimal[] values = new BigDecimal[KINDS.size()];
        for (int i = 0; i < KINDS.size(); i++) {
            String kind = KINDS.get(i);
            Long a = from.totals().get(kind);
            Long b = to.totals().get(kind);
            BigDecimal va = from.values().get(kind);
            BigDecimal vb = to.values().get(kind);
            if (a != null && b != null && b >= a && va != null && vb != null && vb.compareTo(va) >= 0) {
                vends[i] = b - a;
                values[i] = vb.subtract(va);
            } else if (b != null) {
                reset |= a != null;
                vends[i] = to.resetTotals().get(kind);
                values[i] = to.resetValues().get(kind);
            }
        }
        BigDecimal boxFrom = from.values().get("cash_to_box");
        BigDecimal boxTo = to.values().get("cash_to_box");
        BigDecimal toBox = boxFrom != null && boxTo != null && boxTo.compareTo(boxFrom) >= 0 ? boxTo.subtract(boxFrom) : null;
        AuditSales.revert(c, to.readId());
        try (PreparedStatement ps = c.prepareStatement("delete from dex_intervals where read_id = ?")) {
            ps.setLong(1, to.readId());
            ps.executeUpdate();
        }
        Map<String, long[]> products = new LinkedHashMap<>();
        Map<String, BigDecimal> productValues = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : to.selections().entrySet()) {
            long[] before = from.selections().get(e.getKey());
            BigDecimal[] valueBefore = from.selectionValues().get(e.getKey());
            BigDecimal[] valueAfter = to.selectionValues().get(e.getKey());
            long[] after = e.getValue();
            boolean monotonic = before != null && after[2] == 0 && before[2] == 0 && after[0] >= before[0]
                    && valueAfter[0].compareTo(valueBefore[0]) >= 0;
            if (before != null && !monotonic) {
                reset = true;
            }
            // a product new to this read (a slot given another product) or a counter that went back:
            // the since-reset counters, never the selection's lifetime
            products.put(e.getKey(), new long[] {monotonic ? after[0] - before[0] : after[1]});
            productValues.put(e.getKey(), monotonic ? valueAfter[0].subtract(valueBefore[0]) : valueAfter[1]);
        }
        try (PreparedStatement ps = c.prepareStatement("insert into dex_intervals (read_id, previous_read_id, machine_id, from_at, to_at, "
                + "counter_reset, paid_vends, paid_value, cash_vends, cash_value, cashless_vends, cashless_value, cash_to_box) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, to.readId());
            ps.setLong(2, from.readId());
            ps.setString(3, machineId);
            ps.setTimestamp(4, Timestamp.from(from.readAt()));
            ps.setTimestamp(5, Timestamp.from(to.readAt()));
            ps.setBoolean(6, reset);
            for (int i = 0; i < KINDS.size(); i++) {
                ps.setObject(7 + 2 * i, vends[i], Types.BIGINT);
                ps.setBigDecimal(8 + 2 * i, values[i]);
            }
            ps.setBigDecimal(13, toBox);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into dex_interval_products (read_id, product, vends, value) values (?, ?, ?, ?)")) {
            for (Map.Entry<String, long[]> e : products.entrySet()) {
                ps.setLong(1, to.readId());
                ps.setString(2, e.getKey());
                ps.setLong(3, e.getValue()[0]);
                ps.setBigDecimal(4, productValues.get(e.getKey()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        AuditSales.applyIfAuditOnly(c, to.readId(), machineId, zone, from.readAt(), to.readAt(), products, productValues,
                new long[] {orZero(vends[1]), orZero(vends[2])},
                new BigDecimal[] {values[1] == null ? BigDecimal.ZERO : values[1], values[2] == null ? BigDecimal.ZERO : values[2]});
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    // ---------------------------------------------------------------------------------------------

    private static void bindReceived(PreparedStatement ps, Received in) throws SQLException {
        ps.setBytes(1, in.sha256());
        ps.setString(2, in.source());
        ps.setString(3, in.fileName());
        ps.setString(4, in.by());
        ps.setBytes(5, in.raw());
    }

    /** The new read's id, or the stored one's when the same bytes were there already. */
    private static Stored inserted(Connection c, PreparedStatement ps, Received in, String status, String machineId)
            throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                return new Stored(rs.getLong(1), status, Optional.ofNullable(machineId));
            }
        }
        // the same bytes were stored by another upload in the meantime: that read, on this connection
        return find(c, in.sha256()).orElseThrow(() -> new SQLException("a read with these bytes was deleted while storing it"));
    }

    private static void setLong(PreparedStatement ps, int index, OptionalLong value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, value.getAsLong());
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    private static List<Map<String, Object>> findings(DexRead read) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (DexFinding f : read.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", f.kind().name());
            m.put("line", f.line());
            m.put("segment", f.segment());
            m.put("message", f.message());
            list.add(m);
        }
        return list;
    }

    /** Each cashless reader with its identity (DA1/DB1) and sales (DA2/DB2), in currency units. */
    private static List<Map<String, Object>> paymentDevices(DexRead read) {
        List<Map<String, Object>> devices = new ArrayList<>();
        for (DexSegment segment : read.segments()) {
            if (segment instanceof DexSegment.CashlessSales sales) {
                String reader = sales.id().startsWith("DB") ? "DB" : "DA";
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reader", reader.equals("DA") ? 1 : 2);
                read.cashlessReaders().stream().filter(r -> r.id().startsWith(reader)).findFirst().ifPresentOrElse(r -> {
                    m.put("serialNumber", r.serialNumber());
                    m.put("model", r.model());
                }, () -> {
                    m.put("serialNumber", null);
                    m.put("model", null);
                });
                m.put("vends", sales.vendsSinceInit().isPresent() ? sales.vendsSinceInit().getAsLong() : null);
                m.put("value", sales.valueSinceInit().orElse(null));
                m.put("vendsSinceReset", sales.vendsSinceReset().isPresent() ? sales.vendsSinceReset().getAsLong() : null);
                m.put("valueSinceReset", sales.valueSinceReset().orElse(null));
                devices.add(m);
            }
        }
        return devices;
    }

    private static Map<String, Object> totals(DexTotals t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("paid_vends", t.paidVends().isPresent() ? t.paidVends().getAsLong() : null);
        m.put("paid_value", t.paidValue().orElse(null));
        m.put("cash_vends", t.cashVends().isPresent() ? t.cashVends().getAsLong() : null);
        m.put("cash_value", t.cashValue().orElse(null));
        m.put("cashless_vends", t.cashlessVends().isPresent() ? t.cashlessVends().getAsLong() : null);
        m.put("cashless_value", t.cashlessValue().orElse(null));
        return m;
    }

    private static void readResetTotals(String json, Map<String, Long> vends, Map<String, BigDecimal> values) {
        if (json == null) {
            return;
        }
        try {
            var node = JSON.readTree(json);
            for (String kind : KINDS) {
                var v = node.get(kind + "_vends");
                var a = node.get(kind + "_value");
                vends.put(kind, v == null || v.isNull() ? null : v.asLong());
                values.put(kind, a == null || a.isNull() ? null : a.decimalValue());
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable reset totals " + json, e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

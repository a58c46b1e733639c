package io.vendstream.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import javax.sql.DataSource;

import io.vendstream.ingest.IngestBatch.Accepted;
import io.vendstream.ingest.IngestBatch.AcceptedPayment;
import io.vendstream.ingest.IngestBatch.Refused;

/**
 * Stores one poll in one PostgreSQL transaction (a large poll from several partitions in one
 * transaction per group of partitions, run at the same time by {@link ParallelWriters}), so that
 * each valid event takes effect exactly once:
 * <ol>
 * <li>lock the source partitions' rows in {@code ingest_partitions} and drop records below their
 * fence (already handled by an earlier delivery, here or on another instance);</li>
 * <li>claim each eventId by inserting the candidate sales and restocks themselves, with their source
 * partition and offset ({@code ON CONFLICT (event_id) DO NOTHING RETURNING}, both tables in one
 * statement): the primary keys of {@code sales} and {@code restocks} are the idempotent repository,
 * the ids returned are new, the others are counted as duplicates. A candidate whose eventId is
 * already stored as the other type is not inserted (a check against the other table), so it is a
 * duplicate too;</li>
 * <li>fold the new sales and restocks into current stock, machines and the rollups
 * ({@link Projections}: aggregated per batch first, so no upsert touches a row twice);</li>
 * <li>record rejections in {@code rejected_events} (unique per source record);</li>
 * <li>advance the fences and the reconciliation counters.</li>
 * </ol>
 * Rows are sent as arrays through {@code unnest} ({@link Columns}, {@link Writes}), in key order (sales by eventId, then restocks by
 * eventId) so that concurrent instances, consumers and writers lock rows in the same order. (The
 * writers of one poll have disjoint partitions, so disjoint fences, and disjoint machines, so
 * disjoint stock and rollup rows, and latency rows of their own.) Steps 3 and 5 are a single
 * statement of data-modifying CTEs (PostgreSQL runs each to completion), so a batch of valid events
 * costs four round trips in all: fences, claim, writes, commit (a poll with rejections adds two, a
 * partition never seen before two more). At a steady trickle of events the batch's fixed cost is
 * what the end-to-end latency is made of, and one round trip per table made it several times longer.
 *
 * <p>Payment events (the payments topic, contract payment-v1) take the same path: fences, then their
 * own claim, the primary key of {@code payments}, in one statement that also queues each new one's
 * transactionRef for matching ({@code payment_match_queue}); the claim of new sales queues the
 * transactionRef of those that carry one in the same way, so a vending poll keeps its round trips.
 *
 * <p>What the claim serialises: an eventId of one type, whatever the partitions and instances (the
 * second insert waits on the primary key for the first transaction and then finds its row); and an
 * eventId of either type on one partition (the fence row's lock), and of either type within one
 * poll (a poll with one eventId from two partitions is not split among writers). What it does not:
 * two instances (or consumers) storing the same eventId at the same moment as a sale on one
 * partition and as a restock on another. Neither transaction sees the other's uncommitted row, so
 * both are stored. Events are keyed by machine, so this takes a producer that reuses one id across types and machines: a
 * malformed producer, not a retry. ({@code processed_events} was one table for both types and did
 * serialise it; it is now a view of the two tables.) Closing it would take a lock on the sales side
 * too, per eventId (thousands of lock-table entries per batch) or per bucket of ids (every batch
 * with a restock waits for every batch in flight), so it is left open.
 */
public final class EventStore {

    private final DataSource dataSource;
    private final Projections projections;
    private final ParallelWriters writers;
    private final ChangeFeed changes;
    private final StockContinuity continuity;

    /** One transaction per poll, whatever its size. */
    public EventStore(DataSource dataSource, String timezone) {
        this(dataSource, timezone, 1, Integer.MAX_VALUE);
    }

    public EventStore(DataSource dataSource, String timezone, int writers, int parallelFrom) {
        this(dataSource, timezone, writers, parallelFrom, null);
    }

    /**
     * A poll of at least {@code parallelFrom} records to handle, from several source partitions,
     * is stored as up to {@code writers} transactions at once, each of whole partitions (the
     * calling thread stores one of them); a smaller poll is one transaction. After each commit the
     * events it stored go to {@code changes} (may be null): the open screens learn of them from
     * what this transaction already holds, without another query.
     */
    public EventStore(DataSource dataSource, String timezone, int writers, int parallelFrom, ChangeFeed changes) {
        this(dataSource, timezone, writers, parallelFrom, changes, null);
    }

    /**
     * As above; and after each commit what it stored goes to {@code continuity} (may be null), which
     * judges the slots' stock chains on its own thread.
     */
    public EventStore(DataSource dataSource, String timezone, int writers, int parallelFrom, ChangeFeed changes,
            StockContinuity continuity) {
        this.dataSource = dataSource;
        this.changes = changes;
        this.continuity = continuity;
        this.projections = new Projections(ZoneId.of(timezone));
        this.writers = new ParallelWriters(writers, parallelFrom);
    }

    /** Stops the writer threads (a bean's destroy method). */
    public void close() {
        writers.close();
    }

    /** What one store did, for logs and tests. */
    public record Outcome(int consumed, int stored, int duplicates, int rejected) {
        Outcome plus(Outcome o) {
            return new Outcome(consumed + o.consumed, stored + o.stored, duplicates + o.duplicates, rejected + o.rejected);
        }
    }

    /**
     * Stores the poll: as one transaction, or, when it is large and spans partitions, as one
     * transaction per part (see {@link IngestBatch#byPartition}) run at the same time. Returns once
     * every part has committed or failed; if one failed, that failure is thrown and the whole poll
     * is retried, in which the parts already committed are below their fences and change nothing.
     */
    public Outcome store(IngestBatch batch) throws SQLException {
        return writers.store(batch, this::storeOne);
    }

    /** Commits, with the stock judge told before (so that it knows something is on its way) and, should it fail, after. */
    private void commit(Connection c) throws SQLException {
        if (continuity == null) {
            c.commit();
            return;
        }
        continuity.committing();
        boolean committed = false;
        try {
            c.commit();
            committed = true;
        } finally {
            if (!committed) {
                continuity.notCommitted();
            }
        }
    }

    private Outcome storeOne(IngestBatch batch, int writer) throws SQLException {
        if (batch.getFreshCount() == 0) {
            return new Outcome(0, 0, 0, 0);
        }
        String topic = batch.polled().get(0).topic();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<VendingEvent> fresh = new ArrayList<>();
                List<SourceRecord> sources = new ArrayList<>();
                Map<Integer, long[]> ranges = new HashMap<>();
                Outcome outcome = store(c, topic, batch, writer, fresh, sources, ranges);
                commit(c);
                if (continuity != null) {
                    continuity.committed(StockContinuity.Committed.of(topic, fresh, sources, ranges));
                }
                if (changes != null) {
                    changes.committed(fresh, outcome);
                }
                return outcome;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    /**
     * Where each partition's records of the batch start (its fence before) and end (its next offset
     * after): what this transaction covered, for the stock judge's check that its chains are whole.
     */
    private Outcome store(Connection c, String topic, IngestBatch batch, int writer, List<VendingEvent> fresh,
            List<SourceRecord> sources, Map<Integer, long[]> ranges) throws SQLException {
        Map<Integer, Long> fences = lockFences(c, topic, batch);
        List<Accepted> accepted = batch.accepted().stream().filter(a -> isFresh(a.source(), fences)).toList();
        List<Refused> refused = batch.refused().stream().filter(r -> isFresh(r.source(), fences)).toList();
        Map<Integer, PartitionTally> tallies = new TreeMap<>();
        accepted.forEach(a -> tally(tallies, a.source()).consumed++);
        refused.forEach(r -> tally(tallies, r.source()).consumed++);
        refused.forEach(r -> tally(tallies, r.source()).rejected++);
        List<AcceptedPayment> payments = batch.payments().stream().filter(a -> isFresh(a.source(), fences)).toList();
        payments.forEach(a -> tally(tallies, a.source()).consumed++);

        // within the batch, the first record of an eventId is the candidate; later ones are duplicates
        Map<UUID, Accepted> candidates = new LinkedHashMap<>();
        for (Accepted a : accepted) {
            if (candidates.putIfAbsent(a.event().eventId(), a) != null) {
                tally(tallies, a.source()).duplicates++;
            }
        }
        Set<UUID> claimed = claim(c, candidates.values());
        long[] receivedAt = new long[claimed.size()];
        for (Accepted a : candidates.values()) {
            if (claimed.contains(a.event().eventId())) {
                receivedAt[fresh.size()] = a.source().liveReceivedAt();
                fresh.add(a.event());
                sources.add(a.source());
                tally(tallies, a.source()).stored++;
            } else {
                tally(tallies, a.source()).duplicates++;
            }
        }
        int storedPayments = payments.isEmpty() ? 0 : storePayments(c, payments, tallies);
        insertRejections(c, refused);
        Writes writes = new Writes();
        projections.write(writes, fresh, receivedAt, writer);
        advanceFences(writes, topic, tallies);
        writes.execute(c);
        tallies.forEach((partition, t) -> ranges.put(partition, new long[] {fences.getOrDefault(partition, 0L), t.nextOffset}));
        int consumed = accepted.size() + payments.size() + refused.size();
        int duplicates = tallies.values().stream().mapToInt(t -> t.duplicates).sum();
        return new Outcome(consumed, fresh.size() + storedPayments, duplicates, refused.size());
    }

    private static boolean isFresh(SourceRecord r, Map<Integer, Long> fences) {
        return r.offset() >= fences.getOrDefault(r.partition(), 0L);
    }

    private static final class PartitionTally {
        long nextOffset = -1;
        int consumed;
        int stored;
        int duplicates;
        int rejected;
    }

    private static PartitionTally tally(Map<Integer, PartitionTally> tallies, SourceRecord r) {
        PartitionTally t = tallies.computeIfAbsent(r.partition(), p -> new PartitionTally());
        t.nextOffset = Math.max(t.nextOffset, r.offset() + 1);
        return t;
    }

    // --- fences --------------------------------------------------------------------------------

    /** Locks the batch's partitions' rows (creating those never seen) and reads their fences. */
    private static Map<Integer, Long> lockFences(Connection c, String topic, IngestBatch batch) throws SQLException {
        Integer[] partitions = batch.polled().stream().map(SourceRecord::partition).distinct().sorted().toArray(Integer[]::new);
        Map<Integer, Long> fences = selectFencesForUpdate(c, topic, partitions);
        if (fences.size() < partitions.length) {
            try (PreparedStatement insert = c.prepareStatement(
                    "insert into ingest_partitions (topic, partition) select ?, unnest(?::int[]) on conflict do nothing")) {
                insert.setString(1, topic);
                insert.setArray(2, c.createArrayOf("int4", partitions));
                insert.executeUpdate();
            }
            fences = selectFencesForUpdate(c, topic, partitions);
        }
        return fences;
    }

    private static Map<Integer, Long> selectFencesForUpdate(Connection c, String topic, Integer[] partitions)
            throws SQLException {
        Map<Integer, Long> fences = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement(
                "select partition, next_offset from ingest_partitions where topic = ? and partition = any(?::int[]) "
                        + "order by partition for update")) {
            select.setString(1, topic);
            select.setArray(2, c.createArrayOf("int4", partitions));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    fences.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return fences;
    }

    private static void advanceFences(Writes writes, String topic, Map<Integer, PartitionTally> tallies) {
        if (tallies.isEmpty()) {
            return;
        }
        Columns cols = new Columns(tallies.size());
        tallies.forEach((partition, t) -> cols.add(topic, partition, t.nextOffset, t.consumed, t.stored, t.duplicates,
                t.rejected));
        writes.add("write_fences",
                "update ingest_partitions p set next_offset = greatest(p.next_offset, i.next_offset), "
                        + "consumed = p.consumed + i.consumed, stored = p.stored + i.stored, "
                        + "duplicates = p.duplicates + i.duplicates, rejected = p.rejected + i.rejected, updated_at = now() "
                        + "from unnest(?::text[], ?::int[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) "
                        + "as i (topic, partition, next_offset, consumed, stored, duplicates, rejected) "
                        + "where p.topic = i.topic and p.partition = i.partition",
                cols, "text", "int4", "int8", "int8", "int8", "int8", "int8");
    }

    // --- the idempotent repository: the event tables' primary keys ---------------------------

    /**
     * Inserts the candidates into {@code sales} and {@code restocks} in one statement and returns
     * the eventIds inserted: the events stored by this batch.
     */
    private static Set<UUID> claim(Connection c, Collection<Accepted> candidates) throws SQLException {
        Set<UUID> claimed = new HashSet<>();
        if (candidates.isEmpty()) {
            return claimed;
        }
        List<Accepted> sorted = candidates.stream().sorted(java.util.Comparator.comparing(a -> a.event().eventId())).toList();
        List<Accepted> sales = sorted.stream().filter(a -> a.event().isSale()).toList();
        List<Accepted> restocks = sorted.stream().filter(a -> !a.event().isSale()).toList();
        List<String> ctes = new ArrayList<>();
        List<String> returned = new ArrayList<>();
        if (!sales.isEmpty()) {
            ctes.add("claimed_sales as (insert into sales (event_id, machine_id, location, product, category, unit_price, "
                    + "currency, quantity, amount, payment_method, stock_after, occurred_at, source_partition, source_offset, "
                    + "transaction_ref) "
                    + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::numeric[], ?::text[], "
                    + "?::int[], ?::numeric[], ?::text[], ?::int[], ?::timestamptz[], ?::int[], ?::bigint[], ?::text[]) "
                    + "as i (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                    + "payment_method, stock_after, occurred_at, source_partition, source_offset, transaction_ref) "
                    + "where not exists (select 1 from restocks r where r.event_id = i.event_id) "
                    + "on conflict (event_id) do nothing returning event_id, transaction_ref)");
            // a new cashless sale with its processor reference waits for payment matching (V12__payments.sql)
            ctes.add("queued_vends as (insert into payment_match_queue (transaction_ref) "
                    + "select transaction_ref from claimed_sales where transaction_ref is not null)");
            returned.add("select event_id from claimed_sales");
        }
        if (!restocks.isEmpty()) {
            ctes.add("claimed_restocks as (insert into restocks (event_id, machine_id, location, product, category, quantity, "
                    + "stock_after, occurred_at, source_partition, source_offset) "
                    + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], "
                    + "?::timestamptz[], ?::int[], ?::bigint[]) "
                    + "as i (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at, "
                    + "source_partition, source_offset) "
                    + "where not exists (select 1 from sales s where s.event_id = i.event_id) "
                    + "on conflict (event_id) do nothing returning event_id)");
            returned.add("select event_id from claimed_restocks");
        }
        try (PreparedStatement st = c.prepareStatement(
                "with " + String.join(", ", ctes) + " " + String.join(" union all ", returned))) {
            int next = 1;
            if (!sales.isEmpty()) {
                Columns cols = new Columns(sales.size());
                for (Accepted a : sales) {
                    VendingEvent e = a.event();
                    cols.add(e.eventId(), e.machineId(), e.location(), e.product(), e.category(), e.unitPrice(), e.currency(),
                            e.quantity(), e.amount(), e.paymentMethod(), e.stockAfter(), e.occurredAt(),
                            a.source().partition(), a.source().offset(), e.transactionRef());
                }
                next = cols.bind(c, st, next, "text", "text", "text", "text", "text", "text", "text", "int4", "text", "text",
                        "int4", "text", "int4", "int8", "text");
            }
            if (!restocks.isEmpty()) {
                Columns cols = new Columns(restocks.size());
                for (Accepted a : restocks) {
                    VendingEvent e = a.event();
                    cols.add(e.eventId(), e.machineId(), e.location(), e.product(), e.category(), e.quantity(), e.stockAfter(),
                            e.occurredAt(), a.source().partition(), a.source().offset());
                }
                cols.bind(c, st, next, "text", "text", "text", "text", "text", "int4", "int4", "text", "int4", "int8");
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return claimed;
    }

    // --- payments: their own idempotent repository, the payments table's primary key --------

    /**
     * Claims the payment events by inserting them into {@code payments} (their paymentEventId the
     * primary key) and queues each new one's transactionRef for matching, in one statement; counts
     * the stored and the duplicates in the tallies and returns how many were stored.
     */
    private static int storePayments(Connection c, List<AcceptedPayment> payments, Map<Integer, PartitionTally> tallies)
            throws SQLException {
        Map<UUID, AcceptedPayment> candidates = new java.util.TreeMap<>();
        for (AcceptedPayment a : payments) {
            if (candidates.putIfAbsent(a.payment().paymentEventId(), a) != null) {
                tally(tallies, a.source()).duplicates++;
            }
        }
        Columns cols = new Columns(candidates.size());
        for (AcceptedPayment a : candidates.values()) {
            PaymentEvent p = a.payment();
            cols.add(p.paymentEventId(), p.kind(), p.transactionRef(), p.machineId(), p.processor(), p.paymentMethod(),
                    p.amount(), p.currency(), p.settlementBatch(), p.occurredAt(), a.source().partition(), a.source().offset());
        }
        Set<UUID> claimed = new HashSet<>();
        try (PreparedStatement st = c.prepareStatement(
                "with claimed as (insert into payments (payment_event_id, kind, transaction_ref, machine_id, processor, "
                        + "payment_method, amount, currency, settlement_batch, occurred_at, source_partition, source_offset) "
                        + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::numeric[], "
                        + "?::text[], ?::text[], ?::timestamptz[], ?::int[], ?::bigint[]) "
                        + "on conflict (payment_event_id) do nothing returning payment_event_id, transaction_ref), "
                        + "queued as (insert into payment_match_queue (transaction_ref) select transaction_ref from claimed) "
                        + "select payment_event_id from claimed")) {
            cols.bind(c, st, 1, "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "int4", "int8");
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getObject(1, UUID.class));
                }
            }
        }
        for (AcceptedPayment a : candidates.values()) {
            PartitionTally t = tally(tallies, a.source());
            if (claimed.contains(a.payment().paymentEventId())) {
                t.stored++;
            } else {
                t.duplicates++;
            }
        }
        return claimed.size();
    }

    // --- the dead-letter table -----------------------------------------------------------------

    private static void insertRejections(Connection c, List<Refused> refused) throws SQLException {
        if (refused.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(
                "insert into rejected_events (source_topic, source_partition, source_offset, message_key, reason, detail, "
                        + "payload, payload_size, event_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "on conflict (source_topic, source_partition, source_offset) do nothing")) {
            for (Refused r : refused) {
                SourceRecord s = r.source();
                byte[] payload = s.value() == null ? new byte[0] : s.value();
                st.setString(1, s.topic());
                st.setInt(2, s.partition());
                st.setLong(3, s.offset());
                st.setBytes(4, s.key());
                st.setString(5, r.rejection().reason().name());
                st.setString(6, printable(r.rejection().detail()));
                st.setBytes(7, payload);
                st.setInt(8, payload.length);
                st.setString(9, printable(r.rejection().eventId()));
                st.addBatch();
            }
            st.executeBatch();
        }
        Map<String, Long> byReason = new TreeMap<>();
        Map<String, Integer> partitionOf = new HashMap<>();
        for (Refused r : refused) {
            String key = r.source().partition() + "/" + r.rejection().reason().name();
            byReason.merge(key, 1L, Long::sum);
            partitionOf.put(key, r.source().partition());
        }
        try (PreparedStatement st = c.prepareStatement(
                "insert into rejected_counts as r (topic, partition, reason, count) values (?, ?, ?, ?) "
                        + "on conflict (topic, partition, reason) do update set count = r.count + excluded.count")) {
            String topic = refused.get(0).source().topic();
            for (Map.Entry<String, Long> e : byReason.entrySet()) {
                st.setString(1, topic);
                st.setInt(2, partitionOf.get(e.getKey()));
                st.setString(3, e.getKey().substring(e.getKey().indexOf('/') + 1));
                st.setLong(4, e.getValue());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** PostgreSQL text cannot hold NUL; details and ids quoted from bad payloads may contain it. */
    private static String printable(String s) {
        return s == null ? null : s.replace('\u0000', '\uFFFD');
    }

    // --- helpers -------------------------------------------------------------------------------

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is likely gone; the transaction dies with it
        }
    }
}

package io.vendstream.ingest;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import javax.sql.DataSource;

import io.vendstream.ingest.IngestBatch.Accepted;
import io.vendstream.ingest.IngestBatch.Refused;

/**
 * Stores one poll in one PostgreSQL transaction (a large poll from several partitions in one
 * transaction per group of partitions, run at the same time), so that each valid event takes effect
 * exactly once:
 * <ol>
 * <li>lock the source partitions' rows in {@code ingest_partitions} and drop records below their
 * fence (already handled by an earlier delivery, here or on another instance);</li>
 * <li>claim each eventId by inserting the candidate sales and restocks themselves, with their source
 * partition and offset ({@code ON CONFLICT (event_id) DO NOTHING RETURNING}, both tables in one
 * statement): the primary keys of {@code sales} and {@code restocks} are the idempotent repository,
 * the ids returned are new, the others are counted as duplicates. A candidate whose eventId is
 * already stored as the other type is not inserted (a check against the other table), so it is a
 * duplicate too;</li>
 * <li>fold the new sales and restocks into current stock, machines and the rollups (aggregated per
 * batch first, so no upsert touches a row twice);</li>
 * <li>record rejections in {@code rejected_events} (unique per source record);</li>
 * <li>advance the fences and the reconciliation counters.</li>
 * </ol>
 * Rows are sent as arrays through {@code unnest}, in key order (sales by eventId, then restocks by
 * eventId) so that concurrent instances, consumers and writers lock rows in the same order. (The
 * writers of one poll have disjoint partitions, so disjoint fences, and disjoint machines, so
 * disjoint stock and rollup rows, and latency rows of their own.) Steps 3 and 5 are a single
 * statement of data-modifying CTEs (PostgreSQL runs each to completion), so a batch of valid events
 * costs four round trips in all: fences, claim, writes, commit (a poll with rejections adds two, a
 * partition never seen before two more). At a steady trickle of events the batch's fixed cost is
 * what the end-to-end latency is made of, and one round trip per table made it several times longer.
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

    /** Upper bounds (ms) of the end-to-end latency histogram buckets; -1 is +Inf. */
    public static final int[] LATENCY_BUCKETS_MS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, -1};

    private final DataSource dataSource;
    private final ZoneId zone;
    private final int writers;
    private final int parallelFrom;
    private final ExecutorService writerThreads;

    /** One transaction per poll, whatever its size. */
    public EventStore(DataSource dataSource, String timezone) {
        this(dataSource, timezone, 1, Integer.MAX_VALUE);
    }

    /**
     * A poll of at least {@code parallelFrom} records to handle, from several source partitions,
     * is stored as up to {@code writers} transactions at once, each of whole partitions (the
     * calling thread stores one of them); a smaller poll is one transaction.
     */
    public EventStore(DataSource dataSource, String timezone, int writers, int parallelFrom) {
        this.dataSource = dataSource;
        this.zone = ZoneId.of(timezone);
        this.writers = Math.max(1, writers);
        this.parallelFrom = parallelFrom;
        AtomicInteger threads = new AtomicInteger();
        this.writerThreads = this.writers == 1 ? null : Executors.newFixedThreadPool(this.writers - 1, task -> {
            Thread t = new Thread(task, "vendstream-ingest-writer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the writer threads (a bean's destroy method). */
    public void close() {
        if (writerThreads != null) {
            writerThreads.shutdown();
        }
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
        List<IngestBatch> parts = writerThreads != null && batch.getFreshCount() >= parallelFrom
                ? batch.byPartition(writers) : List.of(batch);
        if (parts.size() == 1) {
            return storeOne(batch, 0);
        }
        List<Future<Outcome>> others = new ArrayList<>(parts.size() - 1);
        Outcome total = new Outcome(0, 0, 0, 0);
        Throwable failure = null;
        try {
            for (int i = 1; i < parts.size(); i++) {
                IngestBatch part = parts.get(i);
                int writer = i;
                others.add(writerThreads.submit(() -> storeOne(part, writer)));
            }
            total = storeOne(parts.get(0), 0);
        } catch (Throwable e) {
            // whatever happened here, the parts already handed on are waited for below
            failure = e;
        }
        boolean interrupted = false;
        for (Future<Outcome> other : others) {
            try {
                while (true) {
                    try {
                        total = total.plus(other.get());
                        break;
                    } catch (InterruptedException e) {
                        // a part in flight finishes (commits or rolls back) before the poll is given up
                        interrupted = true;
                    }
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return total;
    }

    private Outcome storeOne(IngestBatch batch, int writer) throws SQLException {
        if (batch.getFreshCount() == 0) {
            return new Outcome(0, 0, 0, 0);
        }
        String topic = batch.polled().get(0).topic();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Outcome outcome = store(c, topic, batch, writer);
                c.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    private Outcome store(Connection c, String topic, IngestBatch batch, int writer) throws SQLException {
        Map<Integer, Long> fences = lockFences(c, topic, batch);
        List<Accepted> accepted = batch.accepted().stream().filter(a -> isFresh(a.source(), fences)).toList();
        List<Refused> refused = batch.refused().stream().filter(r -> isFresh(r.source(), fences)).toList();
        Map<Integer, PartitionTally> tallies = new TreeMap<>();
        accepted.forEach(a -> tally(tallies, a.source()).consumed++);
        refused.forEach(r -> tally(tallies, r.source()).consumed++);
        refused.forEach(r -> tally(tallies, r.source()).rejected++);

        // within the batch, the first record of an eventId is the candidate; later ones are duplicates
        Map<UUID, Accepted> candidates = new LinkedHashMap<>();
        for (Accepted a : accepted) {
            if (candidates.putIfAbsent(a.event().eventId(), a) != null) {
                tally(tallies, a.source()).duplicates++;
            }
        }
        Set<UUID> claimed = claim(c, candidates.values());
        List<VendingEvent> fresh = new ArrayList<>(claimed.size());
        for (Accepted a : candidates.values()) {
            if (claimed.contains(a.event().eventId())) {
                fresh.add(a.event());
                tally(tallies, a.source()).stored++;
            } else {
                tally(tallies, a.source()).duplicates++;
            }
        }
        List<VendingEvent> sales = fresh.stream().filter(VendingEvent::isSale).toList();
        insertRejections(c, refused);
        Writes writes = new Writes();
        upsertMachines(writes, fresh);
        upsertStock(writes, fresh);
        upsertSalesHourly(writes, sales);
        upsertSalesDailyProduct(writes, sales);
        upsertSalesDailyPayment(writes, sales);
        upsertLatency(writes, fresh, writer);
        advanceFences(writes, topic, tallies);
        writes.execute(c);
        int consumed = accepted.size() + refused.size();
        int duplicates = tallies.values().stream().mapToInt(t -> t.duplicates).sum();
        return new Outcome(consumed, fresh.size(), duplicates, refused.size());
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
                    + "currency, quantity, amount, payment_method, stock_after, occurred_at, source_partition, source_offset) "
                    + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::numeric[], ?::text[], "
                    + "?::int[], ?::numeric[], ?::text[], ?::int[], ?::timestamptz[], ?::int[], ?::bigint[]) "
                    + "as i (event_id, machine_id, location, product, category, unit_price, currency, quantity, amount, "
                    + "payment_method, stock_after, occurred_at, source_partition, source_offset) "
                    + "where not exists (select 1 from restocks r where r.event_id = i.event_id) "
                    + "on conflict (event_id) do nothing returning event_id)");
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
                            a.source().partition(), a.source().offset());
                }
                next = cols.bind(c, st, next, "text", "text", "text", "text", "text", "text", "text", "int4", "text", "text",
                        "int4", "text", "int4", "int8");
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

    // --- current state -------------------------------------------------------------------------

    private static void upsertMachines(Writes writes, List<VendingEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        record Seen(String location, Instant locationAt, Instant first, Instant last, Instant lastSale) {
        }
        Map<String, Seen> machines = new TreeMap<>();
        for (VendingEvent e : events) {
            Instant sale = e.isSale() ? e.occurredAt() : null;
            machines.merge(e.machineId(), new Seen(e.location(), e.occurredAt(), e.occurredAt(), e.occurredAt(), sale),
                    (a, b) -> new Seen(
                            b.locationAt.isBefore(a.locationAt) ? a.location : b.location,
                            max(a.locationAt, b.locationAt), min(a.first, b.first), max(a.last, b.last),
                            max(a.lastSale, b.lastSale)));
        }
        Columns cols = new Columns(machines.size());
        machines.forEach((id, s) -> cols.add(id, s.location, s.first, s.last, s.lastSale));
        writes.add("write_machines",
                "insert into machines as m (machine_id, location, first_seen, last_seen, last_sale_at) "
                        + "select * from unnest(?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[]) "
                        + "on conflict (machine_id) do update set "
                        + "location = case when excluded.last_seen >= m.last_seen then excluded.location else m.location end, "
                        + "first_seen = least(m.first_seen, excluded.first_seen), "
                        + "last_seen = greatest(m.last_seen, excluded.last_seen), "
                        + "last_sale_at = greatest(m.last_sale_at, excluded.last_sale_at)",
                cols, "text", "text", "text", "text", "text");
    }

    /**
     * Per machine and product, the batch's net effect: the absolute level after the batch when some
     * event reported stockAfter (the latest such event, plus movements after it), the sum of all
     * movements otherwise. An absolute level older than the stored one is ignored in favour of the
     * movements, so late events cannot roll stock back.
     */
    private static void upsertStock(Writes writes, List<VendingEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        record Key(String machineId, String product) implements Comparable<Key> {
            public int compareTo(Key o) {
                int m = machineId.compareTo(o.machineId);
                return m != 0 ? m : product.compareTo(o.product);
            }
        }
        Map<Key, List<VendingEvent>> byKey = new TreeMap<>();
        for (VendingEvent e : events) {
            byKey.computeIfAbsent(new Key(e.machineId(), e.product()), k -> new ArrayList<>()).add(e);
        }
        Columns cols = new Columns(byKey.size());
        for (Map.Entry<Key, List<VendingEvent>> entry : byKey.entrySet()) {
            List<VendingEvent> list = entry.getValue();
            list.sort(java.util.Comparator.comparing(VendingEvent::occurredAt));
            Integer level = null;
            int movement = 0;
            int highest = 0;
            for (VendingEvent e : list) {
                movement += e.stockDelta();
                if (e.stockAfter() != null) {
                    level = e.stockAfter();
                } else if (level != null) {
                    level = Math.max(0, level + e.stockDelta());
                }
                if (level != null) {
                    highest = Math.max(highest, level);
                }
            }
            VendingEvent last = list.get(list.size() - 1);
            cols.add(entry.getKey().machineId, entry.getKey().product, last.location(), last.category(), level, movement,
                    highest, last.occurredAt());
        }
        writes.add("stock_input",
                "select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::int[], "
                        + "?::timestamptz[]) as i (machine_id, product, location, category, level, movement, highest, as_of)",
                cols, "text", "text", "text", "text", "int4", "int4", "int4", "text");
        writes.add("stock_updated",
                "update stock s set "
                        + "  quantity = case when i.level is not null and i.as_of >= s.as_of then i.level "
                        + "                  else greatest(0, s.quantity + i.movement) end, "
                        + "  capacity = greatest(s.capacity, i.highest, case when i.level is not null and i.as_of >= s.as_of "
                        + "                  then i.level else greatest(0, s.quantity + i.movement) end), "
                        + "  as_of = greatest(s.as_of, i.as_of), location = i.location, "
                        + "  category = coalesce(i.category, s.category) "
                        + "from stock_input i where s.machine_id = i.machine_id and s.product = i.product "
                        + "returning s.machine_id, s.product",
                null);
        writes.add("stock_inserted",
                "insert into stock (machine_id, product, location, category, quantity, capacity, as_of) "
                        + "select i.machine_id, i.product, i.location, i.category, coalesce(i.level, greatest(0, i.movement)), "
                        + "  greatest(i.highest, coalesce(i.level, greatest(0, i.movement))), i.as_of "
                        + "from stock_input i where not exists (select 1 from stock_updated u where u.machine_id = i.machine_id "
                        + "  and u.product = i.product) "
                        + "on conflict (machine_id, product) do nothing",
                null);
    }

    // --- rollups -------------------------------------------------------------------------------

    private record Totals(long count, long units, BigDecimal revenue) {
        static Totals of(VendingEvent e) {
            return new Totals(1, e.quantity(), e.amount());
        }

        Totals plus(Totals o) {
            return new Totals(count + o.count, units + o.units, revenue.add(o.revenue));
        }
    }

    private <K extends Comparable<K>> Map<K, Totals> totals(List<VendingEvent> sales, Function<VendingEvent, K> key) {
        Map<K, Totals> totals = new TreeMap<>();
        for (VendingEvent e : sales) {
            totals.merge(key.apply(e), Totals.of(e), Totals::plus);
        }
        return totals;
    }

    private record HourKey(Instant hour, String machineId, String location) implements Comparable<HourKey> {
        public int compareTo(HourKey o) {
            int h = hour.compareTo(o.hour);
            return h != 0 ? h : machineId.compareTo(o.machineId);
        }
    }

    private void upsertSalesHourly(Writes writes, List<VendingEvent> sales) {
        if (sales.isEmpty()) {
            return;
        }
        Map<HourKey, Totals> totals = totals(sales, e -> new HourKey(
                e.occurredAt().atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant(), e.machineId(), e.location()));
        Columns cols = new Columns(totals.size());
        totals.forEach((k, t) -> cols.add(k.hour, k.machineId, k.location, t.count, t.units, t.revenue));
        writes.add("write_sales_hourly",
                "insert into sales_hourly as r (hour, machine_id, location, sales_count, units, revenue) "
                        + "select * from unnest(?::timestamptz[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::numeric[]) "
                        + "on conflict (hour, machine_id) do update set sales_count = r.sales_count + excluded.sales_count, "
                        + "units = r.units + excluded.units, revenue = r.revenue + excluded.revenue, location = excluded.location",
                cols, "text", "text", "text", "int8", "int8", "text");
    }

    private record DayKey(LocalDate day, String machineId, String item, String location, String category)
            implements Comparable<DayKey> {
        public int compareTo(DayKey o) {
            int d = day.compareTo(o.day);
            if (d != 0) {
                return d;
            }
            int m = machineId.compareTo(o.machineId);
            return m != 0 ? m : item.compareTo(o.item);
        }
    }

    private void upsertSalesDailyProduct(Writes writes, List<VendingEvent> sales) {
        if (sales.isEmpty()) {
            return;
        }
        Map<DayKey, Totals> totals = totals(sales, e -> new DayKey(
                e.occurredAt().atZone(zone).toLocalDate(), e.machineId(), e.product(), e.location(), e.category()));
        Columns cols = new Columns(totals.size());
        totals.forEach((k, t) -> cols.add(k.day, k.machineId, k.item, k.location, k.category, t.count, t.units, t.revenue));
        writes.add("write_sales_daily_product",
                "insert into sales_daily_product as r (day, machine_id, product, location, category, sales_count, units, revenue) "
                        + "select * from unnest(?::date[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], "
                        + "?::numeric[]) on conflict (day, machine_id, product) do update set "
                        + "sales_count = r.sales_count + excluded.sales_count, units = r.units + excluded.units, "
                        + "revenue = r.revenue + excluded.revenue, location = excluded.location, "
                        + "category = coalesce(excluded.category, r.category)",
                cols, "text", "text", "text", "text", "text", "int8", "int8", "text");
    }

    private void upsertSalesDailyPayment(Writes writes, List<VendingEvent> sales) {
        if (sales.isEmpty()) {
            return;
        }
        Map<DayKey, Totals> totals = totals(sales, e -> new DayKey(
                e.occurredAt().atZone(zone).toLocalDate(), e.machineId(), e.paymentMethod(), e.location(), null));
        Columns cols = new Columns(totals.size());
        totals.forEach((k, t) -> cols.add(k.day, k.machineId, k.item, k.location, t.count, t.revenue));
        writes.add("write_sales_daily_payment",
                "insert into sales_daily_payment as r (day, machine_id, payment_method, location, sales_count, revenue) "
                        + "select * from unnest(?::date[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::numeric[]) "
                        + "on conflict (day, machine_id, payment_method) do update set "
                        + "sales_count = r.sales_count + excluded.sales_count, revenue = r.revenue + excluded.revenue, "
                        + "location = excluded.location",
                cols, "text", "text", "text", "text", "int8", "text");
    }

    /**
     * Each writer of a poll adds to rows of its own ({@code writer}), so writers storing at the same
     * time do not wait for each other's commit on the current minute's buckets; readers sum them.
     */
    private static void upsertLatency(Writes writes, List<VendingEvent> events, int writer) {
        if (events.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        Map<Integer, Long> counts = new TreeMap<>();
        for (VendingEvent e : events) {
            counts.merge(bucket(Math.max(0, now.toEpochMilli() - e.occurredAt().toEpochMilli())), 1L, Long::sum);
        }
        Columns cols = new Columns(counts.size());
        counts.forEach((le, n) -> cols.add(minute, le, writer, n));
        writes.add("write_latency",
                "insert into latency_minute as l (minute, le_ms, writer, count) "
                        + "select * from unnest(?::timestamptz[], ?::int[], ?::int[], ?::bigint[]) "
                        + "on conflict (minute, le_ms, writer) do update set count = l.count + excluded.count",
                cols, "text", "int4", "int4", "int8");
    }

    static int bucket(long latencyMs) {
        for (int le : LATENCY_BUCKETS_MS) {
            if (le >= 0 && latencyMs <= le) {
                return le;
            }
        }
        return -1;
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

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is likely gone; the transaction dies with it
        }
    }

    /**
     * Column-wise arrays for one {@code unnest} statement. Values travel as text (or int arrays)
     * and are cast in SQL, which keeps exact decimals and timestamps without driver-specific types.
     */
    private static final class Columns {
        private final List<List<Object>> columns = new ArrayList<>();
        private final int rows;

        Columns(int rows) {
            this.rows = rows;
        }

        void add(Object... values) {
            if (columns.isEmpty()) {
                for (int i = 0; i < values.length; i++) {
                    columns.add(new ArrayList<>(rows));
                }
            }
            for (int i = 0; i < values.length; i++) {
                columns.get(i).add(values[i]);
            }
        }

        /** Binds the columns as parameters {@code first}, {@code first + 1}, ...; returns the next free index. */
        int bind(Connection c, PreparedStatement st, int first, String... types) throws SQLException {
            for (int i = 0; i < types.length; i++) {
                List<Object> column = columns.get(i);
                Object[] array = switch (types[i]) {
                    case "int4" -> column.stream().map(v -> v == null ? null : ((Number) v).intValue()).toArray(Integer[]::new);
                    case "int8" -> column.stream().map(v -> v == null ? null : ((Number) v).longValue()).toArray(Long[]::new);
                    default -> column.stream().map(v -> v == null ? null : v instanceof BigDecimal d ? d.toPlainString()
                            : v.toString()).toArray(String[]::new);
                };
                st.setArray(first + i, c.createArrayOf(types[i], array));
            }
            return first + types.length;
        }
    }

    /**
     * The batch's writes as one statement: each is a named CTE (a data-modifying one, or the input
     * of the next), sent and run in a single round trip.
     */
    private static final class Writes {
        private final List<String> ctes = new ArrayList<>();
        private final List<Columns> columns = new ArrayList<>();
        private final List<String[]> types = new ArrayList<>();

        void add(String name, String sql, Columns cols, String... columnTypes) {
            ctes.add(name + " as (" + sql + ")");
            columns.add(cols);
            types.add(columnTypes);
        }

        void execute(Connection c) throws SQLException {
            if (ctes.isEmpty()) {
                return;
            }
            try (PreparedStatement st = c.prepareStatement("with " + String.join(", ", ctes) + " select 1")) {
                int next = 1;
                for (int i = 0; i < ctes.size(); i++) {
                    if (columns.get(i) != null) {
                        next = columns.get(i).bind(c, st, next, types.get(i));
                    }
                }
                st.execute();
            }
        }
    }
}

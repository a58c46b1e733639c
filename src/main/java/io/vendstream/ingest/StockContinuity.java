package io.vendstream.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges stock continuity after ingest commits, off the path an event takes to be stored: a sale
 * whose {@code stockAfter} is not its slot's previous level minus the units sold is kept in
 * {@code stock_mismatches}, which alert rule {@code stock-mismatch} reads (docs/alerts.md).
 *
 * <p>The store only hands over what a batch committed ({@link #committed}: a reference put in a
 * queue bounded by the events waiting); this judge's own thread does the rest. It keeps each slot's last event (the
 * chain's tail) in memory, so an event that comes in order is judged against it without reading
 * anything; a slot it has not seen yet costs one look-up of its latest event stored before the
 * batch (for all such slots of a batch, one statement). A late event (one that occurred before the
 * slot's tail) makes it read the slot's chain from just before that event and judge it again, so
 * a lost sale that turns up late puts the chain right. Verdicts of one drain (what queued up while
 * it judged the last) are written in one transaction.
 *
 * <p>Nothing committed is left unjudged: on its first batch after a start, after a failure, after
 * a commit that failed without saying whether it happened, and after its queue overflowed it judges
 * the whole window afresh from the tables (seconds with a million sales in the window), then
 * carries on from the queue. Tails
 * of a partition whose next batch does not start where its last one ended (another instance
 * stored in between, after a rebalance) are forgotten and looked up again.
 */
public final class StockContinuity implements AutoCloseable {

    /**
     * What one committed transaction stored: its new events, each one's partition and offset, and
     * each partition's offsets covered [from, to). Only these: not the records, whose raw bytes
     * would stay in memory while the batch waits.
     */
    record Committed(String topic, List<VendingEvent> events, int[] partitions, long[] offsets, Map<Integer, long[]> ranges) {

        static Committed of(String topic, List<VendingEvent> events, List<SourceRecord> sources, Map<Integer, long[]> ranges) {
            int[] partitions = new int[sources.size()];
            long[] offsets = new long[sources.size()];
            for (int i = 0; i < partitions.length; i++) {
                partitions[i] = sources.get(i).partition();
                offsets[i] = sources.get(i).offset();
            }
            return new Committed(topic, events, partitions, offsets, ranges);
        }
    }

    private record Partition(String topic, int partition) {
    }

    private record Slot(String machineId, String product) {
    }

    /** A slot's last judged event: where the chain stands. {@code level} null: the chain is broken (no stockAfter). */
    private record Tail(Instant occurredAt, long offset, UUID eventId, Integer level, Partition partition) {
    }

    private record Verdict(UUID eventId, String machineId, String product, String location, Instant occurredAt, int quantity,
                           int expected, int reported) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(StockContinuity.class);
    private static final long PURGE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    // rows stored before the event tables recorded offsets order last among those of their moment
    private static final String ORDER_KEY = "coalesce(%1$s.source_offset, 9223372036854775807)";

    private final DataSource dataSource;
    private final int windowHours;
    private final BlockingQueue<Committed> queue = new LinkedBlockingQueue<>();
    private final int queued;
    private final AtomicLong waiting = new AtomicLong();
    private final Map<Slot, Tail> tails = new HashMap<>();
    private final Map<Partition, Long> judgedTo = new HashMap<>();
    private final AtomicLong judged = new AtomicLong();
    private final AtomicLong lateEvents = new AtomicLong();
    private final AtomicLong windows = new AtomicLong();
    // committed transactions handed over, and those judged (or covered by a window judged afresh)
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean overflowed;
    private volatile boolean running = true;
    private volatile boolean fresh = true;
    private volatile Thread thread;
    private long purged = System.nanoTime();

    /**
     * @param windowHours the rule's window (vendstream.alerts.stock-mismatch.window-hours): judged afresh after a
     *                    start, and older verdicts are let go
     * @param queued      events that may wait for the judge (a few hundred bytes each); beyond, it judges the window
     *                    afresh
     */
    public StockContinuity(DataSource dataSource, int windowHours, int queued) {
        this.dataSource = dataSource;
        this.windowHours = windowHours;
        this.queued = queued;
    }

    /** Before a transaction commits (called by {@link EventStore}): one more to judge, so none is missed by {@link #idle}. */
    void committing() {
        offered.incrementAndGet();
    }

    /**
     * The commit announced by {@link #committing} failed: it may still have committed (a connection
     * lost while committing), and the poll retried stores nothing of it again, so the window is judged
     * afresh.
     */
    void notCommitted() {
        overflowed = true;
        offered.decrementAndGet();
    }

    /** After a transaction committed (called by {@link EventStore} on its thread): only a queue offer. */
    void committed(Committed batch) {
        if (!running) {
            return;
        }
        if (thread == null) {
            start();
        }
        // one event at least, so that a batch of only rejected records still counts
        int size = Math.max(1, batch.events().size());
        if (waiting.addAndGet(size) > queued) {
            waiting.addAndGet(-size);
            dropped.incrementAndGet();
            overflowed = true;
        } else {
            queue.add(batch);
        }
    }

    private synchronized void start() {
        if (thread == null) {
            thread = new Thread(this::run, "vendstream-stock-continuity");
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Events judged in order, late events that made a slot be read again, and whole windows judged, since the start. */
    public long judged() {
        return judged.get();
    }

    public long late() {
        return lateEvents.get();
    }

    public long windowsJudged() {
        return windows.get();
    }

    /** True once everything committed so far is judged (the window judged afresh at least once). */
    public boolean idle() {
        return thread != null && !fresh && !overflowed && handled.get() == offered.get();
    }

    // ---------------------------------------------------------------------------------- the thread

    private void run() {
        long backoff = 500;
        List<Committed> drain = new ArrayList<>();
        while (running) {
            try {
                if (overflowed) {
                    // what was queued is in the tables: the window judged afresh from them covers it
                    fresh = true;
                    overflowed = false;
                    List<Committed> skipped = new ArrayList<>();
                    queue.drainTo(skipped);
                    skipped.forEach(b -> waiting.addAndGet(-Math.max(1, b.events().size())));
                    handled.addAndGet(skipped.size() + dropped.getAndSet(0));
                    LOG.warn("Stock continuity: a commit it was not handed (its queue was full, or a commit failed); "
                            + "judging the last {} h afresh", windowHours);
                }
                if (fresh) {
                    judgeWindow();
                    fresh = false;
                }
                Committed first = queue.poll(1, TimeUnit.SECONDS);
                if (first != null) {
                    drain.add(first);
                    queue.drainTo(drain, 1_000);
                    judge(drain);
                    handled.addAndGet(drain.size());
                    drain.forEach(b -> waiting.addAndGet(-Math.max(1, b.events().size())));
                    drain.clear();
                }
                if (System.nanoTime() - purged > PURGE_EVERY_NANOS) {
                    purge();
                }
                backoff = 500;
            } catch (InterruptedException e) {
                return;
            } catch (Exception | Error e) {
                // anything at all: this thread must not end while ingest hands it commits
                if (!running) {
                    return;
                }
                // what failed is not written; the window judged afresh once the database answers covers it
                LOG.warn("Stock continuity: judging failed ({}); judging the last {} h afresh in {} ms", e.toString(), windowHours, backoff);
                tails.clear();
                judgedTo.clear();
                fresh = true;
                handled.addAndGet(drain.size());
                drain.forEach(b -> waiting.addAndGet(-Math.max(1, b.events().size())));
                drain.clear();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(30_000, backoff * 2);
            }
        }
    }

    // ----------------------------------------------------------------------- the window, afresh

    /**
     * Every slot's chain of the window from its last restock (as the rule judged it on every reading
     * before): its verdicts replace those of the window. The chains' tails are looked up again as
     * new events come.
     */
    private int judgeWindow() throws SQLException {
        long started = System.nanoTime();
        tails.clear();
        judgedTo.clear();
        int kept;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement delete = c.prepareStatement(
                        "delete from stock_mismatches where occurred_at > now() - make_interval(hours => ?)")) {
                    delete.setInt(1, windowHours);
                    delete.executeUpdate();
                }
                try (PreparedStatement insert = c.prepareStatement(WINDOW)) {
                    insert.setInt(1, windowHours);
                    kept = insert.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        windows.incrementAndGet();
        LOG.info("Stock continuity: the last {} h judged afresh, {} mismatching sale(s), {} ms", windowHours, kept,
                (System.nanoTime() - started) / 1_000_000);
        return kept;
    }

    /**
     * Judges the window afresh on the calling thread, as the judge's thread does after a start; only
     * before anything was handed over (the rules benchmark fills the verdicts of a seeded history so).
     * Returns the mismatching sales kept.
     */
    public int judgeWindowNow() throws SQLException {
        if (thread != null) {
            throw new IllegalStateException("the judge's own thread is running");
        }
        return judgeWindow();
    }

    /**
     * The window's sales that disagree with the event before them in their slot: each slot's events
     * from its last restock in the window or, for a slot not restocked in it, from its last event
     * before the window (so that its first sale in the window is judged, as the judge judges new
     * ones), in the order they occurred (ties in the order the machine reported them: one machine's
     * events share a partition; rows without an offset last).
     */
    private static final String WINDOW = """
            insert into stock_mismatches (event_id, machine_id, product, location, occurred_at, quantity, expected, reported)
            with settings as (select now() - make_interval(hours => ?) as since),
            last_restocks as (
                select machine_id, product, max(occurred_at) as restocked_at
                  from restocks, settings where occurred_at > settings.since group by machine_id, product
            ),
            events as (
                select s.machine_id, s.product, s.location, s.event_id, 'sale' as kind, s.quantity, s.stock_after, s.occurred_at,
                       %1$s as source_offset
                  from sales s
                 cross join settings
                  left join last_restocks r on r.machine_id = s.machine_id and r.product = s.product
                 where s.occurred_at > settings.since
                   and (r.restocked_at is null or s.occurred_at >= r.restocked_at)
                union all
                select t.machine_id, t.product, t.location, t.event_id, 'restock', t.quantity, t.stock_after, t.occurred_at,
                       %2$s
                  from restocks t
                  join last_restocks r on r.machine_id = t.machine_id and r.product = t.product and t.occurred_at = r.restocked_at
                union all
                select b.*
                  from stock k
                 cross join settings
                 cross join lateral (
                    select * from (
                        (select s.machine_id, s.product, s.location, s.event_id, 'sale' as kind, s.quantity, s.stock_after,
                                s.occurred_at, %1$s as source_offset
                           from sales s
                          where s.machine_id = k.machine_id and s.product = k.product and s.occurred_at <= settings.since
                          order by s.occurred_at desc, 9 desc, s.event_id desc limit 1)
                        union all
                        (select t.machine_id, t.product, t.location, t.event_id, 'restock', t.quantity, t.stock_after,
                                t.occurred_at, %2$s
                           from restocks t
                          where t.machine_id = k.machine_id and t.product = k.product and t.occurred_at <= settings.since
                          order by t.occurred_at desc, 9 desc, t.event_id desc limit 1)
                    ) e order by occurred_at desc, source_offset desc, event_id desc limit 1
                 ) b
                 where not exists (select 1 from last_restocks r where r.machine_id = k.machine_id and r.product = k.product)
            ),
            chained as (
                select e.*, lag(e.stock_after) over slot as previous_level
                  from events e
                window slot as (partition by e.machine_id, e.product order by e.occurred_at, e.source_offset, e.event_id)
            )
            select event_id, machine_id, product, location, occurred_at, quantity, previous_level - quantity, stock_after
              from chained cross join settings
             where kind = 'sale' and occurred_at > settings.since and stock_after is not null and previous_level is not null
               and stock_after <> previous_level - quantity
            on conflict (event_id) do update set expected = excluded.expected, reported = excluded.reported, judged_at = now()
            """.formatted(ORDER_KEY.formatted("s"), ORDER_KEY.formatted("t"));

    // ------------------------------------------------------------------------------ what came in

    /** Where a slot's late events start, and the partition its events come from. */
    private record Late(Instant from, Partition partition) {
    }

    private void judge(List<Committed> drain) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Verdict> verdicts = new ArrayList<>();
                Map<Slot, Late> late = new LinkedHashMap<>();
                for (Committed batch : drain) {
                    // a partition whose batch does not start where this judge's last one ended was stored
                    // by another instance meanwhile (a rebalance): its slots' tails are looked up again
                    for (Map.Entry<Integer, long[]> range : batch.ranges().entrySet()) {
                        Partition partition = new Partition(batch.topic(), range.getKey());
                        Long to = judgedTo.get(partition);
                        if (to != null && to != range.getValue()[0]) {
                            tails.values().removeIf(t -> t.partition().equals(partition));
                        }
                        judgedTo.put(partition, range.getValue()[1]);
                    }
                    lookUpTails(c, batch);
                    for (int i = 0; i < batch.events().size(); i++) {
                        follow(batch.topic(), batch.events().get(i), batch.partitions()[i], batch.offsets()[i], verdicts, late);
                    }
                }
                List<UUID> agreeing = new ArrayList<>();
                for (Map.Entry<Slot, Late> slot : late.entrySet()) {
                    rejudge(c, slot.getKey(), slot.getValue(), verdicts, agreeing);
                }
                write(c, verdicts, agreeing);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** One event of a slot: judged against the slot's tail if it comes after it, else its slot is read again. */
    private void follow(String topic, VendingEvent e, int sourcePartition, long offset, List<Verdict> verdicts,
            Map<Slot, Late> late) {
        Slot slot = new Slot(e.machineId(), e.product());
        Tail tail = tails.get(slot);
        Partition partition = new Partition(topic, sourcePartition);
        if (tail.eventId().equals(e.eventId())) {
            return; // the chain was read up to it already
        }
        Instant occurredAt = e.occurredAt();
        if (compare(occurredAt, offset, e.eventId(), tail) < 0) {
            lateEvents.incrementAndGet();
            late.merge(slot, new Late(occurredAt, partition), (a, b) -> a.from().isBefore(b.from()) ? a : b);
            return;
        }
        judged.incrementAndGet();
        if (e.isSale() && e.stockAfter() != null && tail.level() != null && e.stockAfter() != tail.level() - e.quantity()) {
            verdicts.add(new Verdict(e.eventId(), e.machineId(), e.product(), e.location(), occurredAt, e.quantity(),
                    tail.level() - e.quantity(), e.stockAfter()));
        }
        tails.put(slot, new Tail(occurredAt, offset, e.eventId(), e.stockAfter(), partition));
    }

    /** Orders an event against a tail as the rule does: when it occurred, then its offset, then its id. */
    private static int compare(Instant occurredAt, long offset, UUID eventId, Tail tail) {
        int c = occurredAt.compareTo(tail.occurredAt());
        if (c == 0) {
            c = Long.compare(offset, tail.offset());
        }
        if (c == 0) {
            c = compareAsDatabase(eventId, tail.eventId());
        }
        return c;
    }

    /** PostgreSQL orders uuids by their bytes, unsigned. */
    static int compareAsDatabase(UUID a, UUID b) {
        int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    /**
     * For each slot of the batch whose tail is not known (or was of another partition), the latest event of the slot stored before
     * its first event in the batch: every event of the slot but those of its partition from that
     * offset on (stored with this batch or after it). One statement for all such slots; a slot
     * with none starts a chain. A new event that occurred before that tail is late.
     */
    private void lookUpTails(Connection c, Committed batch) throws SQLException {
        // each slot's first event in the batch: the look-up is of what was stored before it, whichever of
        // the slot's events in the batch needs it
        Map<Slot, Integer> firstOf = new HashMap<>();
        Map<Slot, Integer> firsts = new LinkedHashMap<>();
        for (int i = 0; i < batch.events().size(); i++) {
            VendingEvent e = batch.events().get(i);
            Slot slot = new Slot(e.machineId(), e.product());
            firstOf.putIfAbsent(slot, i);
            Tail tail = tails.get(slot);
            // a tail from another partition (the topic got more partitions and the machine moved) may be stale
            boolean known = tail != null && tail.partition().equals(new Partition(batch.topic(), batch.partitions()[i]));
            if (!known && !firsts.containsKey(slot)) {
                firsts.put(slot, firstOf.get(slot));
            }
        }
        if (firsts.isEmpty()) {
            return;
        }
        Columns slots = new Columns(firsts.size());
        List<Partition> partitions = new ArrayList<>(firsts.size());
        for (Map.Entry<Slot, Integer> first : firsts.entrySet()) {
            int i = first.getValue();
            slots.add(first.getKey().machineId(), first.getKey().product(), batch.partitions()[i], batch.offsets()[i]);
            partitions.add(new Partition(batch.topic(), batch.partitions()[i]));
        }
        Map<Integer, Tail> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(TAILS)) {
            int next = slots.bind(c, ps, 1, "text", "text", "int4", "int8");
            ps.setString(next, batch.topic());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = rs.getInt(1) - 1;
                    Instant occurredAt = rs.getObject(2, java.time.OffsetDateTime.class).toInstant();
                    long offset = rs.getLong(3);
                    UUID eventId = rs.getObject(4, UUID.class);
                    Integer level = rs.getObject(5, Integer.class);
                    found.put(i, new Tail(occurredAt, offset, eventId, level, partitions.get(i)));
                }
            }
        }
        int k = 0;
        for (Slot slot : firsts.keySet()) {
            // none before it: the slot's chain starts with its first event (nothing to judge it against)
            tails.put(slot, found.getOrDefault(k, new Tail(Instant.MIN, Long.MIN_VALUE, new UUID(0, 0), null, partitions.get(k))));
            k++;
        }
    }

    /**
     * Per slot (1-based index), its latest sale or restock stored before the given offset of its
     * partition: every event of the slot but those stored since, which are this topic's events of
     * the partition from that offset up to the partition's fence now. (The rows do not name their
     * topic: events of another topic, such as history stored from an earlier one, with offsets of
     * their own beyond the fence, are events stored before. Without the fence's upper bound they were
     * skipped, and each look-up walked back through the machine's whole history.)
     */
    private static final String TAILS = """
            select k.i, p.occurred_at, p.source_offset, p.event_id, p.stock_after
              from unnest(?::text[], ?::text[], ?::int[], ?::bigint[])
                   with ordinality as k(machine_id, product, source_partition, source_offset, i)
              left join ingest_partitions f on f.topic = ? and f.partition = k.source_partition
             cross join lateral (
                select * from (
                    (select s.occurred_at, %1$s as source_offset, s.event_id, s.stock_after
                       from sales s
                      where s.machine_id = k.machine_id and s.product = k.product
                        and not coalesce(s.source_partition = k.source_partition and s.source_offset >= k.source_offset
                                         and s.source_offset < coalesce(f.next_offset, 9223372036854775807), false)
                      order by s.occurred_at desc, 2 desc, s.event_id desc limit 1)
                    union all
                    (select t.occurred_at, %2$s, t.event_id, t.stock_after
                       from restocks t
                      where t.machine_id = k.machine_id and t.product = k.product
                        and not coalesce(t.source_partition = k.source_partition and t.source_offset >= k.source_offset
                                         and t.source_offset < coalesce(f.next_offset, 9223372036854775807), false)
                      order by t.occurred_at desc, 2 desc, t.event_id desc limit 1)
                ) e order by occurred_at desc, source_offset desc, event_id desc limit 1
             ) p
            """.formatted(ORDER_KEY.formatted("s"), ORDER_KEY.formatted("t"));

    /**
     * A slot with a late event: its chain read again from the event before the earliest late one to
     * its latest, every sale in it judged (verdicts added, agreeing sales' verdicts let go), and the
     * tail moved to its latest event.
     */
    private void rejudge(Connection c, Slot slot, Late late, List<Verdict> verdicts, List<UUID> agreeing) throws SQLException {
        Instant from = late.from();
        // what this drain judged of the slot from there on in order is judged again below, with the late event
        verdicts.removeIf(v -> v.machineId().equals(slot.machineId()) && v.product().equals(slot.product())
                && !v.occurredAt().isBefore(from));
        Integer level = null;
        Tail tail = null;
        try (PreparedStatement ps = c.prepareStatement(CHAIN)) {
            java.time.OffsetDateTime at = java.time.OffsetDateTime.ofInstant(from, java.time.ZoneOffset.UTC);
            for (int i = 0; i < 4; i++) {
                ps.setString(3 * i + 1, slot.machineId());
                ps.setString(3 * i + 2, slot.product());
                ps.setObject(3 * i + 3, at);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean sale = rs.getBoolean(1);
                    UUID id = rs.getObject(2, UUID.class);
                    Instant occurredAt = rs.getObject(3, java.time.OffsetDateTime.class).toInstant();
                    long offset = rs.getLong(4);
                    int quantity = rs.getInt(5);
                    Integer stockAfter = rs.getObject(6, Integer.class);
                    if (sale && !occurredAt.isBefore(from)) {
                        if (stockAfter != null && level != null && stockAfter != level - quantity) {
                            verdicts.add(new Verdict(id, slot.machineId(), slot.product(), rs.getString(7), occurredAt, quantity,
                                    level - quantity, stockAfter));
                        } else {
                            agreeing.add(id);
                        }
                    }
                    level = stockAfter;
                    // labelled with the late event's partition: the slot's latest stored event whatever its own
                    tail = new Tail(occurredAt, offset, id, stockAfter, late.partition());
                }
            }
        }
        if (tail != null) {
            tails.put(slot, tail);
        }
    }

    /** The slot's events from the one before {@code from} on, in the rule's order. */
    private static final String CHAIN = """
            select sale, event_id, occurred_at, source_offset, quantity, stock_after, location from (
                select * from (
                    (select true as sale, s.event_id, s.occurred_at, %1$s as source_offset, s.quantity, s.stock_after, s.location
                       from sales s where s.machine_id = ? and s.product = ? and s.occurred_at < ?
                      order by s.occurred_at desc, 4 desc, s.event_id desc limit 1)
                    union all
                    (select false, t.event_id, t.occurred_at, %2$s, t.quantity, t.stock_after, t.location
                       from restocks t where t.machine_id = ? and t.product = ? and t.occurred_at < ?
                      order by t.occurred_at desc, 4 desc, t.event_id desc limit 1)
                ) b order by occurred_at desc, source_offset desc, event_id desc limit 1
            ) b0
            union all
            select true, s.event_id, s.occurred_at, %1$s, s.quantity, s.stock_after, s.location
              from sales s where s.machine_id = ? and s.product = ? and s.occurred_at >= ?
            union all
            select false, t.event_id, t.occurred_at, %2$s, t.quantity, t.stock_after, t.location
              from restocks t where t.machine_id = ? and t.product = ? and t.occurred_at >= ?
            order by occurred_at, source_offset, event_id
            """.formatted(ORDER_KEY.formatted("s"), ORDER_KEY.formatted("t"));

    private static void write(Connection c, List<Verdict> verdicts, List<UUID> agreeing) throws SQLException {
        if (!agreeing.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("delete from stock_mismatches where event_id = any(?::uuid[])")) {
                ps.setArray(1, c.createArrayOf("uuid", agreeing.toArray()));
                ps.executeUpdate();
            }
        }
        if (verdicts.isEmpty()) {
            return;
        }
        Columns rows = new Columns(verdicts.size());
        for (Verdict v : verdicts) {
            // times as text: a Timestamp would go in the JVM's zone, ambiguous in a daylight-saving hour
            rows.add(v.eventId(), v.machineId(), v.product(), v.location(), v.occurredAt(), v.quantity(), v.expected(), v.reported());
        }
        try (PreparedStatement ps = c.prepareStatement(
                "insert into stock_mismatches (event_id, machine_id, product, location, occurred_at, quantity, expected, reported) "
                        + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::int[], ?::int[], ?::int[]) "
                        + "on conflict (event_id) do update set expected = excluded.expected, reported = excluded.reported, "
                        + "judged_at = now()")) {
            rows.bind(c, ps, 1, "uuid", "text", "text", "text", "timestamptz", "int4", "int4", "int4");
            ps.executeUpdate();
        }
    }

    /** Verdicts older than the window can no longer hold the rule: let go every ten minutes. */
    private void purge() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from stock_mismatches where occurred_at < now() - make_interval(hours => ?)")) {
            ps.setInt(1, windowHours);
            ps.executeUpdate();
        }
        purged = System.nanoTime();
    }
}

package io.vendstream.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Folds a transaction's newly stored events into the current state and the rollups the API reads:
 * machines, stock, sales per hour, per day and product, per day and way of paying, and the
 * end-to-end latency histogram. Each is aggregated per batch first, so no upsert touches a row
 * twice, and added to the transaction's {@link Writes}, in key order so that concurrent
 * transactions lock rows in the same order. The writers of one poll have disjoint machines, so
 * disjoint stock and rollup rows, and latency rows of their own ({@code writer}).
 */
final class Projections {

    /**
     * Upper bounds (ms) of the latency histograms' buckets; -1 is +Inf. Fine at the low end: the
     * pipeline's own latency at a trickle of events is a few milliseconds.
     */
    static final int[] LATENCY_BUCKETS_MS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, -1};

    private final ZoneId zone;

    Projections(ZoneId zone) {
        this.zone = zone;
    }

    /** Adds the projections of {@code fresh} (events stored for the first time) to the writes. */
    void write(Writes writes, List<VendingEvent> fresh, int writer) {
        write(writes, fresh, new long[fresh.size()], writer);
    }

    /**
     * As {@link #write(Writes, List, int)}, with each event's receive time ({@code receivedAt[i]},
     * epoch milliseconds, the Kafka record's timestamp; 0 or less when unknown) for the latency
     * histograms.
     */
    void write(Writes writes, List<VendingEvent> fresh, long[] receivedAt, int writer) {
        List<VendingEvent> sales = fresh.stream().filter(VendingEvent::isSale).toList();
        upsertMachines(writes, fresh);
        upsertStock(writes, fresh);
        upsertSalesHourly(writes, sales);
        upsertSalesDailyProduct(writes, sales);
        upsertSalesDailyPayment(writes, sales);
        upsertLatency(writes, fresh, receivedAt, writer);
    }


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
     * Two histograms per minute: {@code pipeline}, received (the record's timestamp) until this
     * transaction writes, and {@code device}, occurredAt until received. An event whose receive
     * time is unknown counts in neither. Each writer of a poll adds to rows of its own
     * ({@code writer}), so writers storing at the same time do not wait for each other's commit on
     * the current minute's buckets; readers sum them.
     */
    private static void upsertLatency(Writes writes, List<VendingEvent> events, long[] receivedAt, int writer) {
        if (events.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        long nowMs = now.toEpochMilli();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        Map<Integer, Long> pipeline = new TreeMap<>();
        Map<Integer, Long> device = new TreeMap<>();
        for (int i = 0; i < events.size(); i++) {
            long received = receivedAt[i];
            if (received <= 0) {
                continue;
            }
            pipeline.merge(bucket(Math.max(0, nowMs - received)), 1L, Long::sum);
            device.merge(bucket(Math.max(0, received - events.get(i).occurredAt().toEpochMilli())), 1L, Long::sum);
        }
        if (pipeline.isEmpty()) {
            return;
        }
        Columns cols = new Columns(pipeline.size() + device.size());
        device.forEach((le, n) -> cols.add(minute, "device", le, writer, n));
        pipeline.forEach((le, n) -> cols.add(minute, "pipeline", le, writer, n));
        writes.add("write_latency",
                "insert into latency_minute as l (minute, stage, le_ms, writer, count) "
                        + "select * from unnest(?::timestamptz[], ?::text[], ?::int[], ?::int[], ?::bigint[]) "
                        + "on conflict (minute, stage, le_ms, writer) do update set count = l.count + excluded.count",
                cols, "text", "text", "int4", "int4", "int8");
    }

    static int bucket(long latencyMs) {
        for (int le : LATENCY_BUCKETS_MS) {
            if (le >= 0 && latencyMs <= le) {
                return le;
            }
        }
        return -1;
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }
}

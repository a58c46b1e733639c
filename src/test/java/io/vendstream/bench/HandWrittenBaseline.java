package io.vendstream.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.Rejection;
import io.vendstream.ingest.VendingEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The best hand-written equivalent of the product's ingest: what a careful engineer writes with
 * no framework to store exactly what the product stores. A plain kafka-clients consumer, the
 * product's own {@link EventValidator} (run over a poll's records in parallel, as the product
 * does), dead letters published to the DLQ topic and acknowledged before the database work, and
 * then one transaction per poll with one array statement ({@code unnest}) per table:
 * <ul>
 * <li>{@code sales} and {@code restocks}: {@code insert ... select * from unnest(...) on conflict
 * (event_id) do nothing returning event_id}, so the ids returned are the new events. Within a poll
 * the first record of an eventId is the candidate and later ones are duplicates (as in the
 * product); across polls a sale whose eventId is already a restock (or the reverse) is a duplicate
 * too, by an anti-join against the other table, because the product's {@code processed_events}
 * makes any second use of an eventId a duplicate whatever its type;</li>
 * <li>{@code machines}, {@code stock}, {@code sales_hourly}, {@code sales_daily_product},
 * {@code sales_daily_payment}: aggregated in Java over the new events only, then one
 * {@code unnest} upsert each (stock as one statement that updates the slots it has and inserts
 * the others, by the product's stock rule);</li>
 * <li>{@code rejected_events} as one {@code unnest} insert and {@code rejected_counts} as one
 * {@code unnest} upsert.</li>
 * </ul>
 * Offsets are committed synchronously after the database commit. The stored result is the
 * product's, row for row ({@link StoredSet}).
 *
 * <p>It leaves out what the product adds for exactly-once under rebalances and crashes: the
 * per-partition fences and counters ({@code ingest_partitions}), the {@code processed_events}
 * repository, and the latency histogram ({@code latency_minute}). Idempotency rests on the primary
 * keys alone, so a poll replayed after a crash between the database commit and the offset commit
 * stores no event twice but counts its rejections in {@code rejected_counts} again; and the
 * sale/restock anti-join holds for one consumer, not for two instances racing on the same eventId.
 */
final class HandWrittenBaseline {

    private static final String INSERT_SALES = "insert into sales (event_id, machine_id, location, product, category, "
            + "unit_price, currency, quantity, amount, payment_method, stock_after, occurred_at) "
            + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::numeric[], ?::text[], "
            + "?::int[], ?::numeric[], ?::text[], ?::int[], ?::timestamptz[]) as i (event_id, machine_id, location, "
            + "product, category, unit_price, currency, quantity, amount, payment_method, stock_after, occurred_at) "
            + "where not exists (select 1 from restocks r where r.event_id = i.event_id) "
            + "on conflict (event_id) do nothing returning event_id";
    private static final String INSERT_RESTOCKS = "insert into restocks (event_id, machine_id, location, product, category, "
            + "quantity, stock_after, occurred_at) "
            + "select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], "
            + "?::timestamptz[]) as i (event_id, machine_id, location, product, category, quantity, stock_after, occurred_at) "
            + "where not exists (select 1 from sales s where s.event_id = i.event_id) "
            + "on conflict (event_id) do nothing returning event_id";
    private static final String UPSERT_MACHINES = "insert into machines as m (machine_id, location, first_seen, last_seen, "
            + "last_sale_at) select * from unnest(?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[]) "
            + "on conflict (machine_id) do update set "
            + "location = case when excluded.last_seen >= m.last_seen then excluded.location else m.location end, "
            + "first_seen = least(m.first_seen, excluded.first_seen), last_seen = greatest(m.last_seen, excluded.last_seen), "
            + "last_sale_at = greatest(m.last_sale_at, excluded.last_sale_at)";
    /** The product's stock rule: follow the level unless older than as_of, else move by the quantities. */
    private static final String UPSERT_STOCK = "with i as (select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], "
            + "?::int[], ?::int[], ?::int[], ?::timestamptz[]) as i (machine_id, product, location, category, level, "
            + "movement, highest, as_of)), "
            + "updated as (update stock s set "
            + "  quantity = case when i.level is not null and i.as_of >= s.as_of then i.level "
            + "                  else greatest(0, s.quantity + i.movement) end, "
            + "  capacity = greatest(s.capacity, i.highest, case when i.level is not null and i.as_of >= s.as_of "
            + "                  then i.level else greatest(0, s.quantity + i.movement) end), "
            + "  as_of = greatest(s.as_of, i.as_of), location = i.location, category = coalesce(i.category, s.category) "
            + "from i where s.machine_id = i.machine_id and s.product = i.product returning s.machine_id, s.product) "
            + "insert into stock (machine_id, product, location, category, quantity, capacity, as_of) "
            + "select i.machine_id, i.product, i.location, i.category, coalesce(i.level, greatest(0, i.movement)), "
            + "  greatest(i.highest, coalesce(i.level, greatest(0, i.movement))), i.as_of from i "
            + "where not exists (select 1 from updated u where u.machine_id = i.machine_id and u.product = i.product) "
            + "on conflict (machine_id, product) do nothing";
    private static final String UPSERT_HOURLY = "insert into sales_hourly as r (hour, machine_id, location, sales_count, "
            + "units, revenue) select * from unnest(?::timestamptz[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], "
            + "?::numeric[]) on conflict (hour, machine_id) do update set "
            + "sales_count = r.sales_count + excluded.sales_count, units = r.units + excluded.units, "
            + "revenue = r.revenue + excluded.revenue, location = excluded.location";
    private static final String UPSERT_DAILY_PRODUCT = "insert into sales_daily_product as r (day, machine_id, product, "
            + "location, category, sales_count, units, revenue) select * from unnest(?::date[], ?::text[], ?::text[], "
            + "?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::numeric[]) "
            + "on conflict (day, machine_id, product) do update set sales_count = r.sales_count + excluded.sales_count, "
            + "units = r.units + excluded.units, revenue = r.revenue + excluded.revenue, location = excluded.location, "
            + "category = coalesce(excluded.category, r.category)";
    private static final String UPSERT_DAILY_PAYMENT = "insert into sales_daily_payment as r (day, machine_id, "
            + "payment_method, location, sales_count, revenue) select * from unnest(?::date[], ?::text[], ?::text[], "
            + "?::text[], ?::bigint[], ?::numeric[]) "
            + "on conflict (day, machine_id, payment_method) do update set sales_count = r.sales_count + excluded.sales_count, "
            + "revenue = r.revenue + excluded.revenue, location = excluded.location";
    private static final String INSERT_REJECTIONS = "insert into rejected_events (source_topic, source_partition, "
            + "source_offset, message_key, reason, detail, payload, payload_size, event_id) "
            + "select * from unnest(?::text[], ?::int[], ?::bigint[], ?::bytea[], ?::text[], ?::text[], ?::bytea[], "
            + "?::int[], ?::text[]) on conflict (source_topic, source_partition, source_offset) do nothing";
    private static final String UPSERT_REJECTED_COUNTS = "insert into rejected_counts as r (topic, partition, reason, count) "
            + "select * from unnest(?::text[], ?::int[], ?::text[], ?::bigint[]) "
            + "on conflict (topic, partition, reason) do update set count = r.count + excluded.count";

    /** What one run did and how long it took. */
    record Result(long consumed, long stored, long duplicates, long rejected, double wallSeconds, double drainSeconds) {
    }

    private final BenchInfra infra;
    private final String schema;
    private final String topic;
    private final String group;
    private final int maxPollRecords;
    private final ZoneId zone;
    private final EventValidator validator = EventValidator.configured(300, 65536, 0);

    HandWrittenBaseline(BenchInfra infra, String schema, String topic, String group, int maxPollRecords, ZoneId zone) {
        this.infra = infra;
        this.schema = schema;
        this.topic = topic;
        this.group = group;
        this.maxPollRecords = maxPollRecords;
        this.zone = zone;
    }

    /** Consumes until {@code expected} records have been handled (stored, duplicate or rejected). */
    Result drain(long expected, Duration timeout) throws SQLException {
        long started = System.nanoTime();
        long firstPoll = 0;
        long consumed = 0;
        long stored = 0;
        long duplicates = 0;
        long rejected = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = infra.consumer(group, maxPollRecords);
             KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all",
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                     new ByteArraySerializer(), new ByteArraySerializer());
             Connection c = infra.connect(schema)) {
            c.setAutoCommit(false);
            consumer.subscribe(List.of(topic));
            long deadline = started + timeout.toNanos();
            while (consumed < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the hand-written baseline handled " + consumed + " of " + expected
                            + " records in " + timeout);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (firstPoll == 0) {
                    firstPoll = System.nanoTime();
                }
                List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(records.count());
                records.forEach(list::add);
                List<EventValidator.Result> results = list.parallelStream().map(r -> validator.validate(r.value())).toList();

                // within the poll, the first record of an eventId is the candidate, whatever its type
                Map<UUID, VendingEvent> candidates = new LinkedHashMap<>();
                List<Integer> refused = new ArrayList<>();
                int valid = 0;
                for (int i = 0; i < list.size(); i++) {
                    if (results.get(i).isValid()) {
                        VendingEvent e = results.get(i).event();
                        candidates.putIfAbsent(e.eventId(), e);
                        valid++;
                    } else {
                        refused.add(i);
                    }
                }
                // dead letters first, acknowledged, as the product does
                for (int i : refused) {
                    ConsumerRecord<byte[], byte[]> r = list.get(i);
                    dlq.send(new ProducerRecord<>(topic + ".dlq", r.key(), r.value()));
                }
                dlq.flush();

                List<VendingEvent> fresh = insertEvents(c, candidates.values());
                upsertRollups(c, fresh);
                insertRejections(c, list, results, refused);
                c.commit();

                BenchInfra.commitPast(consumer, records);
                consumed += list.size();
                stored += fresh.size();
                duplicates += valid - fresh.size();
                rejected += refused.size();
            }
        }
        long ended = System.nanoTime();
        return new Result(consumed, stored, duplicates, rejected, (ended - started) / 1e9, (ended - firstPoll) / 1e9);
    }

    /** Inserts the candidate sales and restocks; returns those that were new, in poll order. */
    private static List<VendingEvent> insertEvents(Connection c, java.util.Collection<VendingEvent> candidates)
            throws SQLException {
        UnnestColumns sales = new UnnestColumns("text", "text", "text", "text", "text", "text", "text", "int4", "text",
                "text", "int4", "text");
        UnnestColumns restocks = new UnnestColumns("text", "text", "text", "text", "text", "int4", "int4", "text");
        for (VendingEvent e : candidates) {
            if (e.isSale()) {
                sales.add(e.eventId(), e.machineId(), e.location(), e.product(), e.category(), e.unitPrice(), e.currency(),
                        e.quantity(), e.amount(), e.paymentMethod(), e.stockAfter(), e.occurredAt());
            } else {
                restocks.add(e.eventId(), e.machineId(), e.location(), e.product(), e.category(), e.quantity(),
                        e.stockAfter(), e.occurredAt());
            }
        }
        Set<UUID> inserted = new HashSet<>();
        returning(c, INSERT_SALES, sales, inserted);
        returning(c, INSERT_RESTOCKS, restocks, inserted);
        List<VendingEvent> fresh = new ArrayList<>(inserted.size());
        for (VendingEvent e : candidates) {
            if (inserted.contains(e.eventId())) {
                fresh.add(e);
            }
        }
        return fresh;
    }

    private static void returning(Connection c, String sql, UnnestColumns cols, Set<UUID> ids) throws SQLException {
        if (cols.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(sql)) {
            cols.bind(c, st, 1);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        }
    }

    private static void execute(Connection c, String sql, UnnestColumns cols) throws SQLException {
        if (cols.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(sql)) {
            cols.bind(c, st, 1);
            st.executeUpdate();
        }
    }

    /** A rollup row being summed: the labels of its first event, and its totals. */
    private static final class Totals {
        final String location;
        final String category;
        long count;
        long units;
        BigDecimal revenue = BigDecimal.ZERO;

        Totals(VendingEvent first, String category) {
            this.location = first.location();
            this.category = category;
        }

        void add(VendingEvent e) {
            count++;
            units += e.quantity();
            revenue = revenue.add(e.amount());
        }
    }

    private record HourKey(Instant hour, String machineId) implements Comparable<HourKey> {
        public int compareTo(HourKey o) {
            int h = hour.compareTo(o.hour);
            return h != 0 ? h : machineId.compareTo(o.machineId);
        }
    }

    private record DayKey(LocalDate day, String machineId, String item) implements Comparable<DayKey> {
        public int compareTo(DayKey o) {
            int d = day.compareTo(o.day);
            if (d != 0) {
                return d;
            }
            int m = machineId.compareTo(o.machineId);
            return m != 0 ? m : item.compareTo(o.item);
        }
    }

    private void upsertRollups(Connection c, List<VendingEvent> fresh) throws SQLException {
        if (fresh.isEmpty()) {
            return;
        }
        upsertMachines(c, fresh);
        upsertStock(c, fresh);
        Map<HourKey, Totals> hourly = new TreeMap<>();
        Map<DayKey, Totals> byProduct = new TreeMap<>();
        Map<DayKey, Totals> byPayment = new TreeMap<>();
        for (VendingEvent e : fresh) {
            if (!e.isSale()) {
                continue;
            }
            Instant hour = e.occurredAt().atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
            LocalDate day = e.occurredAt().atZone(zone).toLocalDate();
            hourly.computeIfAbsent(new HourKey(hour, e.machineId()), k -> new Totals(e, null)).add(e);
            byProduct.computeIfAbsent(new DayKey(day, e.machineId(), e.product()), k -> new Totals(e, e.category())).add(e);
            byPayment.computeIfAbsent(new DayKey(day, e.machineId(), e.paymentMethod()), k -> new Totals(e, null)).add(e);
        }
        UnnestColumns h = new UnnestColumns("text", "text", "text", "int8", "int8", "text");
        hourly.forEach((k, t) -> h.add(k.hour, k.machineId, t.location, t.count, t.units, t.revenue));
        execute(c, UPSERT_HOURLY, h);
        UnnestColumns p = new UnnestColumns("text", "text", "text", "text", "text", "int8", "int8", "text");
        byProduct.forEach((k, t) -> p.add(k.day, k.machineId, k.item, t.location, t.category, t.count, t.units, t.revenue));
        execute(c, UPSERT_DAILY_PRODUCT, p);
        UnnestColumns m = new UnnestColumns("text", "text", "text", "text", "int8", "text");
        byPayment.forEach((k, t) -> m.add(k.day, k.machineId, k.item, t.location, t.count, t.revenue));
        execute(c, UPSERT_DAILY_PAYMENT, m);
    }

    /** Per machine: first and last occurredAt, the location of the latest event, the latest sale. */
    private static void upsertMachines(Connection c, List<VendingEvent> fresh) throws SQLException {
        Map<String, Instant[]> seen = new TreeMap<>();
        Map<String, String> location = new HashMap<>();
        for (VendingEvent e : fresh) {
            Instant[] s = seen.computeIfAbsent(e.machineId(), k -> new Instant[3]);
            if (s[1] == null || !e.occurredAt().isBefore(s[1])) {
                location.put(e.machineId(), e.location());
            }
            s[0] = s[0] == null || e.occurredAt().isBefore(s[0]) ? e.occurredAt() : s[0];
            s[1] = s[1] == null || e.occurredAt().isAfter(s[1]) ? e.occurredAt() : s[1];
            if (e.isSale()) {
                s[2] = s[2] == null || e.occurredAt().isAfter(s[2]) ? e.occurredAt() : s[2];
            }
        }
        UnnestColumns cols = new UnnestColumns("text", "text", "text", "text", "text");
        seen.forEach((id, s) -> cols.add(id, location.get(id), s[0], s[1], s[2]));
        execute(c, UPSERT_MACHINES, cols);
    }

    /**
     * Per slot, the poll's net effect: the level after the latest event that reported stockAfter
     * (moved by the quantities after it), the sum of the movements, and the highest level seen.
     */
    private static void upsertStock(Connection c, List<VendingEvent> fresh) throws SQLException {
        Map<String, List<VendingEvent>> bySlot = new TreeMap<>();
        for (VendingEvent e : fresh) {
            bySlot.computeIfAbsent(e.machineId() + "\u0000" + e.product(), k -> new ArrayList<>()).add(e);
        }
        UnnestColumns cols = new UnnestColumns("text", "text", "text", "text", "int4", "int4", "int4", "text");
        for (List<VendingEvent> slot : bySlot.values()) {
            slot.sort(Comparator.comparing(VendingEvent::occurredAt));
            Integer level = null;
            int movement = 0;
            int highest = 0;
            for (VendingEvent e : slot) {
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
            VendingEvent last = slot.get(slot.size() - 1);
            cols.add(last.machineId(), last.product(), last.location(), last.category(), level, movement, highest,
                    last.occurredAt());
        }
        execute(c, UPSERT_STOCK, cols);
    }

    private void insertRejections(Connection c, List<ConsumerRecord<byte[], byte[]>> list,
                                  List<EventValidator.Result> results, List<Integer> refused) throws SQLException {
        if (refused.isEmpty()) {
            return;
        }
        UnnestColumns rows = new UnnestColumns("text", "int4", "int8", "bytea", "text", "text", "bytea", "int4", "text");
        Map<String, long[]> counts = new TreeMap<>();
        for (int i : refused) {
            ConsumerRecord<byte[], byte[]> r = list.get(i);
            Rejection rejection = results.get(i).rejection();
            byte[] payload = r.value() == null ? new byte[0] : r.value();
            rows.add(r.topic(), r.partition(), r.offset(), r.key(), rejection.reason().name(),
                    printable(rejection.detail()), payload, payload.length, printable(rejection.eventId()));
            counts.computeIfAbsent(r.partition() + "/" + rejection.reason().name(), k -> new long[1])[0]++;
        }
        execute(c, INSERT_REJECTIONS, rows);
        UnnestColumns tally = new UnnestColumns("text", "int4", "text", "int8");
        counts.forEach((key, n) -> {
            int slash = key.indexOf('/');
            tally.add(topic, Integer.parseInt(key.substring(0, slash)), key.substring(slash + 1), n[0]);
        });
        execute(c, UPSERT_REJECTED_COUNTS, tally);
    }

    /** PostgreSQL text cannot hold NUL; details and ids quoted from bad payloads may contain it. */
    private static String printable(String s) {
        return s == null ? null : s.replace('\u0000', '\uFFFD');
    }
}

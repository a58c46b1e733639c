package io.vendstream.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.VendingEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the same hardware does with no framework: a plain kafka-clients consumer, the product's
 * own {@link EventValidator}, and JDBC batched {@code INSERT ... ON CONFLICT DO NOTHING} into the
 * same tables (sales, restocks, rejected_events), with the same rollups (machines, stock,
 * sales_hourly, sales_daily_product, sales_daily_payment) aggregated per poll, dead letters
 * published to the DLQ topic, and offsets committed after each database commit. Idempotency
 * rests on the primary keys and the update counts of the batch (1 = new, 0 = duplicate).
 *
 * <p>It leaves out what the product adds for exactly-once under rebalances and crashes (the
 * per-partition fence and counters, the source partition and offset on each row, the check that an
 * eventId stored as one type is not stored as the other) and the latency histogram.
 */
final class RawBaseline {

    private static final String INSERT_SALE = "insert into sales (event_id, machine_id, location, product, category, "
            + "unit_price, currency, quantity, amount, payment_method, stock_after, occurred_at) "
            + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (event_id) do nothing";
    private static final String INSERT_RESTOCK = "insert into restocks (event_id, machine_id, location, product, category, "
            + "quantity, stock_after, occurred_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (event_id) do nothing";
    private static final String UPSERT_MACHINE = "insert into machines as m (machine_id, location, first_seen, last_seen, "
            + "last_sale_at) values (?, ?, ?, ?, ?) on conflict (machine_id) do update set "
            + "location = case when excluded.last_seen >= m.last_seen then excluded.location else m.location end, "
            + "first_seen = least(m.first_seen, excluded.first_seen), last_seen = greatest(m.last_seen, excluded.last_seen), "
            + "last_sale_at = greatest(m.last_sale_at, excluded.last_sale_at)";
    private static final String UPSERT_STOCK = "insert into stock as s (machine_id, product, location, category, quantity, "
            + "capacity, as_of) values (?, ?, ?, ?, ?, ?, ?) on conflict (machine_id, product) do update set "
            + "quantity = case when ?::int is not null and excluded.as_of >= s.as_of then ?::int "
            + "  else greatest(0, s.quantity + ?::int) end, "
            + "capacity = greatest(s.capacity, ?::int, case when ?::int is not null and excluded.as_of >= s.as_of then ?::int "
            + "  else greatest(0, s.quantity + ?::int) end), "
            + "as_of = greatest(s.as_of, excluded.as_of), location = excluded.location, "
            + "category = coalesce(excluded.category, s.category)";
    private static final String UPSERT_HOURLY = "insert into sales_hourly as r (hour, machine_id, location, sales_count, "
            + "units, revenue) values (?, ?, ?, ?, ?, ?) on conflict (hour, machine_id) do update set "
            + "sales_count = r.sales_count + excluded.sales_count, units = r.units + excluded.units, "
            + "revenue = r.revenue + excluded.revenue, location = excluded.location";
    private static final String UPSERT_DAILY_PRODUCT = "insert into sales_daily_product as r (day, machine_id, product, "
            + "location, category, sales_count, units, revenue) values (?, ?, ?, ?, ?, ?, ?, ?) "
            + "on conflict (day, machine_id, product) do update set sales_count = r.sales_count + excluded.sales_count, "
            + "units = r.units + excluded.units, revenue = r.revenue + excluded.revenue, location = excluded.location, "
            + "category = coalesce(excluded.category, r.category)";
    private static final String UPSERT_DAILY_PAYMENT = "insert into sales_daily_payment as r (day, machine_id, "
            + "payment_method, location, sales_count, revenue) values (?, ?, ?, ?, ?, ?) "
            + "on conflict (day, machine_id, payment_method) do update set sales_count = r.sales_count + excluded.sales_count, "
            + "revenue = r.revenue + excluded.revenue, location = excluded.location";
    private static final String INSERT_REJECTION = "insert into rejected_events (source_topic, source_partition, "
            + "source_offset, message_key, reason, detail, payload, payload_size, event_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "on conflict (source_topic, source_partition, source_offset) do nothing";
    private static final String UPSERT_REJECTED_COUNT = "insert into rejected_counts as r (topic, partition, reason, count) "
            + "values (?, ?, ?, ?) on conflict (topic, partition, reason) do update set count = r.count + excluded.count";

    /** What one run did and how long it took. */
    record Result(long consumed, long stored, long duplicates, long rejected, double wallSeconds, double drainSeconds) {
    }

    private final BenchInfra infra;
    private final String schema;
    private final String topic;
    private final String group;
    private final int maxPollRecords;
    private final ZoneId zone;
    private final EventValidator validator = new EventValidator(300, 65536);

    RawBaseline(BenchInfra infra, String schema, String topic, String group, int maxPollRecords, ZoneId zone) {
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
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
                    throw new IllegalStateException("the baseline handled " + consumed + " of " + expected + " records in " + timeout);
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

                List<VendingEvent> events = new ArrayList<>();
                List<Integer> refused = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    if (results.get(i).isValid()) {
                        events.add(results.get(i).event());
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

                List<VendingEvent> fresh = insertEvents(c, events);
                upsertRollups(c, fresh);
                insertRejections(c, list, results, refused);
                c.commit();

                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
                    offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
                }
                consumer.commitSync(offsets);
                consumed += list.size();
                stored += fresh.size();
                duplicates += events.size() - fresh.size();
                rejected += refused.size();
            }
        }
        long ended = System.nanoTime();
        return new Result(consumed, stored, duplicates, rejected, (ended - started) / 1e9, (ended - firstPoll) / 1e9);
    }

    /** Inserts sales and restocks; returns those that were new (update count 1, not 0). */
    private static List<VendingEvent> insertEvents(Connection c, List<VendingEvent> events) throws SQLException {
        List<VendingEvent> sales = events.stream().filter(VendingEvent::isSale).toList();
        List<VendingEvent> restocks = events.stream().filter(e -> !e.isSale()).toList();
        List<VendingEvent> fresh = new ArrayList<>(events.size());
        if (!sales.isEmpty()) {
            try (PreparedStatement st = c.prepareStatement(INSERT_SALE)) {
                for (VendingEvent e : sales) {
                    st.setObject(1, e.eventId());
                    st.setString(2, e.machineId());
                    st.setString(3, e.location());
                    st.setString(4, e.product());
                    st.setString(5, e.category());
                    st.setBigDecimal(6, e.unitPrice());
                    st.setString(7, e.currency());
                    st.setInt(8, e.quantity());
                    st.setBigDecimal(9, e.amount());
                    st.setString(10, e.paymentMethod());
                    setInteger(st, 11, e.stockAfter());
                    st.setTimestamp(12, Timestamp.from(e.occurredAt()));
                    st.addBatch();
                }
                collectFresh(st.executeBatch(), sales, fresh);
            }
        }
        if (!restocks.isEmpty()) {
            try (PreparedStatement st = c.prepareStatement(INSERT_RESTOCK)) {
                for (VendingEvent e : restocks) {
                    st.setObject(1, e.eventId());
                    st.setString(2, e.machineId());
                    st.setString(3, e.location());
                    st.setString(4, e.product());
                    st.setString(5, e.category());
                    st.setInt(6, e.quantity());
                    setInteger(st, 7, e.stockAfter());
                    st.setTimestamp(8, Timestamp.from(e.occurredAt()));
                    st.addBatch();
                }
                collectFresh(st.executeBatch(), restocks, fresh);
            }
        }
        return fresh;
    }

    private static void collectFresh(int[] counts, List<VendingEvent> events, List<VendingEvent> fresh) {
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 1) {
                fresh.add(events.get(i));
            } else if (counts[i] != 0) {
                throw new IllegalStateException("the driver did not report a row count (" + counts[i] + ")");
            }
        }
    }

    private void upsertRollups(Connection c, List<VendingEvent> fresh) throws SQLException {
        if (fresh.isEmpty()) {
            return;
        }
        upsertMachines(c, fresh);
        upsertStock(c, fresh);
        List<VendingEvent> sales = fresh.stream().filter(VendingEvent::isSale).toList();
        if (sales.isEmpty()) {
            return;
        }
        Map<List<Object>, long[]> hourlyCounts = new TreeMap<>(RawBaseline::compareKeys);
        Map<List<Object>, BigDecimal> hourlyRevenue = new HashMap<>();
        Map<List<Object>, long[]> productCounts = new TreeMap<>(RawBaseline::compareKeys);
        Map<List<Object>, BigDecimal> productRevenue = new HashMap<>();
        Map<List<Object>, long[]> paymentCounts = new TreeMap<>(RawBaseline::compareKeys);
        Map<List<Object>, BigDecimal> paymentRevenue = new HashMap<>();
        Map<List<Object>, String[]> labels = new HashMap<>();
        for (VendingEvent e : sales) {
            Instant hour = e.occurredAt().atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
            LocalDate day = e.occurredAt().atZone(zone).toLocalDate();
            List<Object> h = List.of(hour.toString(), e.machineId());
            List<Object> p = List.of(day.toString(), e.machineId(), e.product());
            List<Object> m = List.of(day.toString(), e.machineId(), e.paymentMethod(), "payment");
            add(hourlyCounts, hourlyRevenue, h, e);
            add(productCounts, productRevenue, p, e);
            add(paymentCounts, paymentRevenue, m, e);
            labels.put(h, new String[] {e.location(), null});
            labels.put(p, new String[] {e.location(), e.category()});
            labels.put(m, new String[] {e.location(), null});
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_HOURLY)) {
            for (Map.Entry<List<Object>, long[]> r : hourlyCounts.entrySet()) {
                st.setTimestamp(1, Timestamp.from(Instant.parse((String) r.getKey().get(0))));
                st.setString(2, (String) r.getKey().get(1));
                st.setString(3, labels.get(r.getKey())[0]);
                st.setLong(4, r.getValue()[0]);
                st.setLong(5, r.getValue()[1]);
                st.setBigDecimal(6, hourlyRevenue.get(r.getKey()));
                st.addBatch();
            }
            st.executeBatch();
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_DAILY_PRODUCT)) {
            for (Map.Entry<List<Object>, long[]> r : productCounts.entrySet()) {
                st.setObject(1, LocalDate.parse((String) r.getKey().get(0)));
                st.setString(2, (String) r.getKey().get(1));
                st.setString(3, (String) r.getKey().get(2));
                st.setString(4, labels.get(r.getKey())[0]);
                st.setString(5, labels.get(r.getKey())[1]);
                st.setLong(6, r.getValue()[0]);
                st.setLong(7, r.getValue()[1]);
                st.setBigDecimal(8, productRevenue.get(r.getKey()));
                st.addBatch();
            }
            st.executeBatch();
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_DAILY_PAYMENT)) {
            for (Map.Entry<List<Object>, long[]> r : paymentCounts.entrySet()) {
                st.setObject(1, LocalDate.parse((String) r.getKey().get(0)));
                st.setString(2, (String) r.getKey().get(1));
                st.setString(3, (String) r.getKey().get(2));
                st.setString(4, labels.get(r.getKey())[0]);
                st.setLong(5, r.getValue()[0]);
                st.setBigDecimal(6, paymentRevenue.get(r.getKey()));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private static void add(Map<List<Object>, long[]> counts, Map<List<Object>, BigDecimal> revenue, List<Object> key,
                            VendingEvent e) {
        long[] c = counts.computeIfAbsent(key, k -> new long[2]);
        c[0]++;
        c[1] += e.quantity();
        revenue.merge(key, e.amount(), BigDecimal::add);
    }

    @SuppressWarnings("unchecked")
    private static int compareKeys(List<Object> a, List<Object> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int d = ((Comparable<Object>) a.get(i)).compareTo(b.get(i));
            if (d != 0) {
                return d;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

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
        try (PreparedStatement st = c.prepareStatement(UPSERT_MACHINE)) {
            for (Map.Entry<String, Instant[]> m : seen.entrySet()) {
                st.setString(1, m.getKey());
                st.setString(2, location.get(m.getKey()));
                st.setTimestamp(3, Timestamp.from(m.getValue()[0]));
                st.setTimestamp(4, Timestamp.from(m.getValue()[1]));
                st.setTimestamp(5, m.getValue()[2] == null ? null : Timestamp.from(m.getValue()[2]));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Same stock rule as the product: follow stockAfter unless older than as_of, else move by the quantity. */
    private static void upsertStock(Connection c, List<VendingEvent> fresh) throws SQLException {
        Map<String, List<VendingEvent>> bySlot = new TreeMap<>();
        for (VendingEvent e : fresh) {
            bySlot.computeIfAbsent(e.machineId() + "\u0000" + e.product(), k -> new ArrayList<>()).add(e);
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_STOCK)) {
            for (List<VendingEvent> slot : bySlot.values()) {
                slot.sort(java.util.Comparator.comparing(VendingEvent::occurredAt));
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
                int initial = level != null ? level : Math.max(0, movement);
                st.setString(1, last.machineId());
                st.setString(2, last.product());
                st.setString(3, last.location());
                st.setString(4, last.category());
                st.setInt(5, initial);
                st.setInt(6, Math.max(highest, initial));
                st.setTimestamp(7, Timestamp.from(last.occurredAt()));
                setInteger(st, 8, level);
                setInteger(st, 9, level);
                st.setInt(10, movement);
                st.setInt(11, highest);
                setInteger(st, 12, level);
                setInteger(st, 13, level);
                st.setInt(14, movement);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private void insertRejections(Connection c, List<ConsumerRecord<byte[], byte[]>> list,
                                  List<EventValidator.Result> results, List<Integer> refused) throws SQLException {
        if (refused.isEmpty()) {
            return;
        }
        Map<String, Long> counts = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement(INSERT_REJECTION)) {
            for (int i : refused) {
                ConsumerRecord<byte[], byte[]> r = list.get(i);
                var rejection = results.get(i).rejection();
                byte[] payload = r.value() == null ? new byte[0] : r.value();
                st.setString(1, r.topic());
                st.setInt(2, r.partition());
                st.setLong(3, r.offset());
                st.setBytes(4, r.key());
                st.setString(5, rejection.reason().name());
                st.setString(6, rejection.detail().replace('\u0000', '\uFFFD'));
                st.setBytes(7, payload);
                st.setInt(8, payload.length);
                st.setString(9, rejection.eventId() == null ? null : rejection.eventId().replace('\u0000', '\uFFFD'));
                st.addBatch();
                counts.merge(r.partition() + "/" + rejection.reason().name(), 1L, Long::sum);
            }
            st.executeBatch();
        }
        try (PreparedStatement st = c.prepareStatement(UPSERT_REJECTED_COUNT)) {
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                String[] parts = e.getKey().split("/");
                st.setString(1, topic);
                st.setInt(2, Integer.parseInt(parts[0]));
                st.setString(3, parts[1]);
                st.setLong(4, e.getValue());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private static void setInteger(PreparedStatement st, int index, Integer value) throws SQLException {
        if (value == null) {
            st.setNull(index, Types.INTEGER);
        } else {
            st.setInt(index, value);
        }
    }
}

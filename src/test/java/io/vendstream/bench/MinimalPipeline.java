package io.vendstream.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The least an ingest of this stream can do, as a floor for the product's rate: a plain
 * kafka-clients consumer, a Jackson parse of each record, and for sales only one transaction per
 * poll holding one statement: an {@code unnest} insert into {@code min_sales} (a primary key and
 * nothing else) {@code on conflict do nothing}, and, over the rows it inserted, one upsert of an
 * hourly rollup ({@code min_sales_hourly}: hour in the campus time zone, machine, sales, units,
 * revenue) as a data-modifying CTE. Offsets are committed after the database commit.
 *
 * <p>No validation, no dead letters, no restocks, stock, machines or daily rollups: a record that
 * does not parse as a sale object (an object with {@code type} "sale", a UUID {@code eventId}, a
 * {@code machineId}, an RFC 3339 {@code occurredAt}, an integer {@code quantity} and a numeric
 * {@code unitPrice}) is skipped and counted; restocks are counted apart. So it stores some of the
 * invalid records the product dead-letters (quantity 0, a missing payment method, a date a year
 * ahead); {@link StoredSet#minimalOverlap} compares it with the product only where they overlap.
 */
final class MinimalPipeline {

    static final String SALES_TABLE = "min_sales";

    private static final String CREATE = "create table min_sales ("
            + "event_id uuid primary key, machine_id text not null, occurred_at timestamptz not null, "
            + "amount numeric(16,2) not null, quantity integer not null, ingested_at timestamptz not null default now()); "
            + "create table min_sales_hourly (hour timestamptz not null, machine_id text not null, "
            + "sales_count bigint not null, units bigint not null, revenue numeric(20,2) not null, "
            + "primary key (hour, machine_id))";
    private static final String STORE = "with ins as (insert into min_sales (event_id, machine_id, occurred_at, amount, "
            + "quantity) select * from unnest(?::uuid[], ?::text[], ?::timestamptz[], ?::numeric[], ?::int[]) "
            + "on conflict (event_id) do nothing returning machine_id, occurred_at, amount, quantity), "
            + "hourly as (insert into min_sales_hourly as r (hour, machine_id, sales_count, units, revenue) "
            + "select date_trunc('hour', occurred_at, ?), machine_id, count(*), sum(quantity), sum(amount) from ins "
            + "group by 1, 2 on conflict (hour, machine_id) do update set sales_count = r.sales_count + excluded.sales_count, "
            + "units = r.units + excluded.units, revenue = r.revenue + excluded.revenue) "
            + "select count(*) from ins";

    /** What one run did and how long it took. */
    record Result(long consumed, long stored, long duplicates, long restocks, long unparsed, double wallSeconds,
                  double drainSeconds) {
    }

    private final BenchInfra infra;
    private final String schema;
    private final String topic;
    private final String group;
    private final int maxPollRecords;
    private final ZoneId zone;
    private final ObjectMapper mapper = new ObjectMapper();

    MinimalPipeline(BenchInfra infra, String schema, String topic, String group, int maxPollRecords, ZoneId zone) {
        this.infra = infra;
        this.schema = schema;
        this.topic = topic;
        this.group = group;
        this.maxPollRecords = maxPollRecords;
        this.zone = zone;
    }

    /** Creates the fresh schema and its two tables. */
    void createTables() throws SQLException {
        try (Connection c = infra.connect("public"); Statement st = c.createStatement()) {
            st.execute("create schema \"" + schema + "\"");
        }
        try (Connection c = infra.connect(schema); Statement st = c.createStatement()) {
            st.execute(CREATE);
        }
    }

    /** Consumes until {@code expected} records have been handled (stored, duplicate or skipped). */
    Result drain(long expected, Duration timeout) throws SQLException {
        long started = System.nanoTime();
        long firstPoll = 0;
        long consumed = 0;
        long stored = 0;
        long duplicates = 0;
        long restocks = 0;
        long unparsed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = infra.consumer(group, maxPollRecords);
             Connection c = infra.connect(schema);
             PreparedStatement store = c.prepareStatement(STORE)) {
            c.setAutoCommit(false);
            consumer.subscribe(List.of(topic));
            long deadline = started + timeout.toNanos();
            while (consumed < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the minimal pipeline handled " + consumed + " of " + expected
                            + " records in " + timeout);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (firstPoll == 0) {
                    firstPoll = System.nanoTime();
                }
                UnnestColumns sales = new UnnestColumns("text", "text", "text", "text", "int4");
                Set<UUID> seen = new HashSet<>();
                long sent = 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    JsonNode n = parse(r.value());
                    if (n == null) {
                        unparsed++;
                    } else if (!"sale".equals(n.path("type").asText())) {
                        restocks++;
                    } else {
                        Object[] row = sale(n);
                        if (row == null) {
                            unparsed++;
                        } else if (seen.add((UUID) row[0])) {
                            sales.add(row);
                            sent++;
                        } else {
                            duplicates++;
                        }
                    }
                }
                if (!sales.isEmpty()) {
                    int next = sales.bind(c, store, 1);
                    store.setString(next, zone.getId());
                    try (ResultSet rs = store.executeQuery()) {
                        rs.next();
                        long inserted = rs.getLong(1);
                        stored += inserted;
                        duplicates += sent - inserted;
                    }
                }
                c.commit();

                BenchInfra.commitPast(consumer, records);
                consumed += records.count();
            }
        }
        long ended = System.nanoTime();
        return new Result(consumed, stored, duplicates, restocks, unparsed, (ended - started) / 1e9,
                (ended - firstPoll) / 1e9);
    }

    /** The record as a JSON object, or null when it is not one. */
    private JsonNode parse(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode n = mapper.readTree(value);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** event_id, machine_id, occurred_at, amount, quantity of a sale object, or null when a field does not parse. */
    private static Object[] sale(JsonNode n) {
        JsonNode machine = n.get("machineId");
        JsonNode quantity = n.get("quantity");
        JsonNode price = n.get("unitPrice");
        if (machine == null || !machine.isTextual() || quantity == null || !quantity.canConvertToInt()
                || !quantity.isIntegralNumber() || price == null || !price.isNumber()) {
            return null;
        }
        try {
            UUID id = UUID.fromString(n.path("eventId").asText());
            OffsetDateTime at = OffsetDateTime.parse(n.path("occurredAt").asText());
            BigDecimal amount = price.decimalValue().multiply(BigDecimal.valueOf(quantity.intValue()));
            return new Object[] {id, machine.asText(), at.toInstant(), amount, quantity.intValue()};
        } catch (RuntimeException e) {
            return null;
        }
    }
}

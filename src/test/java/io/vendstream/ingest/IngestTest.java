package io.vendstream.ingest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import io.vendstream.support.Events;
import io.vendstream.support.Ledger;
import io.vendstream.support.RunningApp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The ingest route against the real broker and the real database. */
class IngestTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("ingest");

    @AfterEach
    void counters_reconcile() {
        APP.ledger().assertReconciles();
    }

    private void awaitConsumed(long expected) {
        await().atMost(30, SECONDS).until(() -> APP.ledger().consumed() >= expected);
        assertThat(APP.ledger().consumed()).isEqualTo(expected);
    }

    @Test
    void should_store_valid_sales_and_restocks_with_every_field_and_keep_stock() throws Exception {
        long before = APP.ledger().consumed();
        Map<String, Object> restock = Events.restock("ENG-01", "Teh Botol", 12, 12);
        Map<String, Object> sale = Events.sale("ENG-01", "Teh Botol", 3, "7500.50", 9);
        sale.put("paymentMethod", "cash");
        sale.put("occurredAt", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plusSeconds(1).atOffset(ZoneOffset.ofHours(7)).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        sale.put("firmware", "2.1.0"); // unknown fields are ignored
        APP.kafka().send(APP.topic(), "ENG-01", Events.json(restock));
        APP.kafka().send(APP.topic(), "ENG-01", Events.json(sale));
        awaitConsumed(before + 2);

        try (Connection c = APP.ledger().connect(); PreparedStatement st = c.prepareStatement(
                "select machine_id, location, product, category, unit_price, currency, quantity, amount, payment_method, "
                        + "stock_after, occurred_at from sales where event_id = ?::uuid")) {
            st.setString(1, (String) sale.get("eventId"));
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("machine_id")).isEqualTo("ENG-01");
                assertThat(rs.getString("location")).isEqualTo("Faculty of Engineering");
                assertThat(rs.getString("product")).isEqualTo("Teh Botol");
                assertThat(rs.getString("category")).isEqualTo("drink");
                assertThat(rs.getBigDecimal("unit_price")).isEqualByComparingTo("7500.50");
                assertThat(rs.getString("currency")).isEqualTo("IDR");
                assertThat(rs.getInt("quantity")).isEqualTo(3);
                assertThat(rs.getBigDecimal("amount")).isEqualByComparingTo(new BigDecimal("22501.50"));
                assertThat(rs.getString("payment_method")).isEqualTo("cash");
                assertThat(rs.getInt("stock_after")).isEqualTo(9);
                assertThat(rs.getTimestamp("occurred_at").toInstant())
                        .isEqualTo(java.time.OffsetDateTime.parse((String) sale.get("occurredAt")).toInstant());
            }
        }
        assertThat(APP.ledger().queryLong("select count(*) from restocks where event_id = ?::uuid", restock.get("eventId"))).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select quantity from stock where machine_id = 'ENG-01' and product = 'Teh Botol'")).isEqualTo(9);
        assertThat(APP.ledger().queryLong("select capacity from stock where machine_id = 'ENG-01' and product = 'Teh Botol'")).isEqualTo(12);
    }

    @Test
    void should_store_an_event_published_twice_in_one_batch_once_and_count_the_duplicate() {
        Ledger.Counters before = APP.ledger().counters();
        byte[] event = Events.json(Events.sale("ENG-02", "Aqua 600ml", 1, "5000", 20));
        APP.kafka().sendAsync(APP.topic(), "ENG-02", event);
        APP.kafka().sendAsync(APP.topic(), "ENG-02", event);
        APP.kafka().flush();
        awaitConsumed(before.consumed() + 2);
        assertThat(APP.ledger().counters().stored() - before.stored()).isEqualTo(1);
        assertThat(APP.ledger().counters().duplicates() - before.duplicates()).isEqualTo(1);
    }

    @Test
    void should_store_an_event_published_again_later_and_on_another_partition_once() {
        Ledger.Counters before = APP.ledger().counters();
        Map<String, Object> sale = Events.sale("LIB-01", "Chitato", 2, "9000", 5);
        byte[] event = Events.json(sale);
        APP.kafka().send(APP.topic(), 0, "LIB-01", event);
        awaitConsumed(before.consumed() + 1);
        APP.kafka().send(APP.topic(), 0, "LIB-01", event);
        APP.kafka().send(APP.topic(), 2, "LIB-01", event);
        awaitConsumed(before.consumed() + 3);
        Ledger.Counters after = APP.ledger().counters();
        assertThat(after.stored() - before.stored()).isEqualTo(1);
        assertThat(after.duplicates() - before.duplicates()).isEqualTo(2);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", sale.get("eventId"))).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select coalesce(sum(units), 0) from sales_hourly where machine_id = 'LIB-01'")).isEqualTo(2);
    }

    @Test
    void should_count_an_event_id_stored_as_one_type_as_a_duplicate_when_it_comes_again_as_the_other() {
        Ledger.Counters before = APP.ledger().counters();
        Map<String, Object> sale = Events.sale("MED-01", "Pocari", 1, "8000", 7);
        Map<String, Object> restock = Events.restock("MED-02", "Pocari", 10, 10);
        APP.kafka().send(APP.topic(), 0, "MED-01", Events.json(sale));
        APP.kafka().send(APP.topic(), 1, "MED-02", Events.json(restock));
        awaitConsumed(before.consumed() + 2);

        // a restock reusing the stored sale's eventId, and a sale reusing the stored restock's, on the
        // same partition and on another one
        Map<String, Object> restockAsSale = Events.restock("MED-01", "Pocari", 10, 10);
        restockAsSale.put("eventId", sale.get("eventId"));
        Map<String, Object> saleAsRestock = Events.sale("MED-02", "Pocari", 1, "8000", 9);
        saleAsRestock.put("eventId", restock.get("eventId"));
        APP.kafka().send(APP.topic(), 0, "MED-01", Events.json(restockAsSale));
        APP.kafka().send(APP.topic(), 2, "MED-01", Events.json(restockAsSale));
        APP.kafka().send(APP.topic(), 1, "MED-02", Events.json(saleAsRestock));
        APP.kafka().send(APP.topic(), 2, "MED-02", Events.json(saleAsRestock));
        awaitConsumed(before.consumed() + 6);

        Ledger.Counters after = APP.ledger().counters();
        assertThat(after.stored() - before.stored()).isEqualTo(2);
        assertThat(after.duplicates() - before.duplicates()).isEqualTo(4);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", sale.get("eventId"))).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from restocks where event_id = ?::uuid", sale.get("eventId"))).isZero();
        assertThat(APP.ledger().queryLong("select count(*) from restocks where event_id = ?::uuid", restock.get("eventId"))).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", restock.get("eventId"))).isZero();
        assertThat(APP.ledger().queryLong("select count(*) from processed_events where event_id in (?::uuid, ?::uuid)",
                sale.get("eventId"), restock.get("eventId"))).isEqualTo(2);
        // the duplicates moved nothing: stock is what the first two events left
        assertThat(APP.ledger().queryLong("select quantity from stock where machine_id = 'MED-01' and product = 'Pocari'")).isEqualTo(7);
        assertThat(APP.ledger().queryLong("select quantity from stock where machine_id = 'MED-02' and product = 'Pocari'")).isEqualTo(10);
        assertThat(APP.ledger().queryLong("select coalesce(sum(sales_count), 0) from sales_hourly where machine_id = 'MED-02'")).isZero();
    }

    @Test
    void should_record_where_each_stored_event_came_from() {
        long before = APP.ledger().consumed();
        Map<String, Object> sale = Events.sale("MED-03", "Aqua 600ml", 1, "5000", 4);
        Map<String, Object> restock = Events.restock("MED-03", "Aqua 600ml", 8, 12);
        RecordMetadata saleAt = APP.kafka().send(APP.topic(), 1, "MED-03", Events.json(sale));
        RecordMetadata restockAt = APP.kafka().send(APP.topic(), 1, "MED-03", Events.json(restock));
        awaitConsumed(before + 2);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid and source_partition = 1 "
                + "and source_offset = ?", sale.get("eventId"), saleAt.offset())).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from restocks where event_id = ?::uuid and source_partition = 1 "
                + "and source_offset = ?", restock.get("eventId"), restockAt.offset())).isEqualTo(1);
        assertThat(APP.ledger().queryLong("select count(*) from processed_events where event_id = ?::uuid and event_type = 'restock' "
                + "and source_offset = ?", restock.get("eventId"), restockAt.offset())).isEqualTo(1);
    }

    @Test
    void should_leave_replayed_history_out_of_the_latency_figures_and_store_it() {
        String pipeline = "select coalesce(sum(count), 0) from latency_minute where stage = 'pipeline'";
        long before = APP.ledger().consumed();
        long counted = APP.ledger().queryLong(pipeline);
        Map<String, Object> old = Events.sale("HIS-01", "Aqua 600ml", 1, "5000", 7);
        old.put("occurredAt", Instant.now().minus(Duration.ofDays(3)).atOffset(ZoneOffset.UTC)
                .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        APP.kafka().send(APP.topic(), "HIS-01", Events.json(old), "vendstream-source", SourceRecord.HISTORY);
        awaitConsumed(before + 1);
        assertThat(APP.ledger().queryLong("select count(*) from sales where event_id = ?::uuid", old.get("eventId"))).isEqualTo(1);
        assertThat(APP.ledger().queryLong(pipeline)).as("history in the pipeline latency").isEqualTo(counted);
        // the same, live: counted
        APP.kafka().send(APP.topic(), "HIS-01", Events.json(Events.sale("HIS-01", "Aqua 600ml", 1, "5000", 6)));
        awaitConsumed(before + 2);
        assertThat(APP.ledger().queryLong(pipeline)).isEqualTo(counted + 1);
    }

    static Stream<Arguments> badEvents() {
        Map<String, Object> missing = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        missing.remove("machineId");
        Map<String, Object> wrongType = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        wrongType.put("quantity", "three");
        Map<String, Object> outOfRange = Events.sale("BAD-01", "Pocari", 1, "-8000", 3);
        Map<String, Object> tooManyDecimals = Events.sale("BAD-01", "Pocari", 1, "8000.125", 3);
        Map<String, Object> future = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        future.put("occurredAt", Instant.now().plus(Duration.ofHours(2)).atOffset(ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        Map<String, Object> unknownType = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        unknownType.put("type", "refund");
        Map<String, Object> oversize = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        oversize.put("padding", "x".repeat(70 * 1024));
        Map<String, Object> noOffset = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        noOffset.put("occurredAt", "2026-11-21T10:00:00");
        Map<String, Object> nul = Events.sale("BAD-01", "Pocari\u0000", 1, "8000", 3);
        byte[] latin1 = "{\"product\":\"Caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        return Stream.of(
                Arguments.of("not JSON", Events.utf8("{\"eventId\": oops"), "MALFORMED_JSON", "not valid JSON"),
                Arguments.of("empty payload", new byte[0], "MALFORMED_JSON", "empty payload"),
                Arguments.of("not an object", Events.utf8("[1, 2, 3]"), "NOT_AN_OBJECT", "expected a JSON object"),
                Arguments.of("missing field", Events.json(missing), "SCHEMA_VIOLATION", "machineId"),
                Arguments.of("wrong type", Events.json(wrongType), "SCHEMA_VIOLATION", "quantity"),
                Arguments.of("out of range", Events.json(outOfRange), "SCHEMA_VIOLATION", "unitPrice"),
                Arguments.of("more than two decimals", Events.json(tooManyDecimals), "SCHEMA_VIOLATION", "unitPrice"),
                Arguments.of("future timestamp", Events.json(future), "FUTURE_TIMESTAMP", "occurredAt"),
                Arguments.of("timestamp without offset", Events.json(noOffset), "SCHEMA_VIOLATION", "occurredAt"),
                Arguments.of("unknown type", Events.json(unknownType), "SCHEMA_VIOLATION", "type"),
                Arguments.of("oversize", Events.json(oversize), "PAYLOAD_TOO_LARGE", "limit is 65536"),
                Arguments.of("not UTF-8", latin1, "INVALID_ENCODING", "UTF-8"),
                Arguments.of("NUL in text", Events.json(nul), "SCHEMA_VIOLATION", "product"));
    }

    @ParameterizedTest(name = "should dead-letter {0} with its reason and exact bytes, and store the events around it")
    @MethodSource("badEvents")
    void should_dead_letter_a_bad_event_with_its_reason_and_exact_bytes(String kind, byte[] payload, String reason,
                                                                         String detailMentions) throws Exception {
        Ledger.Counters before = APP.ledger().counters();
        Map<String, Object> first = Events.sale("BAD-01", "Pocari", 1, "8000", 4);
        Map<String, Object> last = Events.sale("BAD-01", "Pocari", 1, "8000", 3);
        APP.kafka().send(APP.topic(), "BAD-01", Events.json(first));
        RecordMetadata bad = APP.kafka().send(APP.topic(), "BAD-01", payload);
        APP.kafka().send(APP.topic(), "BAD-01", Events.json(last));
        awaitConsumed(before.consumed() + 3);

        assertThat(APP.ledger().counters().rejected() - before.rejected()).isEqualTo(1);
        assertThat(APP.ledger().counters().stored() - before.stored()).isEqualTo(2);
        try (Connection c = APP.ledger().connect(); PreparedStatement st = c.prepareStatement(
                "select reason, detail, payload, payload_size, message_key from rejected_events "
                        + "where source_topic = ? and source_partition = ? and source_offset = ?")) {
            st.setString(1, APP.topic());
            st.setInt(2, bad.partition());
            st.setLong(3, bad.offset());
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("dead-letter row for " + kind).isTrue();
                assertThat(rs.getString("reason")).isEqualTo(reason);
                assertThat(rs.getString("detail")).contains(detailMentions);
                assertThat(rs.getBytes("payload")).isEqualTo(payload);
                assertThat(rs.getInt("payload_size")).isEqualTo(payload.length);
                assertThat(new String(rs.getBytes("message_key"), StandardCharsets.UTF_8)).isEqualTo("BAD-01");
            }
        }
        ConsumerRecord<byte[], byte[]> letter = APP.kafka().readUntil(APP.ns().dlqTopic(),
                r -> String.valueOf(bad.offset()).equals(header(r, DeadLetters.SOURCE_OFFSET))
                        && String.valueOf(bad.partition()).equals(header(r, DeadLetters.SOURCE_PARTITION)),
                Duration.ofSeconds(20));
        assertThat(letter.value()).isEqualTo(payload);
        assertThat(letter.key()).isEqualTo(Events.utf8("BAD-01"));
        assertThat(header(letter, DeadLetters.REASON)).isEqualTo(reason);
        assertThat(header(letter, DeadLetters.SOURCE_TOPIC)).isEqualTo(APP.topic());
        assertThat(header(letter, DeadLetters.DETAIL)).contains(detailMentions);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void should_keep_up_with_a_thousand_events_across_machines_and_count_each_once() {
        Ledger.Counters before = APP.ledger().counters();
        String[] machines = {"SC-01", "SC-02", "MED-01", "LAW-01", "CS-01", "CS-02"};
        for (int i = 0; i < 1000; i++) {
            String machine = machines[i % machines.length];
            APP.kafka().sendAsync(APP.topic(), machine, Events.json(Events.sale(machine, "Kopi Susu " + (i % 7), 1, "12000", 100)));
        }
        APP.kafka().flush();
        awaitConsumed(before.consumed() + 1000);
        assertThat(APP.ledger().counters().stored() - before.stored()).isEqualTo(1000);
        assertThat(APP.ledger().queryLong("select count(distinct machine_id) from machines where machine_id = any(?)",
                (Object) machines)).isEqualTo(machines.length);
        assertThat(Arrays.stream(machines).mapToLong(m -> APP.ledger().queryLong(
                "select coalesce(sum(sales_count), 0) from sales_hourly where machine_id = ?", m)).sum()).isEqualTo(1000);
    }
}

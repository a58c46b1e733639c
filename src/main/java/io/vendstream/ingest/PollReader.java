package io.vendstream.ingest;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * First step of ingest: turns the exchanges of one Kafka poll into an {@link IngestBatch}, each
 * record validated (in parallel when the poll is large) against the contract of its topic (vending
 * events, or payment events on the payments topic: {@link EventValidator#validate(String, byte[])}). When the poll has rejections, records
 * that an earlier delivery already handled (below the partition's fence in the database) are left
 * out, so a redelivery after a crash or rebalance does not dead-letter them again; the store
 * leaves them out of everything else under its lock on the fences. A poll of valid events thus
 * costs no extra round trip to the database.
 */
public final class PollReader {

    private static final int PARALLEL_THRESHOLD = 256;
    /** Record headers of events machines sent themselves (set by the MQTT and HTTP intake). */
    static final String DEVICE_HEADER = "vendstream-device";
    static final String SOURCE_HEADER = "vendstream-source";

    private final DataSource dataSource;
    private final EventValidator validator;
    private final BatchGuard guard;

    public PollReader(DataSource dataSource, EventValidator validator, BatchGuard guard) {
        this.dataSource = dataSource;
        this.validator = validator;
        this.guard = guard;
    }

    public IngestBatch read(List<Exchange> poll, Exchange exchange) throws SQLException {
        guard.begin(exchange);
        List<SourceRecord> polled = new ArrayList<>(poll.size());
        for (Exchange record : poll) {
            polled.add(toSourceRecord(record.getMessage()));
        }
        IngestBatch batch = new IngestBatch(polled);
        if (polled.isEmpty()) {
            return batch;
        }
        List<EventValidator.Result> results = (polled.size() >= PARALLEL_THRESHOLD ? polled.parallelStream() : polled.stream())
                .map(r -> validator.validate(r.topic(), r.value()))
                .toList();
        // only a poll with rejections needs the fences now (the store checks them again under lock)
        boolean anyRejected = false;
        for (int i = 0; i < polled.size() && !anyRejected; i++) {
            anyRejected = !results.get(i).isValid() || mismatched(polled.get(i), results.get(i));
        }
        Map<Integer, Long> fences = anyRejected ? fences(polled.get(0).topic(), polled) : Map.of();
        for (int i = 0; i < polled.size(); i++) {
            SourceRecord record = polled.get(i);
            if (record.offset() < fences.getOrDefault(record.partition(), 0L)) {
                continue;
            }
            EventValidator.Result result = results.get(i);
            if (mismatched(record, result)) {
                // a machine signed in as itself may send only its own events
                batch.refuse(record, new Rejection(Rejection.Reason.DEVICE_MISMATCH, "$.machineId: " + result.event().machineId()
                        + " is not the machine that sent it (signed in as " + record.device()
                        + (record.source() == null ? "" : ", " + record.source()) + ")", result.event().eventId().toString()));
            } else if (result.event() != null) {
                batch.accept(record, result.event());
            } else if (result.payment() != null) {
                batch.accept(record, result.payment());
            } else {
                batch.refuse(record, result.rejection());
            }
        }
        return batch;
    }

    /** A valid vending event that names another machine than the one that signed in and sent it. */
    private static boolean mismatched(SourceRecord record, EventValidator.Result result) {
        return result.event() != null && record.device() != null && !record.device().equals(result.event().machineId());
    }

    private static SourceRecord toSourceRecord(Message message) {
        Object key = message.getHeader(KafkaConstants.KEY);
        return new SourceRecord(
                message.getHeader(KafkaConstants.TOPIC, String.class),
                message.getHeader(KafkaConstants.PARTITION, Integer.class),
                message.getHeader(KafkaConstants.OFFSET, Long.class),
                key instanceof byte[] bytes ? bytes : key == null ? null : key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                message.getBody(byte[].class),
                message.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class),
                // the record's timestamp: when the event entered the system (producer CreateTime)
                timestamp(message.getHeader(KafkaConstants.TIMESTAMP)),
                text(message.getHeader(DEVICE_HEADER)), text(message.getHeader(SOURCE_HEADER)));
    }

    private static long timestamp(Object header) {
        return header instanceof Number n ? n.longValue() : -1L;
    }

    private static String text(Object header) {
        return header instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                : header == null ? null : header.toString();
    }

    /** Next offset to handle per partition, as last committed by the store (a read without locks). */
    private Map<Integer, Long> fences(String topic, List<SourceRecord> records) throws SQLException {
        Integer[] partitions = records.stream().map(SourceRecord::partition).distinct().toArray(Integer[]::new);
        Map<Integer, Long> fences = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(
                     "select partition, next_offset from ingest_partitions where topic = ? and partition = any(?)")) {
            Array array = c.createArrayOf("int4", partitions);
            st.setString(1, topic);
            st.setArray(2, array);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    fences.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return fences;
    }
}

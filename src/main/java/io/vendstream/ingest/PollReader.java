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
 * First step of ingest: turns the exchanges of one Kafka poll into an {@link IngestBatch}. Records
 * that an earlier delivery already handled (below the partition's fence in the database) are left
 * out, so a redelivery after a crash or rebalance neither dead-letters nor counts them again; the
 * rest are validated, in parallel when the poll is large.
 */
public final class PollReader {

    private static final int PARALLEL_THRESHOLD = 256;

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
        Map<Integer, Long> fences = fences(polled.get(0).topic(), polled);
        List<SourceRecord> fresh = polled.stream()
                .filter(r -> r.offset() >= fences.getOrDefault(r.partition(), 0L))
                .toList();
        List<EventValidator.Result> results = (fresh.size() >= PARALLEL_THRESHOLD ? fresh.parallelStream() : fresh.stream())
                .map(r -> validator.validate(r.value()))
                .toList();
        for (int i = 0; i < fresh.size(); i++) {
            EventValidator.Result result = results.get(i);
            if (result.isValid()) {
                batch.accept(fresh.get(i), result.event());
            } else {
                batch.refuse(fresh.get(i), result.rejection());
            }
        }
        return batch;
    }

    private static SourceRecord toSourceRecord(Message message) {
        Object key = message.getHeader(KafkaConstants.KEY);
        return new SourceRecord(
                message.getHeader(KafkaConstants.TOPIC, String.class),
                message.getHeader(KafkaConstants.PARTITION, Integer.class),
                message.getHeader(KafkaConstants.OFFSET, Long.class),
                key instanceof byte[] bytes ? bytes : key == null ? null : key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                message.getBody(byte[].class),
                message.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
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

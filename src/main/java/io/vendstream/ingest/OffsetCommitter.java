package io.vendstream.ingest;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of ingest: once the batch is durably in PostgreSQL (and its dead letters published),
 * commits the Kafka offsets past it, every partition of the batch in one asynchronous request.
 *
 * <p>The database's per-partition fence is what makes ingest exactly-once; the committed offset
 * only decides where a restarted consumer resumes. So the consumer need not wait for the broker's
 * answer before the next poll (the request goes out at once and the consumer waits for pending
 * commits when it closes), and a commit refused because the group rebalanced meanwhile is logged,
 * not retried: whoever now owns the partition will re-read those records and find them below the
 * fence. Waiting for each commit cost a broker round trip per partition per batch, which at a
 * steady trickle of events was a large part of the end-to-end latency.
 */
public final class OffsetCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitter.class);

    private final BatchGuard guard;
    private final OutageLog outageLog;

    public OffsetCommitter(BatchGuard guard, OutageLog outageLog) {
        this.guard = guard;
        this.outageLog = outageLog;
    }

    public void commit(IngestBatch batch, Exchange exchange) {
        Map<Integer, SourceRecord> lastPerPartition = new TreeMap<>();
        for (SourceRecord record : batch.polled()) {
            lastPerPartition.merge(record.partition(), record, (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Consumer<?, ?> consumer = null;
        for (SourceRecord last : lastPerPartition.values()) {
            offsets.put(new TopicPartition(last.topic(), last.partition()), new OffsetAndMetadata(last.offset() + 1));
            if (last.commit() instanceof DefaultKafkaManualCommit handle) {
                consumer = handle.getCamelExchangePayload().consumer;
            }
        }
        if (consumer != null) {
            // on the consumer's own thread (the batch runs there), like Camel's manual commit
            consumer.commitAsync(offsets, OffsetCommitter::committed);
        }
        guard.end(exchange);
        outageLog.recovered();
    }

    private static void committed(Map<TopicPartition, OffsetAndMetadata> offsets, Exception failure) {
        if (failure != null) {
            LOG.warn("Offset commit {} was refused ({}); the records are stored and fenced, so a redelivery will skip them",
                    offsets, failure.getMessage());
        }
    }
}

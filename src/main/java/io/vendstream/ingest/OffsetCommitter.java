package io.vendstream.ingest;

import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.Exchange;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of ingest: once the batch is durably in PostgreSQL (and its dead letters published),
 * commits the Kafka offsets past it, one partition at a time.
 *
 * <p>The database's per-partition fence is what makes ingest exactly-once; the committed offset
 * only decides where a restarted consumer resumes. So a commit refused because the group
 * rebalanced meanwhile is logged, not retried: whoever now owns the partition will re-read
 * those records and find them below the fence.
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
        for (SourceRecord last : lastPerPartition.values()) {
            if (last.commit() == null) {
                continue;
            }
            try {
                last.commit().commit();
            } catch (KafkaException e) {
                LOG.warn("Offset commit for {}-{} at {} was refused ({}); the records are stored and fenced, "
                        + "so a redelivery will skip them", last.topic(), last.partition(), last.offset() + 1, e.getMessage());
            }
        }
        guard.end(exchange);
        outageLog.recovered();
    }
}

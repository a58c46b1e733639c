package io.vendstream.ingest;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the Kafka offsets past a stored batch, every partition of the batch in one request, on
 * the consumer's own thread (a Kafka consumer is not for concurrent use), once the batch is durably
 * in PostgreSQL (and its dead letters published).
 *
 * <p>The database's per-partition fence is what makes ingest exactly-once; the committed offset
 * only decides where a restarted consumer resumes. So while polling on, the consumer need not wait
 * for the broker's answer (the request goes out at once and the consumer waits for pending commits
 * when it closes), and a commit refused because the group rebalanced meanwhile is logged, not
 * retried: whoever now owns the partition will re-read those records and find them below the
 * fence. Waiting for each commit cost a broker round trip per partition per batch, which at a
 * steady trickle of events was a large part of the end-to-end latency. Before partitions are
 * handed to another consumer, and before the consumer closes, the commit waits for its answer.
 */
final class OffsetCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitter.class);
    /** How long a commit that waits for its answer may take; beyond, the records are read again by the partition's next owner. */
    private static final java.time.Duration COMMIT_TIMEOUT = java.time.Duration.ofSeconds(5);

    private OffsetCommitter() {
    }

    /** The offsets to commit once the batch is stored: past its last record of each partition. */
    static Map<TopicPartition, OffsetAndMetadata> pastBatch(IngestBatch batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (SourceRecord record : batch.polled()) {
            offsets.merge(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    /** The Kafka consumer that polled the batch (Camel's manual-commit handle carries it), or null. */
    static Consumer<?, ?> consumerOf(IngestBatch batch) {
        for (SourceRecord record : batch.polled()) {
            if (record.commit() instanceof DefaultKafkaManualCommit handle) {
                return handle.getCamelExchangePayload().consumer;
            }
        }
        return null;
    }

    /** Sends the commit and polls on; on the consumer's thread. */
    static void commitAsync(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (consumer != null && !offsets.isEmpty()) {
            consumer.commitAsync(offsets, OffsetCommitter::committed);
        }
    }

    /** Commits and waits for the answer (before partitions go elsewhere, or the consumer closes); on the consumer's thread. */
    static void commitSync(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, COMMIT_TIMEOUT);
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            // the consumer is being stopped: let its poll see it
            throw e;
        } catch (RuntimeException e) {
            committed(offsets, e);
        }
    }

    private static void committed(Map<TopicPartition, OffsetAndMetadata> offsets, Exception failure) {
        if (failure != null) {
            LOG.warn("Offset commit {} was refused ({}); the records are stored and fenced, so a redelivery will skip them",
                    offsets, failure.getMessage());
        }
    }
}

package io.vendstream.ingest;

import java.time.Duration;
import java.util.Properties;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The ingest routes' Kafka consumers (endpoint option {@code kafkaClientFactory}): each waits long
 * while nothing comes, and briefly while events are coming.
 *
 * <p>Camel's batching consumer hands a partial batch on at a poll that brings nothing once the
 * batch has waited {@code vendstream.ingest.poll-timeout-millis} (1 ms), or once
 * {@code max-batch-wait-millis} has passed: that short poll is what an event waits at a trickle.
 * Used for every poll, it also wakes an idle consumer a thousand times a second (about 5 % of a core
 * for the two ingest routes, doing nothing). A poll returns as soon as records arrive, whatever its
 * timeout, so only the polls shortly after records came need to be short: this consumer keeps the
 * asked timeout until {@code max-batch-wait-millis} plus {@value #MARGIN_MILLIS} ms have passed since the
 * last poll that brought records (longer than either hand-off condition needs, so a partial batch is
 * always handed on first, even when a short poll returns early) and waits
 * {@code idle-poll-timeout-millis} after that. An event's latency is unchanged; an idle application polls
 * a few times a second.
 */
public class IngestKafkaClients extends DefaultKafkaClientFactory {

    static final long MARGIN_MILLIS = 10;

    private final Duration idleTimeout;
    private final long activeWindowNanos;

    public IngestKafkaClients(long idlePollTimeoutMillis, long maxBatchWaitMillis) {
        this.idleTimeout = Duration.ofMillis(idlePollTimeoutMillis);
        this.activeWindowNanos = Duration.ofMillis(maxBatchWaitMillis + MARGIN_MILLIS).toNanos();
    }

    @Override
    public Consumer getConsumer(Properties kafkaProps) {
        return new IdleAwareConsumer(kafkaProps, this);
    }

    /** The timeout for the next poll: the one asked for while records came recently, else the idle one (never shorter). */
    Duration timeout(Duration asked, long nanosSinceRecords) {
        return nanosSinceRecords > activeWindowNanos && idleTimeout.compareTo(asked) > 0 ? idleTimeout : asked;
    }

    static final class IdleAwareConsumer extends KafkaConsumer<Object, Object> {
        private final IngestKafkaClients policy;
        private long lastRecordsAt = System.nanoTime();

        IdleAwareConsumer(Properties props, IngestKafkaClients policy) {
            super(props);
            this.policy = policy;
        }

        @Override
        public ConsumerRecords<Object, Object> poll(Duration timeout) {
            // only the consumer's own thread polls (KafkaConsumer is not for concurrent use)
            ConsumerRecords<Object, Object> records = super.poll(policy.timeout(timeout, System.nanoTime() - lastRecordsAt));
            if (!records.isEmpty()) {
                lastRecordsAt = System.nanoTime();
            }
            return records;
        }
    }
}

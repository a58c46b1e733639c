package io.vendstream.ingest;

import java.time.Duration;
import java.util.Collection;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
 *
 * <p>Each consumer also carries the {@link Stage} of the batch being stored while it polls on
 * ({@link PipelinedStore}): before every poll the stage may commit a finished store's offsets, while a
 * store is in flight polls stay short (so its offsets are committed as soon as it finishes), and
 * before partitions go to another consumer, or the consumer closes, the stage settles its batch.
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

    /** What a consumer's pipelined store needs from its polls; every call is on the consumer's thread. */
    interface Stage {
        /** Before each poll: a finished store's offsets may be committed now. */
        void beforePoll();

        /** A store is in flight: keep polls short so that its offsets follow it at once. */
        boolean busy();

        /** The partitions go to another consumer ({@code lost}: they already have), inside a poll. */
        void revoked(Collection<TopicPartition> partitions, boolean lost);

        /** The consumer is closing. */
        void close();
    }

    static final class IdleAwareConsumer extends KafkaConsumer<Object, Object> {
        private final IngestKafkaClients policy;
        private long lastRecordsAt = System.nanoTime();
        private Stage stage;
        private boolean closed;

        IdleAwareConsumer(Properties props, IngestKafkaClients policy) {
            super(props);
            this.policy = policy;
        }

        /** This consumer's stage, made on first use; on the consumer's thread. */
        @SuppressWarnings("unchecked")
        <S extends Stage> S stage(Supplier<S> create) {
            if (stage == null) {
                stage = create.get();
            }
            return (S) stage;
        }

        @Override
        public ConsumerRecords<Object, Object> poll(Duration timeout) {
            // only the consumer's own thread polls (KafkaConsumer is not for concurrent use)
            boolean storing = false;
            if (stage != null) {
                stage.beforePoll();
                storing = stage.busy();
            }
            Duration wait = storing ? timeout : policy.timeout(timeout, System.nanoTime() - lastRecordsAt);
            ConsumerRecords<Object, Object> records = super.poll(wait);
            if (!records.isEmpty()) {
                lastRecordsAt = System.nanoTime();
            }
            return records;
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            super.subscribe(topics, settling(listener));
        }

        @Override
        public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
            super.subscribe(pattern, settling(listener));
        }

        @Override
        public void close() {
            try {
                settleBeforeClose();
            } finally {
                super.close();
            }
        }

        @Override
        public void close(Duration timeout) {
            try {
                settleBeforeClose();
            } finally {
                super.close(timeout);
            }
        }

        private void settleBeforeClose() {
            if (!closed && stage != null) {
                closed = true;
                stage.close();
            }
        }

        /** Camel's listener, after the stage has settled what it holds of partitions that go elsewhere. */
        private ConsumerRebalanceListener settling(ConsumerRebalanceListener camel) {
            return new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (stage != null) {
                        stage.revoked(partitions, false);
                    }
                    camel.onPartitionsRevoked(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (stage != null) {
                        stage.revoked(partitions, true);
                    }
                    camel.onPartitionsLost(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    camel.onPartitionsAssigned(partitions);
                }
            };
        }
    }
}

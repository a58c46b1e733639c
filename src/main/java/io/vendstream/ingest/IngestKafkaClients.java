package io.vendstream.ingest;

import java.time.Duration;
import java.util.Properties;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The ingest routes' Kafka consumers (endpoint option {@code kafkaClientFactory}): each waits long
 * while nothing comes, and briefly right after something came.
 *
 * <p>Camel's batching consumer hands a partial batch on at the first poll that brings nothing, so
 * that poll's timeout ({@code vendstream.ingest.poll-timeout-millis}, 1 ms) is what an event waits
 * at a trickle. Used for every poll, it also wakes an idle consumer a thousand times a second (about
 * 5 % of a core for the two ingest routes, doing nothing). A poll returns as soon as records
 * arrive, whatever its timeout, so only the poll right after records came needs to be short: this
 * consumer waits {@code idle-poll-timeout-millis} instead whenever the previous poll brought nothing.
 * An event's latency is unchanged; an idle application polls a few times a second.
 */
public class IngestKafkaClients extends DefaultKafkaClientFactory {

    private final Duration idleTimeout;

    public IngestKafkaClients(long idlePollTimeoutMillis) {
        this.idleTimeout = Duration.ofMillis(idlePollTimeoutMillis);
    }

    @Override
    public Consumer getConsumer(Properties kafkaProps) {
        return new IdleAwareConsumer(kafkaProps, idleTimeout);
    }

    static final class IdleAwareConsumer extends KafkaConsumer<Object, Object> {
        private final Duration idleTimeout;
        private boolean lastBroughtNothing;

        IdleAwareConsumer(Properties props, Duration idleTimeout) {
            super(props);
            this.idleTimeout = idleTimeout;
        }

        @Override
        public ConsumerRecords<Object, Object> poll(Duration timeout) {
            // only the consumer's own thread polls (KafkaConsumer is not for concurrent use)
            ConsumerRecords<Object, Object> records = super.poll(lastBroughtNothing && idleTimeout.compareTo(timeout) > 0 ? idleTimeout : timeout);
            lastBroughtNothing = records.isEmpty();
            return records;
        }
    }
}

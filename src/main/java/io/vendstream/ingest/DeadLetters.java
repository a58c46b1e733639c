package io.vendstream.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * Builds the dead-letter records for a batch: the original bytes and key untouched (never
 * re-serialised, even when not UTF-8), with the reason and the source position as headers, so a
 * consumer of the dead-letter topic can inspect or replay them.
 */
public final class DeadLetters {

    public static final String REASON = "vendstream-reason";
    public static final String DETAIL = "vendstream-detail";
    public static final String SOURCE_TOPIC = "vendstream-source-topic";
    public static final String SOURCE_PARTITION = "vendstream-source-partition";
    public static final String SOURCE_OFFSET = "vendstream-source-offset";
    public static final String REJECTED_AT = "vendstream-rejected-at";

    /** One message per refused record; the Kafka producer sends a list body as one record each. */
    public List<Message> messages(IngestBatch batch, Exchange exchange) {
        String now = Instant.now().toString();
        List<Message> messages = new ArrayList<>(batch.getRejectionCount());
        for (IngestBatch.Refused refused : batch.refused()) {
            SourceRecord source = refused.source();
            Message message = new DefaultMessage(exchange.getContext());
            message.setBody(source.value() == null ? new byte[0] : source.value());
            if (source.key() != null) {
                message.setHeader(KafkaConstants.KEY, source.key());
            }
            message.setHeader(REASON, refused.rejection().reason().name());
            message.setHeader(DETAIL, refused.rejection().detail().getBytes(StandardCharsets.UTF_8));
            message.setHeader(SOURCE_TOPIC, source.topic());
            message.setHeader(SOURCE_PARTITION, String.valueOf(source.partition()));
            message.setHeader(SOURCE_OFFSET, String.valueOf(source.offset()));
            message.setHeader(REJECTED_AT, now);
            messages.add(message);
        }
        return messages;
    }
}

package io.vendstream.ingest;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * One Kafka record as polled: where it came from, its raw bytes, the handle to commit past it, its
 * timestamp ({@code receivedAt}, epoch milliseconds): the producer's CreateTime, which the
 * simulator, the MQTT and HTTP ingress and the file import set when the record enters the system,
 * so it is when vendstream received the event; -1 when unknown), and, for an event a machine sent
 * itself (MQTT, HTTP), the machine id it signed in as and how it came (record headers
 * {@code vendstream-device}, {@code vendstream-source}; null for the trusted internal path).
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit,
                           long receivedAt, String device, String source) {

    /** A record whose receive time and sender are not known (tests that build records by hand). */
    public SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit) {
        this(topic, partition, offset, key, value, commit, -1L, null, null);
    }

    /** A record of the trusted internal path, received at {@code receivedAt}. */
    public SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit,
                        long receivedAt) {
        this(topic, partition, offset, key, value, commit, receivedAt, null, null);
    }
}

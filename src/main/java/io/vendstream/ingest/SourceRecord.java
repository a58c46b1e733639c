package io.vendstream.ingest;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * One Kafka record as polled: where it came from, its raw bytes, the handle to commit past it, and
 * its timestamp ({@code receivedAt}, epoch milliseconds): the producer's CreateTime, which the
 * simulator, the MQTT and HTTP ingress and the file import set when the record enters the system,
 * so it is when vendstream received the event; -1 when unknown.
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit,
        long receivedAt) {

    /** A record whose receive time is not known (tests that build records by hand). */
    public SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit) {
        this(topic, partition, offset, key, value, commit, -1L);
    }
}

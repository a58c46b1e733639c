package io.vendstream.ingest;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * One Kafka record as polled: where it came from, its raw bytes, the handle to commit past it, and,
 * for an event a machine sent itself (MQTT, HTTP), the machine id it signed in as and how it came
 * (record headers {@code vendstream-device}, {@code vendstream-source}; null for the trusted
 * internal path).
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit,
                           String device, String source) {

    public SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit) {
        this(topic, partition, offset, key, value, commit, null, null);
    }
}

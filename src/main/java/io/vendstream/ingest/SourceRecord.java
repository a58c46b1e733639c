package io.vendstream.ingest;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/** One Kafka record as polled: where it came from, its raw bytes, and the handle to commit past it. */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit) {
}

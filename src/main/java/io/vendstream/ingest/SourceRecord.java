package io.vendstream.ingest;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * One Kafka record as polled: where it came from, its raw bytes, the handle to commit past it, its
 * timestamp ({@code receivedAt}, epoch milliseconds): the producer's CreateTime, which the
 * simulator, the MQTT and HTTP ingress and the file import set when the record enters the system,
 * so it is when vendstream received the event; -1 when unknown), and, for an event a machine sent
 * itself (MQTT, HTTP), the machine id it signed in as and how it came (record headers
 * {@code vendstream-device}, {@code vendstream-source}; null for the trusted internal path). A
 * record whose source is {@value #HISTORY} replays history (the simulator's backfill on a first
 * start): stored like any other, but no measure of how fast the pipeline is now.
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, KafkaManualCommit commit,
                           long receivedAt, String device, String source) {

    /** The {@code vendstream-source} of records that replay history rather than report what happens now. */
    public static final String HISTORY = "history";

    /** When vendstream received it, for the latency figures: -1 (not counted) for replayed history or when unknown. */
    public long liveReceivedAt() {
        return HISTORY.equals(source) ? -1L : receivedAt;
    }

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

package io.vendstream.ops;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag of the ingest group, per partition of the events topic: the partition's end
 * offset minus the group's committed offset (minus the earliest offset when the group has not
 * committed there yet), as the brokers see it. The one place that asks the brokers for it: the
 * metrics read it here, {@code /api/pipeline} through {@link #offsets}.
 */
public final class ConsumerLag {

    /** Offsets of one partition; committed is null when the group has not committed there yet. */
    public record PartitionOffsets(int partition, long start, long end, Long committed) {
        public long lag() {
            return Math.max(0, end - (committed == null ? start : committed));
        }
    }

    private final KafkaAdmin kafka;
    private final String topic;
    private final String group;

    public ConsumerLag(KafkaAdmin kafka, String topic, String group) {
        this.kafka = kafka;
        this.topic = topic;
        this.group = group;
    }

    public String topic() {
        return topic;
    }

    /** Partition number to lag in records. */
    public Map<Integer, Long> read() throws Exception {
        Map<Integer, Long> lag = new TreeMap<>();
        offsets(kafka.client(), topic, group, kafka.timeoutMillis()).forEach((partition, p) -> lag.put(partition, p.lag()));
        return lag;
    }

    /** Start, end and committed offsets of every partition of the topic, by partition number. */
    public static Map<Integer, PartitionOffsets> offsets(Admin admin, String topic, String group, long timeoutMillis)
            throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(timeoutMillis, TimeUnit.MILLISECONDS).get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        description.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        });
        Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
        Map<TopicPartition, ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(timeoutMillis, TimeUnit.MILLISECONDS);
        Map<Integer, PartitionOffsets> offsets = new TreeMap<>();
        for (TopicPartition tp : latest.keySet()) {
            OffsetAndMetadata done = committed.get(tp);
            offsets.put(tp.partition(), new PartitionOffsets(tp.partition(), starts.get(tp).offset(), ends.get(tp).offset(),
                    done == null ? null : done.offset()));
        }
        return offsets;
    }
}

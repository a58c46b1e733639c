package io.vendstream.simulator;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many records the events topic holds (end offsets minus start offsets, over its partitions):
 * whether this is a first start, for the backfill. 0 when the topic does not exist yet; -1 when
 * the brokers cannot tell (then no history is backfilled: publishing it twice is the worse mistake).
 */
final class TopicRecords {

    private static final Logger LOG = LoggerFactory.getLogger(TopicRecords.class);
    private static final long TIMEOUT_SECONDS = 30;

    private TopicRecords() {
    }

    static long count(String brokers, String topic) {
        if (brokers == null || brokers.isBlank() || topic == null || topic.isBlank()) {
            return -1;
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        try (Admin admin = Admin.create(props)) {
            TopicDescription description;
            try {
                description = admin.describeTopics(java.util.List.of(topic)).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    return 0;
                }
                throw e;
            }
            Map<TopicPartition, OffsetSpec> partitions = description.partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(partitions).all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            partitions.replaceAll((p, spec) -> OffsetSpec.earliest());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start = admin.listOffsets(partitions).all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            long records = 0;
            for (TopicPartition p : end.keySet()) {
                records += end.get(p).offset() - start.get(p).offset();
            }
            return records;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not tell whether topic {} holds records ({}); no history is backfilled", topic, e.toString());
            return -1;
        }
    }
}

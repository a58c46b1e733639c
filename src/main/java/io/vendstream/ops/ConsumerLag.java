package io.vendstream.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.vendstream.config.Failures;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag of the ingest group, per partition of the events topic: the partition's end
 * offset minus the group's committed offset (minus the earliest offset when the group has not
 * committed there yet), as the brokers see it. The one reader of it: the metrics and
 * {@code /api/pipeline} both read it here, through the shared {@link KafkaAdmin} client.
 *
 * <p>The answer is kept and refreshed in the background at most every {@code refresh}, so a busy
 * dashboard, a benchmark and the Prometheus scrape together cost the brokers one set of requests
 * per interval. Lookups block on the brokers, so they run on an executor of their own (never the
 * common fork-join pool, which ingest validation uses); only the very first reader waits, and for
 * at most {@link #FIRST_WAIT}.
 */
public final class ConsumerLag {

    /** Offsets of one partition; committed is null when the group has not committed there yet. */
    public record PartitionOffsets(int partition, long start, long end, Long committed) {
        public long lag() {
            return Math.max(0, end - (committed == null ? start : committed));
        }
    }

    /** One lookup's result: offsets by partition, or the error that prevented it. */
    public record Snapshot(Map<Integer, PartitionOffsets> partitions, String error, Instant checkedAt) {
    }

    static final Duration FIRST_WAIT = Duration.ofSeconds(2);

    private final KafkaAdmin kafka;
    private final String topic;
    private final String group;
    private final Duration refresh;
    private final Executor lookups;
    private final Clock clock = Clock.systemUTC();
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Snapshot>> inFlight = new AtomicReference<>();

    public ConsumerLag(KafkaAdmin kafka, String topic, String group, Duration refresh, Executor lookups) {
        this.kafka = kafka;
        this.topic = topic;
        this.group = group;
        this.refresh = refresh;
        this.lookups = lookups;
    }

    public String topic() {
        return topic;
    }

    public String group() {
        return group;
    }

    /** The freshest snapshot there is; starts a lookup when it is older than the refresh interval. */
    public Snapshot snapshot() {
        Snapshot current = latest.get();
        if (current == null || current.checkedAt().plus(refresh).isBefore(clock.instant())) {
            CompletableFuture<Snapshot> lookup = startLookup();
            if (current == null) {
                try {
                    return lookup.get(FIRST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    return new Snapshot(Map.of(), "Kafka did not answer within " + FIRST_WAIT.toSeconds() + " s", clock.instant());
                }
            }
        }
        return current;
    }

    /** Partition number to lag in records; throws when the brokers could not be asked. */
    public Map<Integer, Long> read() {
        Snapshot snapshot = snapshot();
        if (snapshot.error() != null) {
            throw new IllegalStateException(snapshot.error());
        }
        Map<Integer, Long> lag = new TreeMap<>();
        snapshot.partitions().forEach((partition, p) -> lag.put(partition, p.lag()));
        return lag;
    }

    private CompletableFuture<Snapshot> startLookup() {
        CompletableFuture<Snapshot> fresh = new CompletableFuture<>();
        CompletableFuture<Snapshot> running = inFlight.compareAndExchange(null, fresh);
        if (running != null) {
            return running;
        }
        CompletableFuture.supplyAsync(this::lookup, lookups).whenComplete((snapshot, error) -> {
            Snapshot result = snapshot != null ? snapshot
                    : new Snapshot(Map.of(), "Kafka lag unavailable: " + Failures.rootMessage(error), clock.instant());
            latest.set(result);
            inFlight.set(null);
            fresh.complete(result);
        });
        return fresh;
    }

    private Snapshot lookup() {
        try {
            return new Snapshot(offsets(kafka.client(), topic, group, kafka.timeoutMillis()), null, clock.instant());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Snapshot(Map.of(), "interrupted", clock.instant());
        } catch (Exception e) {
            return new Snapshot(Map.of(), "Kafka lag unavailable: " + Failures.rootMessage(e), clock.instant());
        }
    }

    /** Start, end and committed offsets of every partition of the topic, by partition number. */
    static Map<Integer, PartitionOffsets> offsets(Admin admin, String topic, String group, long timeoutMillis)
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

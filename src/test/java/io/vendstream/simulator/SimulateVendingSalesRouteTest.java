package io.vendstream.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The route against the real (shared, embedded) broker, as the ingest route will see its output. */
class SimulateVendingSalesRouteTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    @Test
    void should_publish_keyed_events_to_all_three_partitions_with_each_machine_on_one_partition() {
        Namespace ns = INFRA.namespace("simulator_keys");
        Properties props = simulating(ns, 2024);
        props.setProperty("vendstream.simulator.events-per-second", "400");
        Instant started = Instant.now();
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (VendstreamApp app = VendstreamApp.start(props); KafkaConsumer<String, byte[]> consumer = consumer(ns)) {
            SimulatorMetrics metrics = app.context().getRegistry().lookupByNameAndType("simulatorMetrics", SimulatorMetrics.class);
            await("the route publishing").atMost(Duration.ofSeconds(60)).until(() -> metrics.publishedTotal() > 0 || metrics.errors() > 0);
            assertThat(metrics.errors()).isZero();
            records.addAll(consumeAtLeast(consumer, 1500, Duration.ofSeconds(120)));
            // the broker has a record before the producer's acknowledgement reaches the counter
            await().atMost(Duration.ofSeconds(30)).until(() -> metrics.publishedTotal() >= records.size());
            assertThat(metrics.publishedByType()).containsOnlyKeys("sale", "restock");
            assertThat(metrics.errors()).isZero();
        }

        Map<String, Set<Integer>> partitionsByMachine = new HashMap<>();
        Set<Integer> partitions = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            JsonNode event = ContractSchema.parse(r.value());
            assertThat(ContractSchema.violations(event)).as("%s", event).isEmpty();
            assertThat(r.key()).isEqualTo(event.get("machineId").asText());
            // each simulated machine published as itself, over MQTT: the intake signed the record with it
            assertThat(r.headers().toArray()).as("Kafka record headers").extracting(h -> h.key())
                    .containsExactly("vendstream-device", "vendstream-source");
            assertThat(header(r, "vendstream-device")).isEqualTo(r.key());
            Instant occurredAt = OffsetDateTime.parse(event.get("occurredAt").asText()).toInstant();
            assertThat(occurredAt).isBetween(started.minusSeconds(1), Instant.now());
            partitionsByMachine.computeIfAbsent(r.key(), k -> new HashSet<>()).add(r.partition());
            partitions.add(r.partition());
        }
        assertThat(partitions).containsExactlyInAnyOrder(0, 1, 2);
        // at night only the dormitories and the student center sell (11 machines); by day all 35
        assertThat(partitionsByMachine).hasSizeGreaterThanOrEqualTo(6);
        assertThat(partitionsByMachine.values()).allSatisfy(p -> assertThat(p).hasSize(1));
    }

    @Test
    void should_mark_a_first_starts_history_as_history_and_send_what_happens_now_as_the_machines() {
        Namespace ns = INFRA.namespace("simulator_history");
        Properties props = simulating(ns, 11);
        props.setProperty("vendstream.simulator.events-per-second", "400");
        props.setProperty("vendstream.simulator.backfill-days", "1");
        Instant started = Instant.now();
        List<ConsumerRecord<String, byte[]>> history = new ArrayList<>();
        List<ConsumerRecord<String, byte[]>> live = new ArrayList<>();
        List<Instant> historyOccurred = new ArrayList<>();
        List<Instant> liveOccurred = new ArrayList<>();
        try (VendstreamApp app = VendstreamApp.start(props); KafkaConsumer<String, byte[]> consumer = consumer(ns)) {
            await("a day of history, then live events").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Instant occurredAt = OffsetDateTime.parse(ContractSchema.parse(r.value()).get("occurredAt").asText()).toInstant();
                    boolean marked = "history".equals(header(r, "vendstream-source"));
                    (marked ? history : live).add(r);
                    (marked ? historyOccurred : liveOccurred).add(occurredAt);
                }
                return historyOccurred.stream().filter(t -> t.isBefore(started)).count() >= 100 && live.size() >= 100;
            });
        }
        // what happened before the start is history, sent straight to Kafka and marked so that ingest
        // leaves it out of the latency figures (the backfill runs up to its first tick, after the start)
        assertThat(history).allSatisfy(r -> assertThat(r.headers().lastHeader("vendstream-device")).isNull());
        assertThat(liveOccurred).allSatisfy(t -> assertThat(t).isAfterOrEqualTo(started));
        // the live campus carries on from where the history ends
        Instant historyEnds = historyOccurred.stream().max(Instant::compareTo).orElseThrow();
        assertThat(liveOccurred).allSatisfy(t -> assertThat(t).isAfterOrEqualTo(historyEnds));
        // what happens now comes from each machine, signed with its own name
        assertThat(live).allSatisfy(r -> assertThat(header(r, "vendstream-device")).isEqualTo(r.key()));
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void should_publish_exactly_the_burst_with_every_configured_invalid_kind_intact() {
        Namespace ns = INFRA.namespace("simulator_burst");
        Properties props = simulating(ns, 7);
        props.setProperty("vendstream.simulator.mode", "burst");
        props.setProperty("vendstream.simulator.burst-count", "12000");
        props.setProperty("vendstream.simulator.faults.duplicate-fraction", "0.05");
        for (InvalidKind kind : InvalidKind.values()) {
            props.setProperty("vendstream.simulator.faults." + kind.propertyName() + "-fraction", "0.002");
        }
        List<ConsumerRecord<String, byte[]>> records;
        long millis;
        try (VendstreamApp app = VendstreamApp.start(props); KafkaConsumer<String, byte[]> consumer = consumer(ns)) {
            long start = System.nanoTime();
            records = consumeAtLeast(consumer, 12000, Duration.ofSeconds(240));
            millis = (System.nanoTime() - start) / 1_000_000;
            SimulatorMetrics metrics = app.context().getRegistry().lookupByNameAndType("simulatorMetrics", SimulatorMetrics.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> metrics.publishedTotal() == 12000);
            assertThat(metrics.publishedByType()).containsKeys("sale", "duplicate", "oversize", "malformed_json");
            // nothing more after the burst
            assertThat(consumer.poll(Duration.ofSeconds(2))).isEmpty();
        }
        System.out.printf("burst of %d records consumed in %d ms%n", records.size(), millis);
        assertThat(records).hasSize(12000);

        EnumSet<InvalidKind> seen = EnumSet.noneOf(InvalidKind.class);
        Set<String> eventIds = new HashSet<>();
        int duplicates = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            InvalidKind kind = FaultInjectionTest.classify(r.value(), Instant.now());
            if (kind != null) {
                seen.add(kind);
            } else if (!eventIds.add(ContractSchema.parse(r.value()).get("eventId").asText())) {
                duplicates++;
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(InvalidKind.values());
        // 5 % of 12000
        assertThat(duplicates).isBetween(480, 720);
    }

    @Test
    void should_count_and_report_the_records_kafka_refuses_and_deliver_the_rest() {
        Namespace ns = INFRA.namespace("simulator_refused");
        Properties props = simulating(ns, 13);
        props.setProperty("vendstream.simulator.mode", "burst");
        props.setProperty("vendstream.simulator.burst-count", "400");
        props.setProperty("vendstream.simulator.faults.oversize-fraction", "0.05");
        // straight to Kafka: the simulator's own producer meets the refusal
        props.setProperty("vendstream.simulator.transport", "kafka");
        // the producer refuses anything over 20 kB: every oversize event fails, the others go through
        props.setProperty("camel.component.kafka.max-request-size", "20000");
        try (VendstreamApp app = VendstreamApp.start(props); KafkaConsumer<String, byte[]> consumer = consumer(ns)) {
            SimulatorMetrics metrics = app.context().getRegistry().lookupByNameAndType("simulatorMetrics", SimulatorMetrics.class);
            await().atMost(Duration.ofSeconds(120)).until(() -> metrics.publishedTotal() + metrics.errors() == 400);
            List<ConsumerRecord<String, byte[]>> delivered = consumeAtLeast(consumer, (int) metrics.publishedTotal(), Duration.ofSeconds(60));
            assertThat(metrics.errors()).isBetween(5L, 40L);
            assertThat(metrics.publishedByType()).doesNotContainKey("oversize");
            assertThat(delivered).hasSize((int) metrics.publishedTotal());
            assertThat(delivered).allSatisfy(r -> assertThat(r.value().length).isLessThan(20_000));
        }
    }

    /** The application's settings for the namespace with the simulator on, seeded. */
    private static Properties simulating(Namespace ns, long seed) {
        Properties props = ns.appProperties();
        props.setProperty("vendstream.simulator.enabled", "true");
        props.setProperty("vendstream.simulator.seed", String.valueOf(seed));
        return props;
    }

    private static KafkaConsumer<String, byte[]> consumer(Namespace ns) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, INFRA.bootstrapServers());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(4 * 1024 * 1024));
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        // every partition from its start, without a consumer group's rebalance
        List<TopicPartition> partitions = List.of(new TopicPartition(ns.topic(), 0), new TopicPartition(ns.topic(), 1),
                new TopicPartition(ns.topic(), 2));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static List<ConsumerRecord<String, byte[]>> consumeAtLeast(KafkaConsumer<String, byte[]> consumer, int count, Duration within) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        await().atMost(within).pollInterval(Duration.ofMillis(1)).until(() -> {
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            return records.size() >= count;
        });
        return records;
    }
}

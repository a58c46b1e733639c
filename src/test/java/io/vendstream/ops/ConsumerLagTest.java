package io.vendstream.ops;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.vendstream.support.Kafka;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reader of consumer lag, against a real broker. */
class ConsumerLagTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    @Test
    void should_read_the_lag_per_partition_on_its_own_thread_and_ask_the_brokers_once_per_interval() throws Exception {
        Namespace ns = INFRA.namespace("lag");
        try (Kafka kafka = new Kafka(INFRA.bootstrapServers())) {
            for (int i = 0; i < 5; i++) {
                kafka.send(ns.topic(), 1, "m-1", "{}".getBytes(StandardCharsets.UTF_8));
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, INFRA.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, ns.group(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.commitSync(Map.of(new TopicPartition(ns.topic(), 1), new OffsetAndMetadata(2)));
        }
        List<String> lookupThreads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "consumer-lag-test"));
        KafkaAdmin admin = new KafkaAdmin(INFRA.bootstrapServers(), 5000);
        admin.start();
        try {
            ConsumerLag lag = new ConsumerLag(admin, ns.topic(), ns.group(), Duration.ofMinutes(1), task -> pool.execute(() -> {
                lookupThreads.add(Thread.currentThread().getName());
                task.run();
            }));
            ConsumerLag.Snapshot snapshot = lag.snapshot();
            assertThat(snapshot.error()).isNull();
            assertThat(snapshot.partitions()).containsOnlyKeys(0, 1, 2);
            assertThat(snapshot.partitions().get(1).end()).isEqualTo(5);
            assertThat(snapshot.partitions().get(1).committed()).isEqualTo(2);
            assertThat(lag.read()).isEqualTo(Map.of(0, 0L, 1, 3L, 2, 0L));
            for (int i = 0; i < 20; i++) {
                lag.snapshot();
                lag.read();
            }
            assertThat(lookupThreads).as("one lookup within the interval, on the lag executor").containsExactly("consumer-lag-test");
        } finally {
            admin.stop();
            pool.shutdownNow();
        }
    }

    @Test
    void should_answer_within_its_bound_with_the_reason_when_no_broker_answers() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        KafkaAdmin admin = new KafkaAdmin("127.0.0.1:" + TestInfrastructure.freePort(), 1000);
        admin.start();
        try {
            ConsumerLag lag = new ConsumerLag(admin, "vending.events", "vendstream-ingest", Duration.ofSeconds(1), pool);
            long started = System.nanoTime();
            ConsumerLag.Snapshot snapshot = lag.snapshot();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ConsumerLag.FIRST_WAIT.plusSeconds(1));
            assertThat(snapshot.error()).isNotBlank();
            assertThat(snapshot.partitions()).isEmpty();
            assertThatThrownBy(lag::read).isInstanceOf(IllegalStateException.class);
        } finally {
            admin.stop();
            pool.shutdownNow();
        }
    }
}

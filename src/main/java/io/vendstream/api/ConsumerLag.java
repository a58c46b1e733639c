package io.vendstream.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.vendstream.ops.ConsumerLag.PartitionOffsets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The ingest consumer group's lag per partition: the topic's end offsets against the group's
 * committed offsets, asked of the brokers with an Admin client of its own (so a slow answer here
 * never holds up the health checks).
 *
 * <p>The answer is cached and refreshed in the background at most every {@code refresh}, so a
 * busy dashboard (or a benchmark) costs the brokers one pair of requests per interval, and an
 * unreachable broker never holds an HTTP request for longer than the first lookup's timeout.
 */
public final class ConsumerLag implements AutoCloseable {

    /** One lookup's result: offsets by partition, or the error that prevented it. */
    public record Snapshot(Map<Integer, PartitionOffsets> partitions, String error, Instant checkedAt) {
    }

    private static final Duration FIRST_WAIT = Duration.ofSeconds(2);

    private final String brokers;
    private final String topic;
    private final String group;
    private final Duration refresh;
    private final Clock clock = Clock.systemUTC();
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Snapshot>> inFlight = new AtomicReference<>();
    private Admin admin;

    public ConsumerLag(String brokers, String topic, String group, int refreshMillis) {
        this.brokers = brokers;
        this.topic = topic;
        this.group = group;
        this.refresh = Duration.ofMillis(refreshMillis);
    }

    public String topic() {
        return topic;
    }

    public String group() {
        return group;
    }

    /** The freshest snapshot available; starts a refresh when the cached one is older than the interval. */
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

    private CompletableFuture<Snapshot> startLookup() {
        CompletableFuture<Snapshot> fresh = new CompletableFuture<>();
        CompletableFuture<Snapshot> running = inFlight.compareAndExchange(null, fresh);
        if (running != null) {
            return running;
        }
        CompletableFuture.supplyAsync(this::lookup).whenComplete((snapshot, error) -> {
            Snapshot result = snapshot != null ? snapshot
                    : new Snapshot(Map.of(), String.valueOf(error.getMessage()), clock.instant());
            latest.set(result);
            inFlight.set(null);
            fresh.complete(result);
        });
        return fresh;
    }

    private Snapshot lookup() {
        try {
            return new Snapshot(io.vendstream.ops.ConsumerLag.offsets(admin(), topic, group, 5000), null, clock.instant());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Snapshot(Map.of(), "interrupted", clock.instant());
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return new Snapshot(Map.of(), "Kafka lag unavailable: " + cause.getMessage(), clock.instant());
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "vendstream-api-lag");
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
            admin = Admin.create(props);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}

package io.vendstream.alerts;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Kafka;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alert transitions leaving the system: the webhook of routes/notify-alerts.camel.yaml (a real
 * HTTP server here, counting every request) and the Kafka topic, with two instances evaluating the
 * same rules on one database, and with the webhook down for 30 s and the application restarted
 * meanwhile.
 */
class AlertDeliveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void should_notify_each_transition_once_when_two_instances_evaluate_the_same_rules() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("alert_two_instances");
        AlertTables db = new AlertTables(ns);
        try (WebhookReceiver webhook = new WebhookReceiver(TestInfrastructure.freePort()).start();
             VendstreamApp first = VendstreamApp.start(properties(ns, webhook, "vendstream"));
             VendstreamApp second = VendstreamApp.start(properties(ns, webhook, "vendstream-second"))) {
            List<String> machines = List.of("twin-1", "twin-2", "twin-3", "twin-4", "twin-5");
            for (String machine : machines) {
                db.stock(machine, "Cola", "Twin Hall", 0, 10);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> webhook.calls().size() >= 5);
            for (String machine : machines) {
                db.stock(machine, "Cola", "Twin Hall", 10, 10);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> webhook.calls().size() >= 10);
            // both instances keep evaluating and delivering; nothing more may arrive
            for (VendstreamApp app : List.of(first, second)) {
                AlertTables.awaitRounds(app, "evaluate-alert-rule-stock-out", 4);
                AlertTables.awaitRounds(app, "dispatch-alert-notifications", 4);
            }

            List<WebhookReceiver.Call> calls = webhook.calls();
            assertThat(calls).hasSize(10);
            assertThat(calls).extracting(WebhookReceiver.Call::contentType).containsOnly("application/json");
            Map<String, JsonNode> byKey = calls.stream().collect(Collectors.toMap(WebhookReceiver.Call::idempotencyKey,
                    call -> json(call.body())));
            assertThat(byKey).hasSize(10);
            byKey.forEach((key, alert) -> assertThat(alert.get("transitionId").asText()).isEqualTo(key));
            assertThat(byKey.values()).extracting(a -> a.get("transition").asText() + " " + a.get("machineId").asText())
                    .containsExactlyInAnyOrderElementsOf(machines.stream()
                            .flatMap(m -> java.util.stream.Stream.of("opened " + m, "resolved " + m)).toList());
            // each machine heard of its alert opening before its resolution
            for (String machine : machines) {
                assertThat(calls.stream().map(c -> json(c.body())).filter(a -> a.get("machineId").asText().equals(machine))
                        .map(a -> a.get("transition").asText())).containsExactly("opened", "resolved");
            }
            assertThat(db.count("select count(*) from alert_transitions")).isEqualTo(10);

            // the alerts topic carries the same transitions, keyed by machine id
            List<ConsumerRecord<byte[], byte[]>> records;
            try (Kafka kafka = new Kafka(TestInfrastructure.get().bootstrapServers())) {
                records = kafka.readAll(ns.id() + ".alerts", 11, Duration.ofSeconds(5));
            }
            assertThat(records).hasSize(10);
            Map<String, JsonNode> published = records.stream().map(r -> json(new String(r.value(), StandardCharsets.UTF_8)))
                    .collect(Collectors.toMap(a -> a.get("transitionId").asText(), Function.identity()));
            assertThat(published).isEqualTo(byKey);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                assertThat(new String(record.key(), StandardCharsets.UTF_8))
                        .isEqualTo(json(new String(record.value(), StandardCharsets.UTF_8)).get("machineId").asText());
            }
        }
    }

    @Test
    void should_deliver_every_transition_once_after_a_30_second_webhook_outage_spanning_a_restart() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("alert_outage");
        AlertTables db = new AlertTables(ns);
        WebhookReceiver webhook = new WebhookReceiver(TestInfrastructure.freePort());
        // the receiver is down from the start
        Instant outageStart = Instant.now();
        Properties props = properties(ns, webhook, "vendstream");
        try (VendstreamApp app = VendstreamApp.start(props)) {
            db.stock("outage-1", "Cola", "Outage Hall", 0, 10);
            await().atMost(Duration.ofSeconds(60)).until(() -> attempts("opened", db) >= 2);
            db.stock("outage-1", "Cola", "Outage Hall", 10, 10);
            await().atMost(Duration.ofSeconds(60)).until(() -> db.transitions("stock-out", "outage-1").size() == 2);
        }
        assertThat(webhook.calls()).isEmpty();
        assertThat(undelivered(db)).isEqualTo(2);

        try (VendstreamApp restarted = VendstreamApp.start(props)) {
            // still down: attempts go on, with backoff, for the rest of the 30 s
            await().atMost(Duration.ofSeconds(90)).until(() -> Duration.between(outageStart, Instant.now()).toSeconds() >= 30
                    && attempts("opened", db) >= 4);
            assertThat(webhook.calls()).isEmpty();
            webhook.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> webhook.calls().size() >= 2);
            AlertTables.awaitRounds(restarted, "dispatch-alert-notifications", 4);

            List<WebhookReceiver.Call> calls = webhook.calls();
            assertThat(calls).extracting(c -> json(c.body()).get("transition").asText()).containsExactly("opened", "resolved");
            assertThat(calls).extracting(WebhookReceiver.Call::idempotencyKey)
                    .containsExactlyElementsOf(db.strings("select id::text from alert_transitions order by seq"));
            assertThat(undelivered(db)).isZero();
            // Kafka was up all along: the same two transitions, once each
            try (Kafka kafka = new Kafka(TestInfrastructure.get().bootstrapServers())) {
                Set<String> published = kafka.readAll(ns.id() + ".alerts", 3, Duration.ofSeconds(5)).stream()
                        .map(r -> json(new String(r.value(), StandardCharsets.UTF_8)).get("transitionId").asText())
                        .collect(Collectors.toSet());
                assertThat(published).containsExactlyInAnyOrderElementsOf(
                        calls.stream().map(WebhookReceiver.Call::idempotencyKey).toList());
            }
        } finally {
            webhook.close();
        }
    }

    private static Properties properties(Namespace ns, WebhookReceiver webhook, String name) {
        Properties props = AlertTables.fastRules(ns);
        props.setProperty("camel.main.name", name);
        props.setProperty("vendstream.alerts.webhook-url", webhook.url());
        props.setProperty("vendstream.alerts.delivery.period-millis", "200");
        props.setProperty("vendstream.alerts.delivery.initial-backoff-millis", "500");
        props.setProperty("vendstream.alerts.delivery.max-backoff-millis", "4000");
        return props;
    }

    private static long attempts(String transition, AlertTables db) throws SQLException {
        return db.count("select coalesce(max(d.attempts), 0) from alert_deliveries d join alert_transitions t on t.id = d.transition_id "
                + "where d.sink = 'notify' and t.transition = ?", transition);
    }

    private static long undelivered(AlertTables db) throws SQLException {
        return db.count("select count(*) from alert_deliveries where sink = 'notify' and delivered_at is null");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

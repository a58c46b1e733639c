package io.vendstream.simulator;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.vendstream.support.Campus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FaultInjectionTest {

    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-12T04:00:00Z"), Campus.ZONE);

    /**
     * The reason the ingest validator gives a payload, by the contract's rules in its order
     * (size, JSON, object, schema, clock); null for a valid event.
     */
    static InvalidKind classify(byte[] payload, Instant now) {
        if (payload.length > MAX_PAYLOAD) {
            return InvalidKind.OVERSIZE;
        }
        JsonNode node;
        try {
            node = ContractSchema.JSON.readTree(payload);
        } catch (IOException e) {
            return InvalidKind.MALFORMED_JSON;
        }
        if (!node.isObject()) {
            return InvalidKind.NOT_AN_OBJECT;
        }
        if (!ContractSchema.violations(node).isEmpty()) {
            String messages = ContractSchema.violations(node).toString();
            if (node.path("unitPrice").isNumber() && node.get("unitPrice").decimalValue().signum() < 0) {
                return InvalidKind.NEGATIVE_PRICE;
            }
            return messages.contains("required") ? InvalidKind.MISSING_FIELD : InvalidKind.WRONG_TYPE;
        }
        if (OffsetDateTime.parse(node.get("occurredAt").asText()).toInstant().isAfter(now.plus(Duration.ofMinutes(5)))) {
            return InvalidKind.FUTURE_TIMESTAMP;
        }
        return null;
    }

    @Test
    void should_inject_each_configured_fault_at_its_fraction() {
        Map<InvalidKind, Double> fractions = new EnumMap<>(InvalidKind.class);
        fractions.put(InvalidKind.MALFORMED_JSON, 0.02);
        fractions.put(InvalidKind.MISSING_FIELD, 0.03);
        fractions.put(InvalidKind.NEGATIVE_PRICE, 0.01);
        fractions.put(InvalidKind.FUTURE_TIMESTAMP, 0.02);
        fractions.put(InvalidKind.WRONG_TYPE, 0.02);
        fractions.put(InvalidKind.OVERSIZE, 0.005);
        fractions.put(InvalidKind.NOT_AN_OBJECT, 0.01);
        int total = 40_000;
        Iterator<SimulatedRecord> records = BurstEvents.generate(FleetFile.builtIn(), 11, total, new Faults(0.05, fractions), CLOCK);

        Map<InvalidKind, Integer> invalid = new EnumMap<>(InvalidKind.class);
        Set<String> eventIds = new HashSet<>();
        int duplicates = 0;
        int valid = 0;
        while (records.hasNext()) {
            SimulatedRecord record = records.next();
            byte[] payload = EventJson.toBytes(record.payload());
            InvalidKind kind = classify(payload, CLOCK.instant());
            if (kind != null) {
                // what the validator sees is what the simulator meant to send
                assertThat(kind.type()).isEqualTo(record.type());
                invalid.merge(kind, 1, Integer::sum);
                continue;
            }
            String eventId = ContractSchema.parse(payload).get("eventId").asText();
            if (!eventIds.add(eventId)) {
                assertThat(record.type()).isEqualTo("duplicate");
                duplicates++;
            } else {
                assertThat(record.type()).isIn("sale", "restock");
                valid++;
            }
        }
        for (Map.Entry<InvalidKind, Double> f : fractions.entrySet()) {
            assertThat(invalid.getOrDefault(f.getKey(), 0) / (double) total).as(f.getKey().name())
                    .isCloseTo(f.getValue(), org.assertj.core.data.Offset.offset(f.getValue() * 0.2));
        }
        assertThat(duplicates / (double) total).isCloseTo(0.05, org.assertj.core.data.Offset.offset(0.01));
        assertThat(valid + duplicates + invalid.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
    }

    @Test
    void should_resend_a_duplicate_byte_for_byte_with_the_same_event_id() {
        Iterator<SimulatedRecord> records = BurstEvents.generate(FleetFile.builtIn(), 3, 2000, new Faults(0.1, Map.of()), CLOCK);
        Map<String, String> firstSeen = new java.util.HashMap<>();
        int duplicates = 0;
        while (records.hasNext()) {
            SimulatedRecord record = records.next();
            String json = EventJson.toJson(record.payload());
            String id = ((WireEvent) record.payload()).eventId();
            if ("duplicate".equals(record.type())) {
                assertThat(firstSeen).containsEntry(id, json);
                duplicates++;
            } else {
                assertThat(firstSeen.put(id, json)).isNull();
            }
        }
        assertThat(duplicates).isBetween(150, 250);
    }

    @Test
    void should_send_only_valid_events_when_faults_are_off() {
        Iterator<SimulatedRecord> records = BurstEvents.generate(FleetFile.builtIn(), 4, 3000, Faults.NONE, CLOCK);
        Set<String> ids = new HashSet<>();
        while (records.hasNext()) {
            byte[] payload = EventJson.toBytes(records.next().payload());
            assertThat(classify(payload, CLOCK.instant())).isNull();
            assertThat(ids.add(ContractSchema.parse(payload).get("eventId").asText())).isTrue();
        }
    }

    @Test
    void should_refuse_fault_fractions_that_add_up_to_more_than_everything() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Faults(0.6, Map.of(InvalidKind.OVERSIZE, 0.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than all events");
    }
}

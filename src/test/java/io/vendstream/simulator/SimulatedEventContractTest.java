package io.vendstream.simulator;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.vendstream.support.Campus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatedEventContractTest {

    @Test
    void should_produce_only_events_that_validate_against_the_contract_schema() {
        Clock clock = Clock.fixed(Instant.parse("2026-03-10T03:15:00Z"), Campus.ZONE);
        Iterator<SimulatedRecord> live = BurstEvents.generate(FleetFile.builtIn(), 42, 4000, Faults.NONE, clock);
        List<SimulatedRecord> records = new ArrayList<>();
        live.forEachRemaining(records::add);
        FleetSimulator history = new FleetSimulator(FleetFile.builtIn(), new Random(7), Campus.ZONE);
        for (WireEvent e : history.history(ZonedDateTime.now(clock).minusDays(2), ZonedDateTime.now(clock))) {
            records.add(new SimulatedRecord(e.machineId(), e.type(), e));
        }

        Map<String, Integer> types = new HashMap<>();
        for (SimulatedRecord record : records) {
            JsonNode event = ContractSchema.parse(EventJson.toBytes(record.payload()));
            assertThat(ContractSchema.violations(event)).as("%s", event).isEmpty();
            assertThat(record.key()).isEqualTo(event.get("machineId").asText());
            types.merge(event.get("type").asText(), 1, Integer::sum);
            OffsetDateTime occurredAt = OffsetDateTime.parse(event.get("occurredAt").asText());
            assertThat(occurredAt.getOffset().getTotalSeconds()).isEqualTo(7 * 3600);
            assertThat(occurredAt.toInstant()).isBeforeOrEqualTo(clock.instant());
            assertThat(event.get("stockAfter").asInt()).isGreaterThanOrEqualTo(0);
            if ("sale".equals(event.get("type").asText())) {
                assertThat(event.get("currency").asText()).isEqualTo("IDR");
                assertThat(event.get("quantity").asInt()).isBetween(1, 50);
                assertThat(event.get("unitPrice").decimalValue().scale()).isLessThanOrEqualTo(2);
                assertThat(event.get("unitPrice").decimalValue()).isBetween(new BigDecimal("5000"), new BigDecimal("15000"));
            } else {
                assertThat(event.get("quantity").asInt()).isBetween(1, 1000);
            }
        }
        assertThat(records).hasSizeGreaterThan(4000);
        assertThat(types.keySet()).containsExactlyInAnyOrder("sale", "restock");
    }

    @Test
    void should_repeat_exactly_the_same_events_for_the_same_seed() {
        Clock clock = Clock.fixed(Instant.parse("2026-03-10T05:00:00Z"), Campus.ZONE);
        List<String> first = json(BurstEvents.generate(FleetFile.builtIn(), 99, 500, Faults.NONE, clock));
        List<String> second = json(BurstEvents.generate(FleetFile.builtIn(), 99, 500, Faults.NONE, clock));
        List<String> other = json(BurstEvents.generate(FleetFile.builtIn(), 100, 500, Faults.NONE, clock));
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void should_spread_sales_over_every_location_with_ids_and_prices_from_the_fleet_file() {
        Fleet fleet = FleetFile.builtIn();
        Clock clock = Clock.fixed(Instant.parse("2026-03-11T05:00:00Z"), Campus.ZONE);
        Set<String> locations = new HashSet<>();
        Set<String> machines = new HashSet<>();
        Map<String, BigDecimal> prices = new HashMap<>();
        fleet.products().forEach(p -> prices.put(p.name(), p.price()));
        BurstEvents.generate(fleet, 5, 5000, Faults.NONE, clock).forEachRemaining(r -> {
            WireEvent e = (WireEvent) r.payload();
            locations.add(e.location());
            machines.add(e.machineId());
            if (e.isSale()) {
                assertThat(e.unitPrice()).isEqualTo(prices.get(e.product()));
            }
        });
        assertThat(locations).hasSize(fleet.locations().size());
        assertThat(machines).hasSize(fleet.machines().size()).allMatch(id -> id.matches("[A-Z]{2,3}-0[1-9]"));
        assertThat(fleet.products()).hasSizeBetween(20, 30);
    }

    @Test
    void should_keep_the_built_in_campus_identical_to_the_editable_fleet_file() throws Exception {
        java.nio.file.Path editable = java.nio.file.Path.of(System.getProperty("vendstream.project.dir", "."), "config", "fleet.yaml");
        try (var builtIn = getClass().getClassLoader().getResourceAsStream(FleetFile.BUILT_IN)) {
            assertThat(new String(builtIn.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(java.nio.file.Files.readString(editable));
        }
    }

    @Test
    void should_reject_a_fleet_file_with_a_price_the_contract_cannot_carry() {
        String yaml = """
                campus: test
                peakSalesPerMachineHour: 10
                slotCapacity: 10
                initialFill: { min: 1, max: 1 }
                paymentMethods: { qris: 1 }
                quantities: { 1: 1 }
                restock: { weekdays: ["07:00"], weekends: [], minutesBetweenMachines: 1, emptySlotsTrigger: 2 }
                profiles:
                  flat: { weekday: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], weekend: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] }
                products:
                  - { name: "Aqua", category: drink, price: 5000.005, popularity: 1 }
                locations:
                  - { code: ENG, name: "Engineering", machines: 1, traffic: 1, profile: flat }
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FleetFile.parse(
                        new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "test.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("product 'Aqua'")
                .hasMessageContaining("at most 2 decimals");
    }

    private static List<String> json(Iterator<SimulatedRecord> records) {
        List<String> out = new ArrayList<>();
        records.forEachRemaining(r -> out.add(EventJson.toJson(r.payload())));
        return out;
    }

}

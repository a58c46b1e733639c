package io.vendstream.bench;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark at smoke size, in every build, so it cannot rot: a few thousand events through the
 * packaged application and through the best hand-written equivalent must leave exactly the same
 * stored set, the minimal pipeline the same sales and hourly rollup where it overlaps, the
 * latency run must see every sale it published, every API endpoint must answer under load, and
 * a schema seeded with history must hold exactly its seeded sales plus the stream's after a drain.
 * It asserts correctness, not speed.
 */
class BenchmarkSmokeIT {

    @Test
    @SuppressWarnings("unchecked")
    void should_store_the_same_set_as_the_hand_written_baseline_and_report_every_scenario() throws Exception {
        BenchParameters smoke = BenchParameters.smoke();
        Benchmark.Run run = Benchmark.run(smoke);

        assertSameStoredSet(run.ingest());
        Map<String, Object> memory = (Map<String, Object>) run.report().get("memory");
        assertThat(memory.get("storedAsExpected")).as("the embedded-mode run stored what the generator expects: " + memory)
                .isEqualTo(true);
        assertThat(((Number) memory.get("peakRssMib")).doubleValue()).as("peak RSS measured").isPositive();
        assertThat(((Number) memory.get("mqttDevicesConnected")).longValue()).as("machines connected over MQTT: " + memory).isPositive();
        assertThat(((Number) memory.get("streamLinesRead")).longValue()).as("what a screen on the live stream read while the events were stored")
                .isPositive();
        Map<String, Object> latency = (Map<String, Object>) run.report().get("latency");
        long sales = ((Number) latency.get("measuredSales")).longValue();
        assertThat(sales).as("sales measured in the latency run").isGreaterThan(smoke.latencyRate() * smoke.latencySeconds() * 8L / 10);
        Map<String, Object> committed = (Map<String, Object>) latency.get("committed");
        assertThat(((Number) committed.get("p50Ms")).doubleValue()).as("median latency measured").isPositive();
        Map<String, Object> api = (Map<String, Object>) run.report().get("api");
        Map<String, Object> endpoints = (Map<String, Object>) api.get("endpoints");
        List<String> skipped = (List<String>) api.get("skipped");
        // a build without the API skips its paths (404) with a note; every path it serves answers 200 under load
        assertThat(endpoints.size() + skipped.size()).as("API paths driven or skipped").isPositive();
        assertThat(skipped).as("skipped paths").allMatch(s -> s.contains("404"));
        endpoints.forEach((path, figures) -> assertThat(((Map<String, Object>) ((Map<String, Object>) figures)
                .get("statuses")).keySet()).as("statuses of " + path).containsOnly("200"));
        // the growth scenario: the seeded history plus exactly what the generator says the stream adds
        Map<String, Object> growth = (Map<String, Object>) run.report().get("growth");
        long streamSales = ((Number) ((Map<String, Object>) growth.get("expected")).get("sales")).longValue();
        assertThat(((Number) growth.get("seededSales")).longValue()).as("sales seeded for the growth scenario")
                .isEqualTo(smoke.growthSales());
        assertThat(((Number) growth.get("storedSales")).longValue()).as("seeded + expected sales after the growth drain: "
                + growth).isEqualTo(smoke.growthSales() + streamSales);
        assertThat(growth.get("storedAsExpected")).as("growth: sales, idempotency keys and restocks as expected: " + growth)
                .isEqualTo(true);
        // same events as the ingest scenario: the empty-table figures are its median application rate and counters
        Map<String, Object> empty = (Map<String, Object>) growth.get("empty");
        assertThat(empty.get("source")).as("where the growth scenario's empty-table figures come from").isEqualTo("ingest scenario");
        assertThat(((Number) empty.get("eventsPerSecond")).longValue()).as("empty-table rate = median application rate")
                .isEqualTo(run.ingest().appEventsPerSecond())
                .isEqualTo(((Number) ((Map<String, Object>) run.ingest().figures().get("eventsPerSecond")).get("app")).longValue());
        assertThat(empty.get("counters")).as("WAL and buffer counters of the ingest scenario's application drain").isNotNull();
        assertThat(run.json()).exists().content().contains("\"eventsPerSecond\"", "\"p99Ms\"", "\"peakRssMib\"");
    }

    /**
     * In every round, the application and the best hand-written equivalent stored what the generator
     * says a correct ingest must store, and exactly the same rows; and the minimal pipeline stored
     * the same sales and hourly rollup wherever it overlaps with the application, plus only the
     * invalid records that still parse as a sale (it does not validate).
     */
    static void assertSameStoredSet(IngestScenario.Outcome ingest) {
        CampusEvents.Expected expected = ingest.expected();
        assertThat(ingest.rounds()).as("ingest rounds").isNotEmpty();
        for (IngestScenario.Round round : ingest.rounds()) {
            String r = "round " + round.number() + ": ";
            assertThat(round.appSales()).as(r + "sales stored by the application").isEqualTo(expected.sales);
            assertThat(round.handWrittenSales()).as(r + "sales stored by the best hand-written").isEqualTo(expected.sales);
            assertThat(round.app().get("sales")).as(r + "application sales fingerprint")
                    .contains(", amount " + expected.revenue.setScale(2).toPlainString() + ",");
            assertThat(round.app().get("rejected_events")).as(r + "dead-letter rows").startsWith(expected.invalid + " rows");
            assertThat(round.app().get("restocks")).as(r + "restocks").startsWith(expected.restocks + " rows");
            for (String table : List.of("sales", "restocks", "rejected_events", "rejected_counts", "machines", "stock",
                    "sales_hourly", "sales_daily_product", "sales_daily_payment")) {
                assertThat(round.handWritten().get(table)).as(r + "best hand-written " + table + " = application " + table)
                        .isEqualTo(round.app().get(table));
            }

            StoredSet.Overlap overlap = round.minimalOverlap();
            MinimalPipeline.Result minimal = round.minimal();
            for (String table : List.of("sales", "sales_hourly")) {
                assertThat(overlap.minimal().get(table)).as(r + "minimal " + table + " where it overlaps = application "
                        + table).isEqualTo(overlap.app().get(table));
            }
            assertThat(overlap.app().get("sales")).as(r + "application sales, as the overlap sees them")
                    .startsWith(expected.sales + " rows");
            assertThat(minimal.consumed()).as(r + "records the minimal pipeline consumed").isEqualTo(expected.records);
            assertThat(minimal.stored()).as(r + "sales the minimal pipeline stored")
                    .isEqualTo(expected.sales + overlap.extraRows());
            // every invalid record is either skipped (no sale object) or stored as an extra row, never lost or doubled
            assertThat(minimal.unparsed() + overlap.extraRows()).as(r + "invalid records, skipped or stored as extras")
                    .isEqualTo(expected.invalid);
            assertThat(overlap.extraRows()).as(r + "invalid records that parse as a sale (quantity 0, no payment "
                    + "method, a year ahead)").isPositive();
            // a re-sent restock is skipped as a restock, a re-sent sale counted as a duplicate
            assertThat(minimal.restocks() + minimal.duplicates()).as(r + "restocks and duplicates the minimal pipeline saw")
                    .isEqualTo(expected.restocks + expected.duplicates);
        }
    }
}

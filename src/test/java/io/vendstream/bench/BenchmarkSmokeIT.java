package io.vendstream.bench;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark at smoke size, in every build, so it cannot rot: a few thousand events through the
 * packaged application and through the raw baseline must leave exactly the same stored set, the
 * latency run must see every sale it published, every API endpoint must answer under load, and
 * a schema seeded with history must hold exactly its seeded sales plus the stream's after a drain.
 * It asserts correctness, not speed.
 */
class BenchmarkSmokeIT {

    @Test
    @SuppressWarnings("unchecked")
    void should_store_the_same_set_as_the_raw_baseline_and_report_every_scenario() throws Exception {
        BenchParameters smoke = BenchParameters.smoke();
        Benchmark.Run run = Benchmark.run(smoke);

        assertSameStoredSet(run.ingest());
        Map<String, Object> memory = (Map<String, Object>) run.report().get("memory");
        assertThat(memory.get("storedAsExpected")).as("the embedded-mode run stored what the generator expects: " + memory)
                .isEqualTo(true);
        assertThat(((Number) memory.get("peakRssMib")).doubleValue()).as("peak RSS measured").isPositive();
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
        assertThat(run.json()).exists().content().contains("\"eventsPerSecond\"", "\"p99Ms\"", "\"peakRssMib\"");
    }

    /** Both stored what the generator says a correct ingest must store, and exactly the same rows. */
    static void assertSameStoredSet(IngestScenario.Outcome ingest) {
        CampusEvents.Expected expected = ingest.expected();
        assertThat(ingest.appSales()).as("sales stored by the application").isEqualTo(expected.sales);
        assertThat(ingest.baselineSales()).as("sales stored by the baseline").isEqualTo(expected.sales);
        assertThat(ingest.app().get("sales")).as("application sales fingerprint")
                .contains(", amount " + expected.revenue.setScale(2).toPlainString() + ",");
        assertThat(ingest.app().get("rejected_events")).as("dead-letter rows").startsWith(expected.invalid + " rows");
        assertThat(ingest.app().get("restocks")).as("restocks").startsWith(expected.restocks + " rows");
        for (String table : List.of("sales", "restocks", "rejected_events", "rejected_counts", "machines", "stock",
                "sales_hourly", "sales_daily_product", "sales_daily_payment")) {
            assertThat(ingest.baseline().get(table)).as("baseline " + table + " = application " + table)
                    .isEqualTo(ingest.app().get(table));
        }
    }
}

package io.vendstream.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full benchmark (issue 7): {@code ./mvnw -Pbench verify}. Sizes come from {@code bench.*}
 * system properties (see {@link BenchParameters}); figures go to stdout and target/bench/.
 * Excluded from the normal build by its tag. It asserts correctness, never speed: the targets are
 * reported as met or missed in the table.
 */
@Tag("benchmark")
class BenchmarkIT {

    @Test
    void should_measure_ingest_latency_and_api_with_both_implementations_storing_the_same_set() throws Exception {
        Benchmark.Run run = Benchmark.run(BenchParameters.fromSystemProperties());

        if (run.ingest() != null) {
            BenchmarkSmokeIT.assertSameStoredSet(run.ingest());
        }
        Object growth = run.report().get("growth");
        if (growth != null) {
            assertThat(((java.util.Map<?, ?>) growth).get("storedAsExpected")).as("growth: seeded + expected sales and keys: "
                    + growth).isEqualTo(true);
        }
        assertThat(run.json()).exists();
    }
}

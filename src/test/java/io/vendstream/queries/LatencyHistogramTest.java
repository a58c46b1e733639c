package io.vendstream.queries;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyHistogramTest {

    @Test
    void should_interpolate_a_percentile_inside_its_bucket() {
        LatencyHistogram h = new LatencyHistogram();
        h.add(10, 50);
        h.add(25, 40);
        h.add(100, 10);
        assertThat(h.quantile(0.50)).isEqualByComparingTo("10.0");
        assertThat(h.quantile(0.95)).isEqualByComparingTo("62.5");
        assertThat(h.quantile(0.99)).isEqualByComparingTo("92.5");
    }

    @Test
    void should_report_the_highest_finite_bound_when_the_rank_falls_beyond_sixty_seconds() {
        LatencyHistogram h = new LatencyHistogram();
        h.add(50, 10);
        h.add(60_000, 5);
        h.add(LatencyHistogram.INFINITY, 85);
        assertThat(h.quantile(0.50)).isEqualByComparingTo("60000.0");
        assertThat(h.quantile(0.05)).isEqualByComparingTo("25.0");
    }

    @Test
    void should_report_sixty_seconds_when_every_sample_is_beyond_it() {
        // backfilled history: every event days late, no finite bucket at all
        LatencyHistogram h = new LatencyHistogram();
        h.add(LatencyHistogram.INFINITY, 100);
        assertThat(h.quantile(0.50)).isEqualByComparingTo("60000.0");
    }

    @Test
    void should_have_no_percentiles_without_samples() {
        assertThat(new LatencyHistogram().quantile(0.99)).isNull();
    }

    @Test
    void should_preview_invalid_utf8_and_control_characters_as_replacement_characters() {
        byte[] bytes = {'o', 'k', (byte) 0xFF, 0x07, '\n', (byte) 0xE2, (byte) 0x82, (byte) 0xAC};
        assertThat(ActivityQueries.preview(bytes, 100)).isEqualTo("ok\uFFFD\uFFFD\n€");
        assertThat(ActivityQueries.preview("abcdef".getBytes(), 3)).isEqualTo("abc");
    }
}

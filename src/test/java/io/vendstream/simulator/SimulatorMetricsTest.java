package io.vendstream.simulator;

import java.util.List;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The counters as Prometheus will scrape them once the operator binds a registry. */
class SimulatorMetricsTest {

    @Test
    void should_expose_published_records_by_type_and_delivery_errors_under_the_documented_names() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind("prometheusMeterRegistry", prometheus);
            SimulatorMetrics metrics = new SimulatorMetrics();

            metrics.delivered(tick(context, List.of(record(context, "sale"), record(context, "sale"), record(context, "restock"))));
            Exchange refused = record(context, "oversize");
            refused.setException(new IllegalStateException("too large"));
            Exchange failedTick = tick(context, List.of(record(context, "sale"), refused));
            failedTick.setException(new IllegalStateException("too large"));
            metrics.undelivered(failedTick);

            String scrape = prometheus.scrape();
            assertThat(scrape).contains("vendstream_simulator_events_total{type=\"sale\"} 3.0")
                    .contains("vendstream_simulator_events_total{type=\"restock\"} 1.0")
                    .contains("vendstream_simulator_errors_total 1.0")
                    .doesNotContain("type=\"oversize\"");
            assertThat(metrics.publishedByType()).containsEntry("sale", 3L).containsEntry("restock", 1L);
            assertThat(metrics.errors()).isEqualTo(1);
        }
    }

    @Test
    void should_count_every_record_of_a_tick_as_an_error_when_kafka_cannot_say_which_failed() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            SimulatorMetrics metrics = new SimulatorMetrics();
            Exchange failedTick = tick(context, List.of(record(context, "sale"), record(context, "restock")));
            failedTick.setException(new IllegalStateException("broker unreachable"));
            metrics.undelivered(failedTick);
            assertThat(metrics.errors()).isEqualTo(2);
            assertThat(metrics.publishedTotal()).isZero();
        }
    }

    private static Exchange tick(CamelContext context, List<Exchange> records) {
        Exchange tick = new DefaultExchange(context);
        tick.getMessage().setBody(records);
        return tick;
    }

    private static Exchange record(CamelContext context, String type) {
        Exchange record = new DefaultExchange(context);
        record.setProperty("simulatedType", type);
        return record;
    }
}

package io.vendstream.payments;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.Rejection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The payment contract (schema/payment-v1.json) as the ingest validator and the webhook apply it. */
class PaymentContractTest {

    private static final Instant NOW = Instant.parse("2026-12-06T03:00:00Z");
    private final EventValidator validator = new EventValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5), 65536,
            null, "vending.payments");

    private static String payment(String amount) {
        return "{\"paymentEventId\":\"3f1c2a9e-8d7b-4c1e-9f0a-6b5d4c3e2f1a\",\"kind\":\"settlement\",\"transactionRef\":\"TX-1\","
                + "\"machineId\":\"eng-01\",\"processor\":\"qris-switch\",\"paymentMethod\":\"qris\",\"amount\":" + amount
                + ",\"currency\":\"IDR\",\"settlementBatch\":\"qris-switch-2026-12-06\",\"occurredAt\":\"2026-12-06T01:53:00+07:00\"}";
    }

    @Test
    void should_read_a_valid_settlement_from_the_payments_topic() {
        EventValidator.Result r = validator.validate("vending.payments", payment("9500.00").getBytes());
        assertThat(r.isValid()).isTrue();
        assertThat(r.event()).isNull();
        assertThat(r.payment().kind()).isEqualTo("settlement");
        assertThat(r.payment().amount()).isEqualByComparingTo("9500.00");
        assertThat(r.payment().settlementBatch()).isEqualTo("qris-switch-2026-12-06");
    }

    @Test
    void should_read_the_other_topics_records_as_vending_events() {
        EventValidator.Result r = validator.validate("vending.events", payment("9500.00").getBytes());
        assertThat(r.isValid()).isFalse();
        assertThat(r.rejection().reason()).isEqualTo(Rejection.Reason.SCHEMA_VIOLATION);
    }

    @Test
    void should_name_the_field_a_refused_payment_breaks() {
        EventValidator.Result negative = validator.validatePayment(payment("-1").getBytes());
        assertThat(negative.rejection().detail()).contains("amount");
        assertThat(PaymentIntake.field(negative.rejection().detail())).isEqualTo("amount");
        EventValidator.Result missing = validator.validatePayment("{\"kind\":\"authorization\"}".getBytes());
        assertThat(PaymentIntake.field(missing.rejection().detail())).isIn("paymentEventId", "amount", "machineId", "occurredAt",
                "processor", "transactionRef");
        EventValidator.Result future = validator.validatePayment(payment("1").replace("2026-12-06T01:53", "2026-12-07T01:53").getBytes());
        assertThat(future.rejection().reason()).isEqualTo(Rejection.Reason.FUTURE_TIMESTAMP);
        assertThat(PaymentIntake.field(future.rejection().detail())).isEqualTo("occurredAt");
    }
}

package io.vendstream.ingest;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import io.vendstream.support.Events;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract rules, without any infrastructure. */
class EventValidatorTest {

    private static final Instant NOW = Instant.parse("2026-11-21T05:00:00Z");
    private final EventValidator validator = new EventValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5), 65536, null);

    private Map<String, Object> sale() {
        Map<String, Object> e = Events.sale("ENG-01", "Teh Botol", 2, "7500.50", 8);
        e.put("occurredAt", "2026-11-21T12:00:00+07:00");
        return e;
    }

    @Test
    void should_refuse_an_event_older_than_the_retention_horizon_and_accept_one_just_inside_it() {
        EventValidator retaining = new EventValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5), 65536, Duration.ofDays(400));
        Map<String, Object> e = sale();
        e.put("occurredAt", NOW.minus(Duration.ofDays(400)).minusSeconds(1).toString());
        EventValidator.Result old = retaining.validate(Events.json(e));
        assertThat(old.rejection().reason()).isEqualTo(Rejection.Reason.BEYOND_RETENTION);
        assertThat(old.rejection().detail()).contains("occurredAt").contains("400 days");
        e.put("occurredAt", NOW.minus(Duration.ofDays(400)).plusSeconds(1).toString());
        assertThat(retaining.validate(Events.json(e)).isValid()).isTrue();
        assertThat(validator.validate(Events.json(e)).isValid()).as("without retention any age is accepted").isTrue();
    }

    @Test
    void should_accept_a_sale_and_read_every_field() {
        EventValidator.Result r = validator.validate(Events.json(sale()));
        assertThat(r.isValid()).isTrue();
        assertThat(r.event().amount()).isEqualByComparingTo(new BigDecimal("15001.00"));
        assertThat(r.event().occurredAt()).isEqualTo(NOW);
        assertThat(r.event().currency()).isEqualTo("IDR");
        assertThat(r.event().stockAfter()).isEqualTo(8);
    }

    @Test
    void should_default_the_currency_to_idr_and_ignore_unknown_fields() {
        Map<String, Object> e = sale();
        e.remove("currency");
        e.put("firmware", "2.1");
        assertThat(validator.validate(Events.json(e)).event().currency()).isEqualTo("IDR");
    }

    @Test
    void should_require_price_and_payment_method_for_a_sale_but_not_for_a_restock() {
        Map<String, Object> sale = sale();
        sale.remove("paymentMethod");
        assertThat(validator.validate(Events.json(sale)).rejection().detail()).contains("paymentMethod");
        Map<String, Object> restock = Events.restock("ENG-01", "Teh Botol", 200, 200);
        restock.put("occurredAt", "2026-11-21T12:00:00+07:00");
        assertThat(validator.validate(Events.json(restock)).isValid()).isTrue();
    }

    @Test
    void should_reject_more_than_fifty_units_in_one_sale() {
        Map<String, Object> e = sale();
        e.put("quantity", 51);
        assertThat(validator.validate(Events.json(e)).rejection().reason()).isEqualTo(Rejection.Reason.SCHEMA_VIOLATION);
    }

    @Test
    void should_accept_five_minutes_ahead_and_reject_beyond() {
        Map<String, Object> e = sale();
        e.put("occurredAt", "2026-11-21T12:05:00+07:00");
        assertThat(validator.validate(Events.json(e)).isValid()).isTrue();
        e.put("occurredAt", "2026-11-21T12:05:01+07:00");
        assertThat(validator.validate(Events.json(e)).rejection().reason()).isEqualTo(Rejection.Reason.FUTURE_TIMESTAMP);
    }

    @Test
    void should_reject_duplicate_keys_and_trailing_garbage_as_malformed() {
        assertThat(validator.validate(Events.utf8("{\"quantity\":1,\"quantity\":50}")).rejection().reason())
                .isEqualTo(Rejection.Reason.MALFORMED_JSON);
        assertThat(validator.validate(Events.utf8("{} {}")).rejection().reason()).isEqualTo(Rejection.Reason.MALFORMED_JSON);
    }

    @Test
    void should_reject_a_machine_id_with_characters_outside_the_contract() {
        Map<String, Object> e = sale();
        e.put("machineId", "ENG 01");
        assertThat(validator.validate(Events.json(e)).rejection().detail()).contains("machineId");
    }
}

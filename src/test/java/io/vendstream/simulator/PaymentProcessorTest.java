package io.vendstream.simulator;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import io.vendstream.support.Campus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulated payment processor: what it adds to the fleet's records and what it schedules. */
class PaymentProcessorTest {

    private static final ZonedDateTime VEND = ZonedDateTime.of(2026, 12, 4, 9, 31, 0, 0, Campus.ZONE);

    private static SimulatedRecord sale(String method, String id) {
        WireEvent e = new WireEvent(id, WireEvent.SALE, "eng-01", "Engineering", "Aqua 600ml", "drink", new BigDecimal("5000"), "IDR",
                2, method, 7, WireEvent.timestamp(VEND));
        return new SimulatedRecord("eng-01", WireEvent.SALE, e);
    }

    @Test
    void should_give_cashless_sales_a_reference_and_settle_them_in_the_nightly_batch() {
        PaymentProcessor processor = PaymentProcessor.started(Map.of(), Clock.fixed(VEND.plusDays(3).toInstant(), Campus.ZONE));
        List<SimulatedRecord> out = processor.vended(List.of(sale("qris", "00000000-0000-4000-8000-000000000001"),
                sale("cash", "00000000-0000-4000-8000-000000000002")));

        assertThat(out.get(0).payload()).isInstanceOfSatisfying(Map.class,
                m -> assertThat((String) m.get("transactionRef")).startsWith("TX-"));
        assertThat(out.get(1).payload()).as("cash goes through no processor").isInstanceOf(WireEvent.class);
        List<SimulatedRecord> due = processor.due();
        assertThat(due).extracting(r -> ((PaymentProcessor.PaymentWire) r.payload()).kind()).containsExactly("authorization", "settlement");
        PaymentProcessor.PaymentWire auth = (PaymentProcessor.PaymentWire) due.get(0).payload();
        PaymentProcessor.PaymentWire settlement = (PaymentProcessor.PaymentWire) due.get(1).payload();
        assertThat(auth.transactionRef()).isEqualTo(((Map<?, ?>) out.get(0).payload()).get("transactionRef"));
        assertThat(auth.amount()).isEqualByComparingTo("10000");
        assertThat(auth.processor()).isEqualTo("qris-switch");
        assertThat(auth.occurredAt()).isEqualTo("2026-12-04T09:30:58.000+07:00");
        assertThat(settlement.occurredAt()).as("the next night's batch").isEqualTo("2026-12-05T01:53:00.000+07:00");
        assertThat(settlement.settlementBatch()).isEqualTo("qris-switch-2026-12-05");
        assertThat(processor.injected()).isEmpty();
    }

    @Test
    void should_hold_a_payment_until_it_is_due() {
        PaymentProcessor processor = PaymentProcessor.started(Map.of(), Clock.fixed(VEND.plusHours(1).toInstant(), Campus.ZONE));
        processor.vended(List.of(sale("card", "00000000-0000-4000-8000-000000000003")));
        assertThat(processor.due()).hasSize(1);
        assertThat(processor.pendingCount()).as("the settlement waits for the night").isEqualTo(1);
    }

    @Test
    void should_settle_early_rather_than_hold_more_than_its_limit() {
        PaymentProcessor processor = PaymentProcessor.started(Map.of(), Clock.fixed(VEND.plusHours(1).toInstant(), Campus.ZONE));
        processor.setMaxPending(0);
        processor.vended(List.of(sale("card", "00000000-0000-4000-8000-000000000005")));
        List<SimulatedRecord> due = processor.due();
        assertThat(due).hasSize(2);
        PaymentProcessor.PaymentWire settlement = (PaymentProcessor.PaymentWire) due.get(1).payload();
        assertThat(settlement.kind()).isEqualTo("settlement");
        assertThat(settlement.occurredAt()).as("stamped when it went out, never in the future").isEqualTo("2026-12-04T10:31:00.000+07:00");
        assertThat(processor.pendingCount()).isZero();
    }

    @Test
    void should_record_every_exception_it_injects() {
        PaymentProcessor processor = PaymentProcessor.started(Map.of("short-settlement-fraction", "1"),
                Clock.fixed(VEND.plusDays(3).toInstant(), Campus.ZONE));
        List<SimulatedRecord> out = processor.vended(List.of(sale("ewallet", "00000000-0000-4000-8000-000000000004")));
        String ref = (String) ((Map<?, ?>) out.get(0).payload()).get("transactionRef");
        assertThat(processor.injected()).containsOnlyKeys(PaymentProcessor.AMOUNT_MISMATCH);
        assertThat(processor.injected().get(PaymentProcessor.AMOUNT_MISMATCH)).containsExactly(ref);
        assertThat(processor.due()).extracting(r -> ((PaymentProcessor.PaymentWire) r.payload()).amount())
                .containsExactly(new BigDecimal("10000.00"), new BigDecimal("9500.00"));
    }
}
